import {
  checkEvaluationTerms,
  checkVerdict,
  evaluate,
  type EvaluationTerms,
  EvaluationTermsError,
  type MemberVerdict,
  type OpenedBid,
  RejectionGround,
} from '../scoring/evaluation-engine';

const members = ['m1', 'm2', 'm3', 'm4', 'm5'];
const bid = (id: string, price: string | null, status = 'DECRYPTED'): OpenedBid => ({ bidId: id, bidderOrganizationId: `org-${id}`, bidderName: `投标人${id}`, price, status });
/** Every member gives the same verdict unless `per` overrides one. */
const verdicts = (bidId: string, v: Partial<MemberVerdict>, per: Record<string, Partial<MemberVerdict>> = {}): MemberVerdict[] =>
  members.map((memberId) => ({ memberId, bidId, qualified: true, reasons: [], grounds: [], factorScores: null, ...v, ...(per[memberId] ?? {}) }));

/** Procurement of goods by 综合评分法: price 30 points, technical 50, service 20 (ΣAᵢ = 1, MOF87 Art. 55). */
const scoring: EvaluationTerms = {
  regime: 'GOV_PROCUREMENT',
  category: 'GOODS',
  method: 'COMPREHENSIVE_SCORING',
  priceWeight: '0.30',
  factors: [
    { code: 'TECH', name: '技术方案', maxScore: 50 },
    { code: 'SERVICE', name: '售后服务', maxScore: 20 },
  ],
  budget: '1100000.00',
  priceCeiling: '1000000.00',
};

