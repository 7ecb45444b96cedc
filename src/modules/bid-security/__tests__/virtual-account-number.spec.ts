import { randomUUID } from 'crypto';
import { deriveVirtualAccountNo, isValidVirtualAccountNo, luhnCheckDigit, VIRTUAL_ACCOUNT_PREFIX } from '../virtual-account-number';

describe('virtual sub-account numbers', () => {
  const key = Buffer.alloc(32, 7);
  const tender = '6f1c2a4e-0d7b-4c55-9a55-1d2b3c4d5e6f';
  const bidder = '0b7e1f52-93a4-4d8e-8c11-2a3b4c5d6e7f';

  it('computes the Luhn check digit of a known card number', () => {
    // 4539 1488 0343 6467 is a textbook Luhn-valid number.
    expect(luhnCheckDigit('453914880343646')).toBe('7');
    expect(luhnCheckDigit('7992739871')).toBe('3');
  });

  it('is deterministic: the same bidder and tender always get the same number', () => {
    expect(deriveVirtualAccountNo(key, tender, bidder)).toBe(deriveVirtualAccountNo(key, tender, bidder));
  });

  it('has 19 digits, the platform prefix and a valid check digit', () => {
    const no = deriveVirtualAccountNo(key, tender, bidder);
    expect(no).toMatch(/^\d{19}$/);
    expect(no.startsWith(VIRTUAL_ACCOUNT_PREFIX)).toBe(true);
    expect(isValidVirtualAccountNo(no)).toBe(true);
  });

  it('differs per tender, per bidder and per key (unguessable without the key)', () => {
    const base = deriveVirtualAccountNo(key, tender, bidder);
    expect(deriveVirtualAccountNo(key, randomUUID(), bidder)).not.toBe(base);
    expect(deriveVirtualAccountNo(key, tender, randomUUID())).not.toBe(base);
    expect(deriveVirtualAccountNo(Buffer.alloc(32, 8), tender, bidder)).not.toBe(base);
    expect(deriveVirtualAccountNo(key, tender, bidder, 1)).not.toBe(base);
  });

  it('spreads numbers over the space: 2,000 pairs, no collision, every body digit used', () => {
    const seen = new Set<string>();
    const digits = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const no = deriveVirtualAccountNo(key, randomUUID(), randomUUID());
      seen.add(no);
      for (const d of no.slice(4, 18)) digits.add(d);
    }
    expect(seen.size).toBe(2000);
    expect(digits.size).toBe(10);
  });

  it('the check digit catches every single-digit mistake', () => {
    const no = deriveVirtualAccountNo(key, tender, bidder);
    for (let pos = 4; pos < 19; pos++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === no[pos]) continue;
        const typo = no.slice(0, pos) + d + no.slice(pos + 1);
        expect(isValidVirtualAccountNo(typo)).toBe(false);
      }
    }
  });

  it('refuses other shapes', () => {
    expect(isValidVirtualAccountNo('')).toBe(false);
    expect(isValidVirtualAccountNo('1234')).toBe(false);
    const no = deriveVirtualAccountNo(key, tender, bidder);
    expect(isValidVirtualAccountNo(`9${no.slice(1)}`)).toBe(false); // another prefix
  });
});
