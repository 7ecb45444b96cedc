import { TenderStatus } from '../../tenders/tender.enums';
import { decryptionWindowEnd, decryptionWindowOpen } from '../decryption-rules';

describe('the decryption window (EB20 Art. 30)', () => {
  const end = new Date('2026-12-20T02:00:00.000Z');
  const opening = { status: TenderStatus.OPENING, decryptionWindowEndsAt: end };
  const at = (ms: number) => new Date(end.getTime() + ms);

  it('is open 1 ms before its end, closed at its end and after', () => {
    expect(decryptionWindowOpen(opening, at(-1))).toBe(true);
    expect(decryptionWindowOpen(opening, at(0))).toBe(false);
    expect(decryptionWindowOpen(opening, at(1))).toBe(false);
  });

  it('is closed before the opening and once the tender has moved on', () => {
    expect(decryptionWindowOpen({ status: TenderStatus.PUBLISHED, decryptionWindowEndsAt: null }, at(-60_000))).toBe(false);
    expect(decryptionWindowOpen({ status: TenderStatus.EVALUATION, decryptionWindowEndsAt: end }, at(-60_000))).toBe(false);
  });

  it('ends windowMinutes after the opening, or at once in ESCROW mode', () => {
    const opened = new Date('2026-12-20T01:30:00.000Z');
    expect(decryptionWindowEnd('BIDDER', opened, 30).toISOString()).toBe('2026-12-20T02:00:00.000Z');
    expect(decryptionWindowEnd('BIDDER_WITH_ESCROW_FALLBACK', opened, 1).toISOString()).toBe('2026-12-20T01:31:00.000Z');
    expect(decryptionWindowEnd('ESCROW', opened, 30).toISOString()).toBe('2026-12-20T01:30:00.000Z');
  });
});
