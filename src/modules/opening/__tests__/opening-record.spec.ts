import { beijingTime, groupDigits } from '../opening-record';

describe('opening record formatting', () => {
  it('prints instants in Beijing time (UTC+8)', () => {
    expect(beijingTime('2026-12-20T01:30:00.000Z')).toBe('2026-12-20 09:30:00.000');
    expect(beijingTime('2026-12-31T16:00:00.123Z')).toBe('2027-01-01 00:00:00.123');
  });
  it('groups digits without touching the decimals', () => {
    expect(groupDigits('12345678.90')).toBe('12,345,678.90');
    expect(groupDigits('100.00')).toBe('100.00');
    expect(groupDigits('1000')).toBe('1,000');
  });
});
