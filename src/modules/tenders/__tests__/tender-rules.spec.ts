import { checkTenderTerms, type TenderTerms } from '../tender-rules';
import { TenderCategory } from '../tender.enums';

const base = (o: Partial<TenderTerms> = {}): TenderTerms => ({
  category: TenderCategory.CONSTRUCTION_WORKS,
  regime: 'ENGINEERING',
  budget: '10000000.00',
  priceCeiling: null,
  bidSecurityAmount: '200000.00',
  evaluation: { method: 'LOWEST_EVALUATED_PRICE' },
  panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
  ...o,
});
const fields = (t: TenderTerms) => checkTenderTerms(t).map((v) => v.field);

describe('the terms of a tender (caps, panel, weights)', () => {
  describe('bid security ≤ 2% of the budget (TBR Art. 26; GPR Art. 33)', () => {
    it('at the cap: accepted; one fen above: refused; below: accepted', () => {
      expect(fields(base({ bidSecurityAmount: '200000.00' }))).toEqual([]);
      expect(fields(base({ bidSecurityAmount: '200000.01' }))).toEqual(['bidSecurityAmount']);
      expect(fields(base({ bidSecurityAmount: '199999.99' }))).toEqual([]);
    });
    it('the same cap for procurement', () => {
      const gp = { regime: 'GOV_PROCUREMENT' as const, category: TenderCategory.GOODS, panel: { size: 5, specialties: [{ code: 'A', count: 5 }] } };
      expect(fields(base({ ...gp, budget: '5000000.00', bidSecurityAmount: '100000.00' }))).toEqual([]);
      expect(fields(base({ ...gp, budget: '5000000.00', bidSecurityAmount: '100000.01' }))).toEqual(['bidSecurityAmount']);
    });
    it('construction works: also ≤ ¥800,000 (BID30 Art. 37)', () => {
      expect(fields(base({ budget: '100000000.00', bidSecurityAmount: '800000.00' }))).toEqual([]);
      expect(fields(base({ budget: '100000000.00', bidSecurityAmount: '800000.01' }))).toEqual(['bidSecurityAmount']);
      // other categories keep only the 2% cap
      expect(fields(base({ category: TenderCategory.GOODS, budget: '100000000.00', bidSecurityAmount: '1000000.00' }))).toEqual([]);
    });
  });

  describe('panel: ≥ 5 and odd (TBL Art. 37); procurement ≥ ¥10m: ≥ 7 (MOF87 Art. 47)', () => {
    it('engineering: 4 refused, 5 accepted, 6 refused (even), 7 accepted', () => {
      const p = (size: number) => base({ panel: { size, specialties: [{ code: 'A08', count: Math.min(size, 3) }] } });
      expect(fields(p(4))).toContain('panel.size');
      expect(fields(p(5))).toEqual([]);
      expect(fields(p(6))).toEqual(['panel.size']);
      expect(fields(p(7))).toEqual([]);
    });
    it('procurement: a budget one fen under ¥10m takes 5; at ¥10m it takes 7', () => {
      const gp = (budget: string, size: number) =>
        base({ regime: 'GOV_PROCUREMENT', category: TenderCategory.GOODS, budget, bidSecurityAmount: '0.00', panel: { size, specialties: [{ code: 'A', count: 3 }] } });
      expect(fields(gp('9999999.99', 5))).toEqual([]);
      expect(fields(gp('10000000.00', 5))).toEqual(['panel.size']);
      expect(fields(gp('10000000.00', 7))).toEqual([]);
      expect(fields(gp('10000000.01', 7))).toEqual([]);
    });
    it('specialty counts may not exceed the panel, nor repeat a code', () => {
      expect(
        fields(
          base({
            panel: {
              size: 5,
              specialties: [
                { code: 'A', count: 3 },
                { code: 'B', count: 3 },
              ],
            },
          }),
        ),
      ).toEqual(['panel.specialties']);
      expect(
        fields(
          base({
            panel: {
              size: 5,
              specialties: [
                { code: 'A', count: 1 },
                { code: 'A', count: 1 },
              ],
            },
          }),
        ),
      ).toEqual(['panel.specialties']);
    });
  });

  describe('price weight minimums for procurement (MOF87 Art. 55)', () => {
    const scoring = (category: TenderCategory, w: string) =>
      base({
        regime: 'GOV_PROCUREMENT',
        category,
        budget: '1000000.00',
        bidSecurityAmount: '0.00',
        evaluation: { method: 'COMPREHENSIVE_SCORING', priceWeight: w, factors: [{ code: 'T', name: '技术', maxScore: Math.round(100 * (1 - Number(w))) }] },
      });
    it('goods: 0.29 refused, 0.30 accepted, 0.31 accepted', () => {
      expect(fields(scoring(TenderCategory.GOODS, '0.29'))).toEqual(['evaluation.priceWeight']);
      expect(fields(scoring(TenderCategory.GOODS, '0.30'))).toEqual([]);
      expect(fields(scoring(TenderCategory.GOODS, '0.31'))).toEqual([]);
    });
    it('services: 0.09 refused, 0.10 accepted, 0.11 accepted', () => {
      expect(fields(scoring(TenderCategory.SERVICES, '0.09'))).toEqual(['evaluation.priceWeight']);
      expect(fields(scoring(TenderCategory.SERVICES, '0.1'))).toEqual([]);
      expect(fields(scoring(TenderCategory.SERVICES, '0.11'))).toEqual([]);
    });
    it('engineering has no such minimum, but the price always weighs something', () => {
      const eng = (w: string) =>
        base({ evaluation: { method: 'COMPREHENSIVE_SCORING', priceWeight: w, factors: [{ code: 'T', name: '技术', maxScore: Math.round(100 * (1 - Number(w))) }] } });
      expect(fields(eng('0.05'))).toEqual([]);
      expect(fields(eng('0'))).toEqual(['evaluation.priceWeight']);
    });
  });

  it('factors are the non-price part: Σ maxScore = 100 × (1 − priceWeight)', () => {
    const ev = (factors: Array<{ code: string; name: string; maxScore: number }>) => base({ evaluation: { method: 'COMPREHENSIVE_SCORING', priceWeight: '0.40', factors } });
    expect(
      fields(
        ev([
          { code: 'T', name: '技术', maxScore: 40 },
          { code: 'B', name: '商务', maxScore: 20 },
        ]),
      ),
    ).toEqual([]);
    expect(
      fields(
        ev([
          { code: 'T', name: '技术', maxScore: 40 },
          { code: 'B', name: '商务', maxScore: 21 },
        ]),
      ),
    ).toEqual(['evaluation.factors']);
    expect(
      fields(
        ev([
          { code: 'T', name: '技术', maxScore: 30 },
          { code: 'T', name: '技术', maxScore: 30 },
        ]),
      ),
    ).toEqual(['evaluation.factors']);
  });

  it('lots share the budget exactly', () => {
    expect(
      fields(
        base({
          lots: [
            { title: '一', budget: '4000000.00' },
            { title: '二', budget: '6000000.00' },
          ],
        }),
      ),
    ).toEqual([]);
    expect(
      fields(
        base({
          lots: [
            { title: '一', budget: '4000000.00' },
            { title: '二', budget: '6000000.01' },
          ],
        }),
      ),
    ).toEqual(['lots']);
  });

  it('a ceiling above the budget is refused; at the budget accepted', () => {
    expect(fields(base({ priceCeiling: '10000000.00' }))).toEqual([]);
    expect(fields(base({ priceCeiling: '10000000.01' }))).toEqual(['priceCeiling']);
  });
});
