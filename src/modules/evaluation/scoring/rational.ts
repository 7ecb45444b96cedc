/**
 * Exact non-negative rationals over bigint, for scores: no float ever decides a ranking (a price score such as
 * 900000 / 950000 × 30 is compared exactly, and rounded only for display).
 */
export interface Rational {
  num: bigint;
  den: bigint;
}

export const ZERO: Rational = { num: 0n, den: 1n };

export function rational(num: bigint, den: bigint = 1n): Rational {
  if (den <= 0n) throw new Error('a denominator is positive');
  const g = gcd(num < 0n ? -num : num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

export function add(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function compare(a: Rational, b: Rational): number {
  const d = a.num * b.den - b.num * a.den;
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

/** Rounded half-up to `decimals` places, as a decimal string ("28.42"). */
export function toDecimal(r: Rational, decimals = 2): string {
  const scale = 10n ** BigInt(decimals);
  const neg = r.num < 0n;
  const abs = neg ? -r.num : r.num;
  const scaled = (abs * scale * 2n + r.den) / (2n * r.den);
  const int = scaled / scale;
  const frac = (scaled % scale).toString().padStart(decimals, '0');
  return `${neg ? '-' : ''}${int}${decimals ? `.${frac}` : ''}`;
}

/** A decimal string or number with at most `decimals` places, as a rational ("12.5" → 25/2). */
export function fromDecimal(v: string | number, decimals = 2): Rational {
  const s = typeof v === 'number' ? String(v) : v;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m || (m[2] ?? '').length > decimals) throw new Error(`not a decimal with at most ${decimals} places: ${s}`);
  const frac = m[2] ?? '';
  return rational(BigInt(m[1] + frac), 10n ** BigInt(frac.length));
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a || 1n;
}
