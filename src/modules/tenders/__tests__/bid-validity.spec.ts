import { bidValidityEndsOn } from '../bid-validity';
import { checkTenderTerms, lotSecurityShare, type TenderTerms } from '../tender-rules';

describe('bid validity period (TBR Art. 25)', () => {
  it('counts from the deadline’s day in China Standard Time, the day itself not counted', () => {
    // 2026-12-31T01:30Z is 09:30 CST on 31 Dec: 30 days → 30 Jan.
    expect(bidValidityEndsOn({ bidDeadline: new Date('2026-12-31T01:30:00Z'), bidValidityDays: 30, bidValidityEndsOn: null })).toBe('2027-01-30');
    // 2026-12-31T16:30Z is already 1 Jan CST.
    expect(bidValidityEndsOn({ bidDeadline: new Date('2026-12-31T16:30:00Z'), bidValidityDays: 30, bidValidityEndsOn: null })).toBe('2027-01-31');
    expect(bidValidityEndsOn({ bidDeadline: new Date('2026-12-31T01:30:00Z'), bidValidityDays: 1, bidValidityEndsOn: null })).toBe('2027-01-01');
  });

  it('an extension’s day replaces it', () => {
    expect(bidValidityEndsOn({ bidDeadline: new Date('2026-12-31T01:30:00Z'), bidValidityDays: 30, bidValidityEndsOn: '2027-03-01' })).toBe('2027-03-01');
  });
});

describe('accepted forms of bid security (GPR Art. 33)', () => {
  const base: TenderTerms = {
    category: 'GOODS',
    regime: 'GOV_PROCUREMENT',
    budget: '5000000.00',
    bidSecurityAmount: '100000.00',
    evaluation: { method: 'LOWEST_EVALUATED_PRICE' },
    panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
  };
  const fields = (t: TenderTerms) => checkTenderTerms(t).map((v) => v.field);

  it('procurement must accept a guarantee; cash alone is refused', () => {
    expect(fields({ ...base, bidSecurityForms: ['CASH'] })).toEqual(['bidSecurityForms']);
    expect(fields({ ...base, bidSecurityForms: ['E_GUARANTEE'] })).toEqual([]);
    expect(fields({ ...base, bidSecurityForms: ['CASH', 'E_GUARANTEE'] })).toEqual([]);
    expect(fields({ ...base })).toEqual([]);
  });

  it('engineering may accept cash only; a form twice is refused', () => {
    const eng = { ...base, regime: 'ENGINEERING' as const, category: 'CONSTRUCTION_WORKS' };
    expect(fields({ ...eng, bidSecurityForms: ['CASH'] })).toEqual([]);
    expect(fields({ ...eng, bidSecurityForms: ['CASH', 'CASH'] })).toEqual(['bidSecurityForms']);
  });
});

describe('lots: the bid security of each lot (TBR Art. 26; GPR Art. 33)', () => {
  const eng: TenderTerms = {
    category: 'CONSTRUCTION_WORKS',
    regime: 'ENGINEERING',
    budget: '10000000.00',
    bidSecurityAmount: '200000.00',
    evaluation: { method: 'LOWEST_EVALUATED_PRICE' },
    panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
  };
  const fields = (t: TenderTerms) => checkTenderTerms(t).map((v) => v.field);

  it('a lot’s own amount: 2% of its budget taken, a fen more refused', () => {
    const lots = (a: string) => [
      { title: '一', budget: '4000000.00', bidSecurityAmount: a },
      { title: '二', budget: '6000000.00' },
    ];
    expect(fields({ ...eng, lots: lots('79999.99') })).toEqual([]);
    expect(fields({ ...eng, lots: lots('80000.00') })).toEqual([]);
    expect(fields({ ...eng, lots: lots('80000.01') })).toEqual(['lots[0].bidSecurityAmount']);
  });

  it('without one, the tender’s amount in proportion to the budget, rounded down to the fen', () => {
    expect(lotSecurityShare('200000.00', '4000000.00', '10000000.00')).toBe('80000.00');
    expect(lotSecurityShare('100.00', '1.00', '3.00')).toBe('33.33');
    expect(lotSecurityShare('0.00', '1.00', '3.00')).toBe('0.00');
  });
});
