/**
 * A date-time field in 北京时间 whatever the browser's time zone: a native datetime-local input (accessible, with the
 * browser's own picker) whose value is read as UTC+8 (lib/time.ts beijingLocalToIso).
 */
export function BeijingDateTimeInput(props: { id?: string; value?: string; onChange?: (v: string) => void; 'aria-label'?: string; min?: string }) {
  return (
    <input
      id={props.id}
      type="datetime-local"
      className="ant-input ant-input-outlined"
      style={{ maxWidth: 260 }}
      aria-label={props['aria-label']}
      value={props.value ?? ''}
      min={props.min}
      onChange={(e) => props.onChange?.(e.target.value)}
    />
  );
}
