import { daysHeld, parseRate, simpleInterest } from '../interest';

describe('interest on refunded bid security (TBR Arts. 31, 57)', () => {
  const at = (iso: string) => new Date(iso);

  describe('days held, counted in China Standard Time, first day counted and last not', () => {
    it('the same CST day: 0 days', () => {
      expect(daysHeld(at('2026-03-02T00:30:00Z'), at('2026-03-02T15:59:59Z'))).toBe(0);
    });
    it('across CST midnight (16:00 UTC): 1 day even a minute apart', () => {
      expect(daysHeld(at('2026-03-02T15:59:00Z'), at('2026-03-02T16:00:00Z'))).toBe(1);
    });
    it('a UTC date change that is not a CST one: 0 days', () => {
      expect(daysHeld(at('2026-03-02T23:00:00Z'), at('2026-03-03T01:00:00Z'))).toBe(0);
    });
    it('30 days', () => {
      expect(daysHeld(at('2026-03-01T02:00:00Z'), at('2026-03-31T02:00:00Z'))).toBe(30);
    });
    it('never negative', () => {
      expect(daysHeld(at('2026-03-05T02:00:00Z'), at('2026-03-01T02:00:00Z'))).toBe(0);
    });
  });

  it('parses the rate exactly', () => {
    expect(parseRate('0.0035')).toEqual({ numerator: 35n, denominator: 10000n });
    expect(parseRate('0.003500')).toEqual({ numerator: 3500n, denominator: 1000000n });
    expect(parseRate('1')).toEqual({ numerator: 1n, denominator: 1n });
    expect(() => parseRate('0,35')).toThrow();
    expect(() => parseRate('-0.01')).toThrow();
  });

  it('200,000.00 at 0.35% for 30 days = 57.53 (57.534… rounded)', () => {
    expect(simpleInterest('200000.00', '0.0035', 30)).toBe('57.53');
  });

  it('a full year at 1.5% on 100,000.00 = 1,500.00', () => {
    expect(simpleInterest('100000.00', '0.015', 365)).toBe('1500.00');
  });

  it('rounds half up at the fen: 0.005 → 0.01, 0.00499… → 0.00', () => {
    // 365.00 × 0.01 × 5 / 365 = 0.05 exactly; 1.00 × 0.0365 × 5/365 = 0.0005 → 0.00; 36.50 × 0.01 × 5 / 365 = 0.005 → 0.01
    expect(simpleInterest('365.00', '0.01', 5)).toBe('0.05');
    expect(simpleInterest('1.00', '0.0365', 5)).toBe('0.00');
    expect(simpleInterest('36.50', '0.01', 5)).toBe('0.01');
    expect(simpleInterest('36.49', '0.01', 5)).toBe('0.00');
  });

  it('no days, no interest; a zero rate, no interest', () => {
    expect(simpleInterest('800000.00', '0.0035', 0)).toBe('0.00');
    expect(simpleInterest('800000.00', '0', 100)).toBe('0.00');
  });

  it('large amounts stay exact (no float): 9,999,999,999,999.99 for 365 days at 0.35%', () => {
    expect(simpleInterest('9999999999999.99', '0.0035', 365)).toBe('35000000000.00');
  });

  it('refuses fractional days', () => {
    expect(() => simpleInterest('1.00', '0.0035', 1.5)).toThrow();
  });
});
