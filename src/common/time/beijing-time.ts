/** China Standard Time (UTC+8, no daylight saving): how every date is shown in documents people sign and file. */
export const CST_OFFSET_MS = 8 * 3600_000;

/** "2026-11-28 05:02:29" (with seconds) or "2026-11-28 05:02" — the wall-clock time in Beijing. */
export function beijingTime(d: Date | string, precision: 'minute' | 'second' | 'millisecond' = 'second'): string {
  const iso = new Date(new Date(d).getTime() + CST_OFFSET_MS).toISOString();
  const len = precision === 'minute' ? 16 : precision === 'second' ? 19 : 23;
  return iso.slice(0, len).replace('T', ' ');
}

/** "2026-11-28 05:02:29（北京时间）" */
export const beijingTimeLabel = (d: Date | string, precision: 'minute' | 'second' | 'millisecond' = 'second') => `${beijingTime(d, precision)}（北京时间）`;
