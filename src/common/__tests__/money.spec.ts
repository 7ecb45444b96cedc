import { compareMoney, fromFen, multiplyMoney, normalizeMoney, toFen } from 'src/common/money/money';

describe('money as decimal strings', () => {
  it('converts to and from fen without floats', () => {
    expect(toFen('12345678.90')).toBe(1234567890n);
    expect(toFen('0.1')).toBe(10n);
    expect(toFen('7')).toBe(700n);
    expect(fromFen(1234567890n)).toBe('12345678.90');
    expect(fromFen(5n)).toBe('0.05');
    expect(fromFen(-5n)).toBe('-0.05');
  });

  it('refuses malformed amounts', () => {
    for (const bad of ['1.234', '-1', '01', '1e5', '', ' 1', '1,000.00', 'NaN']) expect(() => toFen(bad)).toThrow();
  });

  it('normalises what PostgreSQL returns', () => {
    expect(normalizeMoney('1.5')).toBe('1.50');
    expect(normalizeMoney('100')).toBe('100.00');
  });

  it('multiplies by a decimal ratio rounding half up to the fen (the 2% cap)', () => {
    expect(multiplyMoney('40000000.00', '0.02')).toBe('800000.00');
    expect(multiplyMoney('12345.67', '0.02')).toBe('246.91'); // 246.9134
    expect(multiplyMoney('0.25', '0.02')).toBe('0.01'); // 0.005 → 0.01
  });

  it('compares', () => {
    expect(compareMoney('800000.00', '800000')).toBe(0);
    expect(compareMoney('800000.01', '800000')).toBe(1);
    expect(compareMoney('0.99', '1')).toBe(-1);
  });
});
