import { TenderStatus } from '../../tenders/tender.enums';
import { escrowedKeyPolicy, submissionWindow } from '../bid-submission-rules';

describe('submissionWindow: the bid deadline (TBL Art. 28; EB20 Art. 27)', () => {
  const deadline = new Date('2026-12-20T01:30:00.000Z');
  const at = (ms: number) => new Date(deadline.getTime() + ms);
  const published = { status: TenderStatus.PUBLISHED, bidDeadline: deadline };

  it('takes a bid the day before the deadline', () => {
    expect(submissionWindow(published, at(-24 * 3600_000))).toEqual({ open: true });
  });
  it('takes a bid 1 ms before the deadline', () => {
    expect(submissionWindow(published, at(-1))).toEqual({ open: true });
  });
  it('refuses a bid at the deadline itself', () => {
    expect(submissionWindow(published, at(0))).toEqual({ open: false, reason: 'DEADLINE_PASSED' });
  });
  it('refuses a bid 1 ms after the deadline and the day after', () => {
    expect(submissionWindow(published, at(1))).toEqual({ open: false, reason: 'DEADLINE_PASSED' });
    expect(submissionWindow(published, at(24 * 3600_000))).toEqual({ open: false, reason: 'DEADLINE_PASSED' });
  });
  it('refuses after the opening whatever the clock says (the tender has moved on)', () => {
    for (const status of [TenderStatus.OPENING, TenderStatus.EVALUATION, TenderStatus.FAILED, TenderStatus.AWARDED]) {
      expect(submissionWindow({ status, bidDeadline: deadline }, at(-3600_000))).toEqual({ open: false, reason: 'DEADLINE_PASSED' });
    }
  });
  it('a draft is unknown, a cancelled tender takes no bids, a suspended one neither (TBR Art. 22)', () => {
    expect(submissionWindow({ status: TenderStatus.DRAFT, bidDeadline: deadline }, at(-1))).toEqual({ open: false, reason: 'NOT_FOUND' });
    expect(submissionWindow({ status: TenderStatus.CANCELLED, bidDeadline: deadline }, at(-1))).toEqual({ open: false, reason: 'NOT_OPEN_FOR_BIDS' });
    expect(submissionWindow({ ...published, suspended: true }, at(-1))).toEqual({ open: false, reason: 'NOT_OPEN_FOR_BIDS' });
    // past the deadline a suspended tender still answers DEADLINE_PASSED
    expect(submissionWindow({ ...published, suspended: true }, at(1))).toEqual({ open: false, reason: 'DEADLINE_PASSED' });
  });
});

describe('escrowedKeyPolicy', () => {
  it('requires the escrowed key in ESCROW mode, keeps it optional with the fallback, discards it in BIDDER mode', () => {
    expect(escrowedKeyPolicy('ESCROW')).toBe('REQUIRED');
    expect(escrowedKeyPolicy('BIDDER_WITH_ESCROW_FALLBACK')).toBe('OPTIONAL');
    expect(escrowedKeyPolicy('BIDDER')).toBe('DISCARDED');
  });
});
