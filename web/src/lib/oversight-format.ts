/**
 * Money and ratios as people at a trading centre read them. The API sends money as decimal strings (API.md
 * "Conventions"): amounts are formatted from the string itself, never through a float; only charts use numbers.
 */

/** "12345678.9" → "12,345,678.90" (exact, from the decimal string). */
export function formatYuan(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return '—';
  const neg = s.startsWith('-');
  const [int, frac = ''] = (neg ? s.slice(1) : s).split('.');
  const grouped = int.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}.${(frac + '00').slice(0, 2)}`;
}

/** Large amounts as 万元 / 亿元 with two decimals ("3,650.00万元"), from the decimal string. */
export function formatWan(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return '—';
  const fen = toFen(s);
  const abs = fen < 0n ? -fen : fen;
  const sign = fen < 0n ? '-' : '';
  // 1 亿元 = 10^10 fen; 1 万元 = 10^6 fen; rounded half up to 0.01
  const unit = abs >= 10_000_000_000n ? { d: 10_000_000_000n, label: '亿元' } : { d: 1_000_000n, label: '万元' };
  const hundredths = (abs * 100n + unit.d / 2n) / unit.d;
  const int = (hundredths / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${int}.${(hundredths % 100n).toString().padStart(2, '0')}${unit.label}`;
}

/** A decimal string of CNY as fen (bigint). */
export function toFen(s: string): bigint {
  const neg = s.trim().startsWith('-');
  const [int, frac = ''] = s.trim().replace(/^-/, '').split('.');
  const v = BigInt(int || '0') * 100n + BigInt((frac + '00').slice(0, 2));
  return neg ? -v : v;
}

/** For charts only: yuan as a number (precision is irrelevant at chart scale). */
export const yuanNumber = (s: string | null | undefined): number => (s ? Number(s) : 0);

/** A ratio ("0.0734" or 0.0734) as "7.34%"; ratios above 1 are taken as percentages already. */
export function formatPercent(v: string | number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  if (!Number.isFinite(n)) return '—';
  return `${(n > 1 ? n : n * 100).toFixed(digits)}%`;
}
