import { groupDigits } from '../opening-record';

// Instants are printed with src/common/time/beijing-time.ts (tested in src/common/time/__tests__).
describe('opening record formatting', () => {
  it('groups digits without touching the decimals', () => {
    expect(groupDigits('12345678.90')).toBe('12,345,678.90');
    expect(groupDigits('100.00')).toBe('100.00');
    expect(groupDigits('1000')).toBe('1,000');
  });
});
