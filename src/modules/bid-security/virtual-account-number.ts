import { createHmac } from 'crypto';

/**
 * Virtual sub-account numbers (虚拟子账号) of the bid-security escrow account: one per bidder and tender, so the
 * bank's notification names who paid for what without a remittance note.
 *
 * Format (19 digits, the length of a Chinese bank card number): the platform's 4-digit prefix, 14 digits taken from
 * HMAC-SHA256(key, "tenderId|bidderOrganizationId|attempt"), and a Luhn check digit that catches any single mistyped
 * digit and most swaps of two neighbours. Deterministic (the same bidder and tender always get the same number) and
 * unguessable without the key: knowing one's own number for one tender says nothing about another tender's.
 */
export const VIRTUAL_ACCOUNT_PREFIX = '8801';
const BODY_DIGITS = 14;
const BODY_MODULUS = 10n ** BigInt(BODY_DIGITS);

/** The Luhn (mod 10) check digit of a string of digits. */
export function luhnCheckDigit(digits: string): string {
  if (!/^\d+$/.test(digits)) throw new Error('digits only');
  let sum = 0;
  // Doubling starts with the rightmost digit of the payload (it will sit left of the check digit).
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isValidVirtualAccountNo(s: string): boolean {
  if (!/^\d{19}$/.test(s) || !s.startsWith(VIRTUAL_ACCOUNT_PREFIX)) return false;
  return luhnCheckDigit(s.slice(0, -1)) === s.slice(-1);
}

/**
 * The number of the bidder's sub-account for the tender. `attempt` > 0 only when a number is already taken by
 * another bidder and tender (a 1 in 10^14 event per pair), so the result stays deterministic.
 */
export function deriveVirtualAccountNo(key: Buffer, tenderId: string, bidderOrganizationId: string, attempt = 0): string {
  const mac = createHmac('sha256', key).update(`${tenderId}|${bidderOrganizationId}|${attempt}`).digest();
  const body = (mac.readBigUInt64BE(0) % BODY_MODULUS).toString().padStart(BODY_DIGITS, '0');
  const payload = `${VIRTUAL_ACCOUNT_PREFIX}${body}`;
  return payload + luhnCheckDigit(payload);
}
