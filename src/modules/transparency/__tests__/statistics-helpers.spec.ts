import { wanYuan } from '../statistics/statistics-report';
import { monthsOf, ratio } from '../statistics/statistics.service';

describe('yearbook helpers', () => {
  it('ratio: decimal strings rounded half away from zero, in integers', () => {
    expect(ratio(220_000n, 2_420_000n, 4)).toBe('0.0909');
    expect(ratio(1, 8, 2)).toBe('0.13');
    expect(ratio(77, 4, 1)).toBe('19.3');
    expect(ratio(5, 5, 4)).toBe('1.0000');
    expect(ratio(0, 7, 4)).toBe('0.0000');
    expect(ratio(-1, 8, 2)).toBe('-0.13');
    expect(ratio(-1, 1000, 2)).toBe('0.00');
  });
  it('monthsOf: every month the period touches, across years', () => {
    expect(monthsOf('2025-11-30', '2026-02-01')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsOf('2026-03-05', '2026-03-06')).toEqual(['2026-03']);
  });
  it('wanYuan: 万元 with two decimals from the exact amount', () => {
    expect(wanYuan('12360000000.00')).toBe('1,236,000.00');
    expect(wanYuan('49.99')).toBe('0.00');
    expect(wanYuan('50.00')).toBe('0.01');
    expect(wanYuan('123456789.12')).toBe('12,345.68');
  });
});
