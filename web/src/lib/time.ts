/**
 * Instants in 北京时间 (Asia/Shanghai, UTC+8, no daylight saving) whatever the browser's own time zone: every deadline
 * of the platform is announced in Beijing time. The API sends ISO-8601 UTC strings.
 */
const fmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** "2026-12-06 16:00:00" in Beijing time. */
export function formatBeijing(iso: string | number | Date | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const parts = Object.fromEntries(fmt.formatToParts(d).map((p) => [p.type, p.value]));
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day} ${hour}:${parts.minute}:${parts.second}`;
}

/** "2026-12-06 16:00:00（北京时间）". */
export function formatBeijingLabel(iso: string | number | Date | null | undefined): string {
  return `${formatBeijing(iso)}（北京时间）`;
}

/** A remaining duration as "3天 04:05:06" (negative → "0天 00:00:00"). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${days > 0 ? `${days}天 ` : ''}${hh}:${mm}:${ss}`;
}

/** "2026-12-20T09:30" entered as 北京时间 → ISO-8601 UTC ("2026-12-20T01:30:00.000Z"); null when incomplete. */
export function beijingLocalToIso(value: string | null | undefined): string | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return null;
  const d = new Date(`${value}:00+08:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An instant as the value of a datetime-local input, in 北京时间. */
export function isoToBeijingLocal(iso: string | number | Date): string {
  return formatBeijing(iso).replace(' ', 'T').slice(0, 16);
}
