import { fromFen, toFen } from 'src/common/money/money';

/**
 * Interest on a refunded bid security: simple interest at the bank's annual deposit rate for the days the money was
 * held (TBR Arts. 31, 57: "银行同期存款利息"), on a 365-day year, in integer fen, rounded half-up.
 */
const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;
export const DAYS_PER_YEAR = 365n;

/** The China Standard Time day number of an instant (UTC+8, no daylight saving). */
function cstDayNumber(at: Date): number {
  return Math.floor((at.getTime() + CST_OFFSET_MS) / DAY_MS);
}

/**
 * Days the money was held: calendar days from the day it arrived to the day it is paid back, counting the first
 * day and not the last (银行计息"算头不算尾"). Money paid back the day it arrived earns nothing.
 */
export function daysHeld(from: Date, to: Date): number {
  return Math.max(0, cstDayNumber(to) - cstDayNumber(from));
}

/** The annual rate as an exact fraction: "0.0035" → 35 / 10000. */
export function parseRate(rate: string): { numerator: bigint; denominator: bigint } {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(rate);
  if (!m) throw new Error(`not a rate: ${rate}`);
  const frac = m[2] ?? '';
  return { numerator: BigInt(m[1] + frac), denominator: 10n ** BigInt(frac.length) };
}

/** principal × rate × days / 365, rounded half-up to the fen. */
export function simpleInterest(principal: string, annualRate: string, days: number): string {
  if (!Number.isInteger(days) || days < 0) throw new Error(`days must be a whole number ≥ 0, not ${days}`);
  const { numerator, denominator } = parseRate(annualRate);
  const num = toFen(principal) * numerator * BigInt(days);
  const den = denominator * DAYS_PER_YEAR;
  return fromFen((2n * num + den) / (2n * den));
}