describe('evaluation engine: worked examples', () => {
  it('综合评分法: price score = lowest valid price / bid price × weight × 100 (MOF87 Art. 55); a bid above the ceiling is rejected and never sets the base', () => {
    const bids = [bid('A', '900000.00'), bid('B', '950000.00'), bid('C', '1000000.00'), bid('D', '1050000.00')];
    const v = [
      ...verdicts('A', { factorScores: { TECH: '40', SERVICE: '20' } }),
      ...verdicts('B', { factorScores: { TECH: '45', SERVICE: '17' } }),
      ...verdicts('C', { factorScores: { TECH: '50', SERVICE: '15' } }),
      ...verdicts('D', { factorScores: { TECH: '50', SERVICE: '20' } }),
    ];
    const out = evaluate(scoring, bids, v, members);
    const by = (id: string) => out.bids.find((b) => b.bidId === id)!;
    // base = 900,000 (A): A = 900000/900000 × 30 = 30; B = 900000/950000 × 30 = 28.421…; C = 900000/1000000 × 30 = 27
    expect(by('A')).toMatchObject({ valid: true, priceScore: '30.00', totalScore: '90.00' });
    expect(by('B')).toMatchObject({ valid: true, priceScore: '28.42', totalScore: '90.42' });
    expect(by('C')).toMatchObject({ valid: true, priceScore: '27.00', totalScore: '92.00' });
    // TBR Art. 51(5): above the ceiling, rejected by the platform although every member found it qualified
    expect(by('D')).toMatchObject({ valid: false, totalScore: null, rejection: { automatic: true, grounds: [RejectionGround.PRICE_ABOVE_CEILING] } });
    expect(out.ranking.map((o) => [o.bidId, o.rank])).toEqual([
      ['C', 1],
      ['B', 2],
      ['A', 3],
    ]);
    expect(out.candidates.map((c) => c.bidId)).toEqual(['C', 'B', 'A']);
    expect(out.competition.status).toBe('SUFFICIENT');
  });

  it('factor scores are the mean of the members, kept exact until the total is rounded', () => {
    const bids = [bid('A', '900000.00'), bid('B', '950000.00'), bid('C', '1000000.00')];
    const v = [
      ...verdicts('A', { factorScores: { TECH: '40', SERVICE: '20' } }),
      ...verdicts(
        'B',
        { factorScores: { TECH: '45', SERVICE: '17' } },
        { m1: { factorScores: { TECH: '44', SERVICE: '17' } }, m2: { factorScores: { TECH: '46', SERVICE: '17' } }, m5: { factorScores: { TECH: '45.5', SERVICE: '17' } } },
      ),
      ...verdicts('C', { factorScores: { TECH: '50', SERVICE: '15' } }),
    ];
    const b = evaluate(scoring, bids, v, members).bids.find((x) => x.bidId === 'B')!;
    // TECH mean = (44 + 46 + 45 + 45 + 45.5) / 5 = 45.1; total = 28.4210526… + 45.1 + 17 = 90.5210526…
    expect(b.factorScores).toEqual({ TECH: '45.10', SERVICE: '17.00' });
    expect(b.totalScore).toBe('90.52');
  });

  it('ties: equal totals → the lower price ranks first (MOF87 Art. 56); equal total and price → the same rank (并列), never a lot', () => {
    const bids = [bid('A', '900000.00'), bid('B', '1000000.00'), bid('C', '900000.00')];
    const v = [
      // A: 30 + 41 + 20 = 91; B: 27 + 44 + 20 = 91; C: identical to A
      ...verdicts('A', { factorScores: { TECH: '41', SERVICE: '20' } }),
      ...verdicts('B', { factorScores: { TECH: '44', SERVICE: '20' } }),
      ...verdicts('C', { factorScores: { TECH: '41', SERVICE: '20' } }),
    ];
    const out = evaluate(scoring, bids, v, members);
    expect(out.ranking.map((o) => o.totalScore)).toEqual(['91.00', '91.00', '91.00']);
    expect(out.ranking.map((o) => [o.bidId, o.rank])).toEqual([
      ['A', 1],
      ['C', 1],
      ['B', 3],
    ]);
    expect(out.notes.join()).toMatch(/rank 1 is shared/);
    expect(out.candidates.map((c) => [c.rank, c.bidId])).toEqual([
      [1, 'A'],
      [1, 'C'],
      [3, 'B'],
    ]);
  });

  it('经评审的最低投标价法: lowest price first; a bid above the ceiling and a bid a majority found unqualified are rejected with reasons', () => {
    const terms: EvaluationTerms = {
      regime: 'ENGINEERING',
      category: 'CONSTRUCTION_WORKS',
      method: 'LOWEST_EVALUATED_PRICE',
      priceWeight: null,
      factors: [],
      budget: '40000000.00',
      priceCeiling: '38000000.00',
    };
    const bids = [bid('A', '36500000.00'), bid('B', '37200000.00'), bid('C', '38500000.00'), bid('D', '35000000.00'), bid('E', '37900000.00'), bid('F', null, 'REVOKED')];
    const no = { qualified: false, reasons: ['项目经理无一级建造师证书'], grounds: [RejectionGround.QUALIFICATION_NOT_MET] };
    const v = [
      ...verdicts('A', {}),
      ...verdicts('B', {}, { m1: { qualified: false, reasons: ['工期不满足'], grounds: [RejectionGround.NOT_RESPONSIVE] } }), // 4 of 5: valid
      ...verdicts('C', {}),
      ...verdicts('D', no, { m4: { qualified: true }, m5: { qualified: true } }), // 2 of 5: rejected
      ...verdicts('E', {}),
    ];
    const out = evaluate(terms, bids, v, members);
    expect(out.notEvaluated).toEqual([{ bidId: 'F', bidderName: '投标人F', status: 'REVOKED' }]);
    expect(out.bids.find((b) => b.bidId === 'C')!.rejection).toMatchObject({ automatic: true, grounds: [RejectionGround.PRICE_ABOVE_CEILING] });
    expect(out.bids.find((b) => b.bidId === 'D')).toMatchObject({
      valid: false,
      votes: { qualified: 2, notQualified: 3 },
      rejection: { automatic: false, grounds: [RejectionGround.QUALIFICATION_NOT_MET], reasons: ['项目经理无一级建造师证书'] },
    });
    expect(out.bids.find((b) => b.bidId === 'B')).toMatchObject({ valid: true, votes: { qualified: 4, notQualified: 1 } });
    expect(out.ranking.map((o) => [o.bidId, o.rank, o.evaluatedPrice])).toEqual([
      ['A', 1, '36500000.00'],
      ['B', 2, '37200000.00'],
      ['E', 3, '37900000.00'],
    ]);
    expect(out.candidates).toHaveLength(3);
    expect(out.validCount).toBe(3);
  });

  it('the ceiling boundary: one fen below and exactly at the ceiling are valid, one fen above is rejected (TBR Art. 51(5))', () => {
    const terms: EvaluationTerms = {
      regime: 'ENGINEERING',
      category: 'CONSTRUCTION_WORKS',
      method: 'LOWEST_EVALUATED_PRICE',
      priceWeight: null,
      factors: [],
      budget: '40000000.00',
      priceCeiling: '38000000.00',
    };
    const bids = [bid('below', '37999999.99'), bid('at', '38000000.00'), bid('above', '38000000.01')];
    const out = evaluate(terms, bids, [...verdicts('below', {}), ...verdicts('at', {}), ...verdicts('above', {})], members);
    expect(out.bids.map((b) => [b.bidId, b.valid])).toEqual([
      ['below', true],
      ['at', true],
      ['above', false],
    ]);
  });

  it('procurement: a price above the budget is invalid (MOF87 Art. 63(4))', () => {
    const terms = { ...scoring, priceCeiling: null, budget: '1000000.00' };
    const bids = [bid('A', '900000.00'), bid('B', '1000000.00'), bid('C', '1000000.01')];
    const v = ['A', 'B', 'C'].flatMap((id) => verdicts(id, { factorScores: { TECH: '40', SERVICE: '10' } }));
    const out = evaluate(terms, bids, v, members);
    expect(out.bids.find((b) => b.bidId === 'C')!.rejection!.grounds).toEqual([RejectionGround.PRICE_ABOVE_BUDGET]);
    expect(out.competition.status).toBe('FAILED'); // 2 valid: fewer than 3 in procurement
  });

  describe('fewer than 3 valid bids (regulations.md row 80)', () => {
    const lowest: EvaluationTerms = {
      regime: 'ENGINEERING',
      category: 'CONSTRUCTION_WORKS',
      method: 'LOWEST_EVALUATED_PRICE',
      priceWeight: null,
      factors: [],
      budget: '40000000.00',
      priceCeiling: null,
    };
    const rejectAll = { qualified: false, reasons: ['未实质性响应'], grounds: [RejectionGround.NOT_RESPONSIVE] };

    it('engineering with 2 valid: the panel decides (PB12 Art. 27)', () => {
      const out = evaluate(lowest, [bid('A', '1.00'), bid('B', '2.00'), bid('C', '3.00')], [...verdicts('A', {}), ...verdicts('B', {}), ...verdicts('C', rejectAll)], members);
      expect(out.competition.status).toBe('PANEL_DECISION_REQUIRED');
      expect(out.candidates.map((c) => c.bidId)).toEqual(['A', 'B']);
    });

    it('engineering with 3 valid: sufficient', () => {
      const out = evaluate(lowest, [bid('A', '1.00'), bid('B', '2.00'), bid('C', '3.00')], [...verdicts('A', {}), ...verdicts('B', {}), ...verdicts('C', {})], members);
      expect(out.competition.status).toBe('SUFFICIENT');
    });

    it('none valid: the tender fails (TBL Art. 42)', () => {
      const out = evaluate(
        lowest,
        [bid('A', '1.00'), bid('B', '2.00'), bid('C', '3.00')],
        ['A', 'B', 'C'].flatMap((id) => verdicts(id, rejectAll)),
        members,
      );
      expect(out).toMatchObject({ validCount: 0, competition: { status: 'FAILED' }, candidates: [] });
    });

    it('procurement with 2 valid fails (MOF87 Art. 44)', () => {
      const terms = { ...lowest, regime: 'GOV_PROCUREMENT' as const, category: 'GOODS' };
      const out = evaluate(terms, [bid('A', '1.00'), bid('B', '2.00'), bid('C', '3.00')], [...verdicts('A', {}), ...verdicts('B', {}), ...verdicts('C', rejectAll)], members);
      expect(out.competition.status).toBe('FAILED');
    });
  });

  describe('资格后审: fewer than 3 qualified (regulations.md row 79)', () => {
    const terms: EvaluationTerms = { ...scoring, priceCeiling: null, budget: '1000000.00' };
    const bids = [bid('A', '900000.00'), bid('B', '950000.00'), bid('C', '980000.00')];
    const scores = { factorScores: { TECH: '40', SERVICE: '10' } };
    const unqualified = { qualified: false, reasons: ['资格条件不满足'], grounds: [RejectionGround.QUALIFICATION_NOT_MET], factorScores: null };

    it('procurement, 2 qualified: no evaluation — nothing scored or ranked, no candidate, the procurement fails (MOF87 Art. 44)', () => {
      const out = evaluate(terms, bids, [...verdicts('A', scores), ...verdicts('B', scores), ...verdicts('C', unqualified)], members);
      expect(out).toMatchObject({ qualifiedCount: 2, validCount: 2, ranking: [], candidates: [] });
      expect(out.competition).toEqual({ status: 'FAILED', basis: expect.stringContaining('MOF87 Art. 44') });
      expect(out.competition.basis).toContain('no evaluation');
      expect(out.bids.map((b) => [b.priceScore, b.totalScore, b.rank])).toEqual([
        [null, null, null],
        [null, null, null],
        [null, null, null],
      ]);
    });

    it('procurement, 2 qualified by a bare majority on the third (2 of 5 say qualified): still 2 qualified', () => {
      const split = verdicts('C', scores, { m1: unqualified, m2: unqualified, m3: unqualified });
      const out = evaluate(terms, bids, [...verdicts('A', scores), ...verdicts('B', scores), ...split], members);
      expect(out.qualifiedCount).toBe(2);
      expect(out.competition.status).toBe('FAILED');
    });

    it('procurement, 3 qualified: evaluated, scored and ranked', () => {
      const out = evaluate(
        terms,
        bids,
        ['A', 'B', 'C'].flatMap((id) => verdicts(id, scores)),
        members,
      );
      expect(out).toMatchObject({ qualifiedCount: 3, validCount: 3, competition: { status: 'SUFFICIENT' } });
      expect(out.candidates.map((c) => c.bidId)).toEqual(['A', 'B', 'C']);
      expect(out.bids.every((b) => b.totalScore !== null)).toBe(true);
    });

    it('procurement, 3 qualified but one above the budget: evaluated, then fails with 2 valid (MOF87 Art. 63(4))', () => {
      const over = [bid('A', '900000.00'), bid('B', '950000.00'), bid('C', '1000000.01')];
      const out = evaluate(
        terms,
        over,
        ['A', 'B', 'C'].flatMap((id) => verdicts(id, scores)),
        members,
      );
      expect(out).toMatchObject({ qualifiedCount: 3, validCount: 2, competition: { status: 'FAILED' } });
      expect(out.competition.basis).not.toContain('no evaluation');
      expect(out.ranking.map((o) => o.bidId)).toEqual(['A', 'B']);
    });

    it('engineering, 2 qualified: evaluated, the panel decides whether competition is lacking (PB12 Art. 27); 3 qualified: sufficient', () => {
      const eng: EvaluationTerms = {
        regime: 'ENGINEERING',
        category: 'CONSTRUCTION_WORKS',
        method: 'LOWEST_EVALUATED_PRICE',
        priceWeight: null,
        factors: [],
        budget: '40000000.00',
        priceCeiling: null,
      };
      const two = evaluate(eng, bids, [...verdicts('A', {}), ...verdicts('B', {}), ...verdicts('C', { ...unqualified })], members);
      expect(two).toMatchObject({ qualifiedCount: 2, competition: { status: 'PANEL_DECISION_REQUIRED' } });
      expect(two.candidates.map((c) => c.bidId)).toEqual(['A', 'B']);
      const three = evaluate(
        eng,
        bids,
        ['A', 'B', 'C'].flatMap((id) => verdicts(id, {})),
        members,
      );
      expect(three).toMatchObject({ qualifiedCount: 3, competition: { status: 'SUFFICIENT' } });
    });
  });

  describe('at most 3 candidates (TBR Art. 53), tie groups never split', () => {
    const lowest: EvaluationTerms = {
      regime: 'ENGINEERING',
      category: 'CONSTRUCTION_WORKS',
      method: 'LOWEST_EVALUATED_PRICE',
      priceWeight: null,
      factors: [],
      budget: '100.00',
      priceCeiling: null,
    };
    const run = (prices: string[]) =>
      evaluate(
        lowest,
        prices.map((p, i) => bid(`b${i}`, p)),
        prices.flatMap((_, i) => verdicts(`b${i}`, {})),
        members,
      );

    it('five bids → three candidates', () => {
      expect(run(['5.00', '1.00', '3.00', '2.00', '4.00']).candidates.map((c) => c.price)).toEqual(['1.00', '2.00', '3.00']);
    });
    it('ranks 1, 1, 3, 3: the tied third place does not fit and is left out, noted', () => {
      const out = run(['1.00', '1.00', '2.00', '2.00']);
      expect(out.candidates.map((c) => c.rank)).toEqual([1, 1]);
      expect(out.notes.join()).toMatch(/do not fit within 3 candidates/);
    });
    it('four bids tied first are all kept (nobody is chosen by lot, O1117 (二))', () => {
      expect(run(['1.00', '1.00', '1.00', '1.00']).candidates).toHaveLength(4);
    });
  });

  it('a replaced member (not in the sitting list) does not count (TBR Art. 48)', () => {
    const lowest: EvaluationTerms = {
      regime: 'ENGINEERING',
      category: 'CONSTRUCTION_WORKS',
      method: 'LOWEST_EVALUATED_PRICE',
      priceWeight: null,
      factors: [],
      budget: '100.00',
      priceCeiling: null,
    };
    const v = verdicts('A', {}, { m1: { qualified: false, reasons: ['x'] }, m2: { qualified: false, reasons: ['x'] } });
    const stale = { memberId: 'gone', bidId: 'A', qualified: false, reasons: ['void'], grounds: [], factorScores: null };
    const out = evaluate(lowest, [bid('A', '1.00')], [...v, stale], members);
    expect(out.bids[0]).toMatchObject({ valid: true, votes: { qualified: 3, notQualified: 2 } });
  });
});

