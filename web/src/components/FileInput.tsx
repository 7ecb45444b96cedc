import { Button, Space, Typography } from 'antd';
import { useRef, useState } from 'react';

/**
 * A real `<input type="file">` carrying the accessible name (UI.md: tests and screen readers find it by `label`),
 * visually hidden behind an antd button. It stays in the accessibility tree (not display:none).
 */
export function FileInput({
  label,
  accept,
  multiple,
  onFiles,
  buttonText = '选择文件',
  disabled,
}: {
  label: string;
  accept?: string;
  multiple?: boolean;
  onFiles: (files: File[]) => void;
  buttonText?: string;
  disabled?: boolean;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const [names, setNames] = useState<string[]>([]);
  return (
    <Space wrap>
      <input
        ref={ref}
        type="file"
        aria-label={label}
        className="visually-hidden"
        accept={accept}
        multiple={multiple}
        disabled={disabled}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          setNames(files.map((f) => f.name));
          onFiles(files);
        }}
      />
      <Button onClick={() => ref.current?.click()} disabled={disabled} aria-hidden tabIndex={-1}>
        {buttonText}
      </Button>
      <Typography.Text type="secondary">{names.length ? names.join('、') : '未选择文件'}</Typography.Text>
    </Space>
  );
}

/** The bytes of a File (the browser reads it locally; nothing is uploaded by this). */
export async function readFileBytes(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}
