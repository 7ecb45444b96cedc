/**
 * Money is CNY as a decimal string with at most 2 decimals ("12345678.90"), carried in code as integer fen
 * (bigint) so that no float ever touches it. Columns are numeric(18,2).
 */
export const MONEY_PATTERN = /^(0|[1-9]\d{0,15})(\.\d{1,2})?$/;

export function toFen(amount: string): bigint {
  if (!MONEY_PATTERN.test(amount)) throw new Error(`not a money amount: ${amount}`);
  const [yuan, frac = ''] = amount.split('.');
  return BigInt(yuan) * 100n + BigInt((frac + '00').slice(0, 2));
}

export function fromFen(fen: bigint): string {
  const neg = fen < 0n;
  const abs = neg ? -fen : fen;
  const s = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}

/** Normalises what PostgreSQL returns for numeric(18,2) ("1.5" → "1.50"). */
export function normalizeMoney(amount: string): string {
  const neg = amount.startsWith('-');
  return fromFen((neg ? -1n : 1n) * toFen(neg ? amount.slice(1) : amount));
}

export function compareMoney(a: string, b: string): number {
  const d = toFen(a) - toFen(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

/** amount × ratio, with the ratio as a decimal string ("0.02"), rounded half-up to the fen. */
export function multiplyMoney(amount: string, ratio: string): string {
  const [i, f = ''] = ratio.split('.');
  const scale = 10n ** BigInt(f.length);
  const r = BigInt(i) * scale + (f ? BigInt(f) : 0n);
  const num = toFen(amount) * r;
  return fromFen((num * 2n + scale) / (2n * scale));
}

/** A TypeORM transformer for numeric columns, keeping decimal strings with two places. */
export const moneyTransformer = {
  to: (v: string | null | undefined) => v,
  from: (v: string | null) => (v === null || v === undefined ? v : normalizeMoney(v)),
};
