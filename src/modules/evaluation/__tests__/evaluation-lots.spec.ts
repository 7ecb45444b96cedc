import { type EvaluationLot, lotEvaluationTerms } from '../evaluation-lots';
import { evaluate, type EvaluationTerms, type MemberVerdict, type OpenedBid } from '../scoring/evaluation-engine';

const members = ['m1', 'm2', 'm3'];
const bid = (id: string, price: string): OpenedBid => ({ bidId: id, bidderOrganizationId: `org-${id}`, bidderName: `投标人${id}`, price, status: 'DECRYPTED' });
const qualified = (ids: string[]): MemberVerdict[] =>
  ids.flatMap((bidId) => members.map((memberId) => ({ memberId, bidId, qualified: true, reasons: [], grounds: [], factorScores: { TECH: '50' } })));

/** Procurement by 综合评分法, price 30 points; the tender's ceiling 2.5m over a budget of 3m split in two lots. */
const tenderTerms: EvaluationTerms = {
  regime: 'GOV_PROCUREMENT',
  category: 'GOODS',
  method: 'COMPREHENSIVE_SCORING',
  priceWeight: '0.30',
  factors: [{ code: 'TECH', name: '技术方案', maxScore: 70 }],
  budget: '3000000.00',
  priceCeiling: '2500000.00',
};
const lot = (lotNo: number, budget: string, lotted = true): EvaluationLot => ({ lotNo, title: `采购包${lotNo}`, budget, status: 'ACTIVE', lotted });

describe('evaluation per lot (标段)', () => {
  it('a tender without lots keeps its own terms', () => {
    expect(lotEvaluationTerms(tenderTerms, lot(1, '3000000.00', false))).toBe(tenderTerms);
  });

  it('a lot’s budget is its budget and its ceiling, unless the tender’s ceiling is lower (TBR Art. 27; MOF87 Art. 63(4))', () => {
    expect(lotEvaluationTerms(tenderTerms, lot(1, '1000000.00'))).toMatchObject({ budget: '1000000.00', priceCeiling: '1000000.00' });
    expect(lotEvaluationTerms(tenderTerms, lot(2, '2000000.00'))).toMatchObject({ budget: '2000000.00', priceCeiling: '2000000.00' });
    expect(lotEvaluationTerms({ ...tenderTerms, priceCeiling: '900000.00' }, lot(1, '1000000.00')).priceCeiling).toBe('900000.00');
    expect(lotEvaluationTerms({ ...tenderTerms, priceCeiling: null }, lot(1, '1000000.00')).priceCeiling).toBe('1000000.00');
  });

  it('the ceiling boundary is the lot’s budget: 1000000.00 taken, 1000000.01 rejected', () => {
    const terms = lotEvaluationTerms(tenderTerms, lot(1, '1000000.00'));
    const bids = [bid('A', '900000.00'), bid('B', '950000.00'), bid('C', '1000000.00'), bid('D', '1000000.01')];
    const out = evaluate(terms, bids, qualified(['A', 'B', 'C', 'D']), members);
    expect(out.bids.filter((b) => !b.valid).map((b) => [b.bidId, b.rejection!.grounds])).toEqual([['D', ['MOF87_63_4_PRICE_ABOVE_BUDGET', 'TBR51_5_PRICE_ABOVE_CEILING']]]);
    expect(out.candidates.map((c) => c.bidId)).toEqual(['A', 'B', 'C']);
  });

  it('the price score’s reference is the lowest valid price of the lot, not of the tender', () => {
    const lot1 = [bid('A', '900000.00'), bid('B', '950000.00'), bid('C', '990000.00')];
    const lot2 = [bid('E', '450000.00'), bid('F', '480000.00'), bid('G', '500000.00')];
    const one = evaluate(lotEvaluationTerms(tenderTerms, lot(1, '1000000.00')), lot1, qualified(['A', 'B', 'C']), members);
    const two = evaluate(lotEvaluationTerms(tenderTerms, lot(2, '2000000.00')), lot2, qualified(['E', 'F', 'G']), members);
    // each lot's lowest price scores the full 30 points
    expect(one.bids.find((b) => b.bidId === 'A')!.priceScore).toBe('30.00');
    expect(two.bids.find((b) => b.bidId === 'E')!.priceScore).toBe('30.00');
    // one competition would have scored A against E's 450000.00: 15.00
    const merged = evaluate(tenderTerms, [...lot1, ...lot2], qualified(['A', 'B', 'C', 'E', 'F', 'G']), members);
    expect(merged.bids.find((b) => b.bidId === 'A')!.priceScore).toBe('15.00');
  });
});
