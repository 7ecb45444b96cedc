import { isValidUscc, usccCheckChar, withUsccCheckChar } from 'src/common/uscc';

describe('unified social credit code (GB 32100-2015)', () => {
  // Codes with a valid check character (e.g. 91350100M000100Y43, the example often quoted for the standard).
  it.each(['91350100M000100Y43', '911100001000128855', '91110000100017643K'])('accepts %s', (code) => {
    expect(isValidUscc(code)).toBe(true);
  });

  it('computes the check character: weights 3^i mod 31, 31 − (Σ mod 31)', () => {
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
    expect(usccCheckChar('91110000100012885')).toBe('5');
  });

  it('refuses a wrong check character, every other one included', () => {
    const good = '91350100M000100Y43';
    for (const c of '0123456789ABCDEFGHJKLMNPQRTUWXY') {
      if (c !== '3') expect(isValidUscc(good.slice(0, 17) + c)).toBe(false);
    }
  });

  it.each([
    ['too short', '91350100M000100Y4'],
    ['too long', '91350100M000100Y433'],
    ['lower case', '91350100m000100y43'],
    ['a letter outside the alphabet (I)', '91350100I000100Y43'],
    ['a letter outside the alphabet (O)', '91350100O000100Y43'],
    ['not a string', 91350100],
  ])('refuses %s', (_, code) => {
    expect(isValidUscc(code)).toBe(false);
  });

  it('completes a body into a valid code', () => {
    expect(isValidUscc(withUsccCheckChar('91320900MA1MABCDE'))).toBe(true);
  });
});