describe('the terms and verdicts the evaluation accepts', () => {
  it.each([
    ['GOODS', '0.29', false],
    ['GOODS', '0.30', true],
    ['GOODS', '0.31', true],
    ['SERVICES', '0.09', false],
    ['SERVICES', '0.10', true],
    ['SERVICES', '0.11', true],
  ])('procurement %s with price weight %s → lawful: %s (MOF87 Art. 55)', (category, priceWeight, ok) => {
    const problems = checkEvaluationTerms({ ...scoring, category, priceWeight });
    expect(problems.length === 0).toBe(ok);
    if (!ok) expect(problems.join()).toMatch(/MOF87 Art\. 55/);
  });

  it('refuses to evaluate under unlawful terms', () => {
    expect(() => evaluate({ ...scoring, priceWeight: '0.20' }, [], [], members)).toThrow(EvaluationTermsError);
  });

  it('factor scores within the published maxima, at most 2 decimals, no unpublished factor (TBR Art. 49)', () => {
    const ok = { qualified: true, reasons: [], grounds: [], factorScores: { TECH: '50', SERVICE: '19.75' } };
    expect(checkVerdict(scoring, ok)).toEqual([]);
    expect(checkVerdict(scoring, { ...ok, factorScores: { TECH: '50.01', SERVICE: '1' } })[0]).toMatchObject({ field: 'factorScores.TECH' });
    expect(checkVerdict(scoring, { ...ok, factorScores: { TECH: '1.005', SERVICE: '1' } })[0].errors.join()).toMatch(/2 decimals/);
    expect(checkVerdict(scoring, { ...ok, factorScores: { TECH: '1', SERVICE: '1', BRAND: '5' } })[0]).toMatchObject({ field: 'factorScores.BRAND' });
    expect(checkVerdict(scoring, { ...ok, factorScores: { TECH: '1' } })[0].errors.join()).toMatch(/missing: SERVICE/);
    expect(checkVerdict(scoring, { ...ok, qualified: false })[0]).toMatchObject({ field: 'reasons' });
    const lowest = { ...scoring, method: 'LOWEST_EVALUATED_PRICE' as const, priceWeight: null, factors: [] };
    expect(checkVerdict(lowest, ok)[0]).toMatchObject({ field: 'factorScores' });
    expect(checkVerdict(lowest, { ...ok, factorScores: null })).toEqual([]);
  });
});
