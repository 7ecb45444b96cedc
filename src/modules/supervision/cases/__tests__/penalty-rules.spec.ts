import { checkPenalties, debarmentRange, fineRange, type PenaltyContext, type PenaltyInput } from '../penalty-rules';

const ORG = 'o1';
const EXPERT = 'e1';
const ctx = (over: Partial<PenaltyContext> = {}): PenaltyContext => ({
  regime: 'ENGINEERING',
  fineBase: '38000000.00',
  fineBaseSource: 'CONTRACT_AMOUNT',
  organizationIds: new Set([ORG]),
  expertIds: new Set([EXPERT]),
  ...over,
});
const check = (p: PenaltyInput, c = ctx()) => checkPenalties([p], c);
const fine = (fineAmount: string): PenaltyInput => ({ organizationId: ORG, type: 'FINE', ground: 'COLLUSION', fineAmount });
const debar = (debarmentMonths: number, ground: PenaltyInput['ground'] = 'COLLUSION'): PenaltyInput => ({ organizationId: ORG, type: 'DEBARMENT', ground, debarmentMonths });

describe('penalty rules (TBL Arts. 53–54; TBR Arts. 67–68, 71; GPL Art. 77)', () => {
  it('a fine is 0.5 %–1 % of the contract amount, both ends included', () => {
    expect(fineRange('38000000.00')).toEqual(['190000.00', '380000.00']);
    expect(check(fine('189999.99')).errors).toHaveLength(1); // one fen below
    expect(check(fine('190000.00')).errors).toEqual([]); // the minimum
    expect(check(fine('380000.00')).errors).toEqual([]); // the maximum
    expect(check(fine('380000.01')).errors[0].errors[0]).toMatch(/between 190000\.00 and 380000\.00/); // one fen above
  });

  it.each([
    ['ENGINEERING', 'COLLUSION', 11, false],
    ['ENGINEERING', 'COLLUSION', 12, true],
    ['ENGINEERING', 'COLLUSION', 24, true],
    ['ENGINEERING', 'COLLUSION', 25, false],
    ['ENGINEERING', 'BIDDING_UNDER_ANOTHER_NAME', 36, true],
    ['ENGINEERING', 'BIDDING_UNDER_ANOTHER_NAME', 37, false],
    ['GOV_PROCUREMENT', 'COLLUSION', 36, true],
    ['GOV_PROCUREMENT', 'COLLUSION', 37, false],
    ['GOV_PROCUREMENT', 'COLLUSION', 11, false],
  ] as const)('%s %s debarment of %i months → lawful: %s', (regime, ground, months, ok) => {
    expect(check(debar(months, ground), ctx({ regime })).errors.length === 0).toBe(ok);
  });

  it('cites the article of the regime and ground', () => {
    expect(check(debar(12)).checked[0].legalBasis).toMatch(/第六十七条/);
    expect(check(debar(12, 'BIDDING_UNDER_ANOTHER_NAME')).checked[0].legalBasis).toMatch(/第六十八条/);
    expect(check(debar(12), ctx({ regime: 'GOV_PROCUREMENT' })).checked[0].legalBasis).toMatch(/政府采购法 第七十七条/);
    expect(debarmentRange('ENGINEERING', 'EVALUATOR_MISCONDUCT')).toBeNull();
  });

  it('an expert is warned or disqualified, never fined or debarred here; a company is never disqualified', () => {
    expect(check({ expertId: EXPERT, type: 'DISQUALIFICATION', ground: 'EVALUATOR_MISCONDUCT' }).errors).toEqual([]);
    expect(check({ expertId: EXPERT, type: 'DEBARMENT', ground: 'EVALUATOR_MISCONDUCT', debarmentMonths: 12 }).errors.length).toBeGreaterThan(0);
    expect(check({ organizationId: ORG, type: 'DISQUALIFICATION', ground: 'COLLUSION' }).errors.length).toBeGreaterThan(0);
    expect(check({ expertId: EXPERT, type: 'DISQUALIFICATION', ground: 'COLLUSION' }).errors.length).toBeGreaterThan(0);
  });

  it('names exactly one subject, of the case, with only the fields of its type', () => {
    expect(check({ type: 'WARNING', ground: 'COLLUSION' }).errors[0].field).toBe('penalties.0.organizationId');
    expect(check({ organizationId: 'other', type: 'WARNING', ground: 'COLLUSION' }).errors[0].errors[0]).toMatch(/not a subject/);
    expect(check({ organizationId: ORG, type: 'WARNING', ground: 'COLLUSION', fineAmount: '1.00' }).errors[0].field).toBe('penalties.0.fineAmount');
    expect(check({ organizationId: ORG, type: 'FINE', ground: 'COLLUSION' }).errors[0].errors[0]).toMatch(/needs fineAmount/);
    expect(check({ organizationId: ORG, type: 'DEBARMENT', ground: 'COLLUSION' }).errors[0].errors[0]).toMatch(/needs debarmentMonths/);
  });
});
