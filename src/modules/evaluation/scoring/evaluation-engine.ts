import { ENGINEERING_RULES, GOV_PROCUREMENT_RULES, MIN_BIDS_TO_OPEN, type Regime } from 'src/common/law/regulations';
import { compareMoney, toFen } from 'src/common/money/money';
import { add, compare, fromDecimal, type Rational, rational, toDecimal, ZERO } from './rational';

/**
 * 否决投标 (engineering) / 投标无效 (procurement): the mandatory grounds of TBR Art. 51 (cf. MOF87 Art. 63), plus
 * the procurement rule that a price above the budget is invalid (MOF87 Art. 63(4)).
 */
export enum RejectionGround {
  /** (1) no company seal and signature of the responsible person */
  NO_SEAL_OR_SIGNATURE = 'TBR51_1_NO_SEAL_OR_SIGNATURE',
  /** (2) a consortium without a joint-bid agreement */
  NO_CONSORTIUM_AGREEMENT = 'TBR51_2_NO_CONSORTIUM_AGREEMENT',
  /** (3) fails the qualification requirements (资格后审, TBR Art. 20) */
  QUALIFICATION_NOT_MET = 'TBR51_3_QUALIFICATION_NOT_MET',
  /** (4) more than one bid or price */
  MULTIPLE_BIDS_OR_PRICES = 'TBR51_4_MULTIPLE_BIDS_OR_PRICES',
  /** (5) a price below cost (after the written explanation of PB12 Art. 21) */
  PRICE_BELOW_COST = 'TBR51_5_PRICE_BELOW_COST',
  /** (5) a price above the price ceiling (最高投标限价) — applied automatically */
  PRICE_ABOVE_CEILING = 'TBR51_5_PRICE_ABOVE_CEILING',
  /** (6) not substantively responsive (a material deviation, PB12 Art. 25) */
  NOT_RESPONSIVE = 'TBR51_6_NOT_RESPONSIVE',
  /** (7) collusion, fraud or bribery */
  COLLUSION_OR_FRAUD = 'TBR51_7_COLLUSION_OR_FRAUD',
  /** Procurement: a price above the budget (MOF87 Art. 63(4)) — applied automatically */
  PRICE_ABOVE_BUDGET = 'MOF87_63_4_PRICE_ABOVE_BUDGET',
}

/** Grounds the platform applies by itself from the published terms; the others are the panel's judgement. */
export const AUTOMATIC_GROUNDS = [RejectionGround.PRICE_ABOVE_CEILING, RejectionGround.PRICE_ABOVE_BUDGET];

export interface EvaluationTerms {
  regime: Regime;
  category: string;
  method: 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING';
  /** Share of the price in COMPREHENSIVE_SCORING, "0.30". */
  priceWeight: string | null;
  factors: Array<{ code: string; name: string; maxScore: number }>;
  budget: string;
  priceCeiling: string | null;
}

export interface OpenedBid {
  bidId: string;
  bidderOrganizationId: string;
  bidderName: string;
  price: string | null;
  status: string;
}

/** One member's conclusion on one bid (评审意见), as locked when the member signed. */
export interface MemberVerdict {
  memberId: string;
  bidId: string;
  qualified: boolean;
  reasons: string[];
  grounds: RejectionGround[];
  /** Factor code → points, a decimal string with at most 2 places. */
  factorScores: Record<string, string> | null;
}

export interface BidOutcome {
  bidId: string;
  bidderOrganizationId: string;
  bidderName: string;
  price: string;
  valid: boolean;
  votes: { qualified: number; notQualified: number };
  rejection: { automatic: boolean; grounds: RejectionGround[]; reasons: string[] } | null;
  /** COMPREHENSIVE_SCORING, valid bids: the price score, the mean factor scores and the total, rounded to 0.01. */
  priceScore: string | null;
  factorScores: Record<string, string> | null;
  totalScore: string | null;
  /** LOWEST_EVALUATED_PRICE, valid bids: the evaluated price (the bid price; no price adjustments are modelled). */
  evaluatedPrice: string | null;
  rank: number | null;
}

export type CompetitionStatus =
  /** ≥ 3 valid bids. */
  | 'SUFFICIENT'
  /** Engineering, 1–2 valid bids: the panel decides whether competition is lacking (PB12 Art. 27; O1117 (十三)). */
  | 'PANEL_DECISION_REQUIRED'
  /** No valid bid, or procurement with fewer than 3: the tender fails (PB12 Art. 27; TBL Art. 42; MOF87 Art. 44). */
  | 'FAILED';

export interface EvaluationOutcome {
  method: EvaluationTerms['method'];
  bids: BidOutcome[];
  notEvaluated: Array<{ bidId: string; bidderName: string; status: string }>;
  validCount: number;
  /** Bids a majority of the members found qualified (资格后审 and responsiveness), whatever their price. */
  qualifiedCount: number;
  competition: { status: CompetitionStatus; basis: string };
  /** Valid bids in rank order (ties share a rank: 并列). */
  ranking: BidOutcome[];
  /** 中标候选人: at most 3, ranked (TBR Art. 53; PB12 Art. 45; MOF87 Art. 68). */
  candidates: Array<{ rank: number; bidId: string; bidderOrganizationId: string; bidderName: string; price: string; score: string | null }>;
  notes: string[];
}

export class EvaluationTermsError extends Error {
  constructor(readonly violations: string[]) {
    super(violations.join('; '));
  }
}

/**
 * The terms the evaluation may use (TBR Art. 49: only the published criteria), checked before any score counts:
 * COMPREHENSIVE_SCORING needs factors and a price weight, at least 30% for procurement goods and 10% for services
 * (MOF87 Art. 55).
 */
export function checkEvaluationTerms(t: EvaluationTerms): string[] {
  const v: string[] = [];
  if (t.method !== 'COMPREHENSIVE_SCORING') return v;
  if (!t.factors.length) v.push('COMPREHENSIVE_SCORING needs published factors (PB12 Art. 35; MOF87 Art. 55)');
  if (!t.priceWeight) {
    v.push('COMPREHENSIVE_SCORING needs a published price weight (MOF87 Art. 55)');
    return v;
  }
  const w = fromDecimal(t.priceWeight, 4);
  if (compare(w, ZERO) <= 0 || compare(w, rational(1n)) > 0) v.push('the price weight must be in (0, 1]');
  if (t.regime === 'GOV_PROCUREMENT') {
    const goods = t.category !== 'SERVICES';
    const min = goods ? GOV_PROCUREMENT_RULES.priceWeightMinGoods : GOV_PROCUREMENT_RULES.priceWeightMinServices;
    // MOF87 Art. 55: the price weight is at least 30% for goods and 10% for services.
    if (compare(w, fromDecimal(min, 4)) < 0) v.push(`the price weight ${t.priceWeight} is below ${min} for ${goods ? 'goods' : 'services'} (MOF87 Art. 55)`);
  }
  return v;
}

/**
 * Checks one member's verdict against the published terms (TBR Art. 49; MOF87 Art. 55): every factor scored
 * within its published maximum, with at most 2 decimals, and no unpublished factor. Returns the problems, each with
 * the field it concerns.
 */
export function checkVerdict(t: EvaluationTerms, v: Pick<MemberVerdict, 'qualified' | 'reasons' | 'grounds' | 'factorScores'>): Array<{ field: string; errors: string[] }> {
  const out: Array<{ field: string; errors: string[] }> = [];
  if (!v.qualified && !v.reasons.length && !v.grounds.length) {
    out.push({ field: 'reasons', errors: ['a bid found not qualified needs its reasons (PB12 Art. 42; O1117 (十三))'] });
  }
  if (v.qualified && v.grounds.length) out.push({ field: 'grounds', errors: ['rejection grounds apply to qualified=false only'] });
  if (t.method === 'LOWEST_EVALUATED_PRICE') {
    if (v.factorScores && Object.keys(v.factorScores).length) {
      out.push({ field: 'factorScores', errors: ['LOWEST_EVALUATED_PRICE has no factor scores (PB12 Art. 30; MOF87 Art. 54)'] });
    }
    return out;
  }
  const scores = v.factorScores ?? {};
  if (v.qualified) {
    const missing = t.factors.filter((f) => scores[f.code] === undefined).map((f) => f.code);
    if (missing.length) out.push({ field: 'factorScores', errors: [`every published factor must be scored; missing: ${missing.join(', ')}`] });
  }
  for (const [code, value] of Object.entries(scores)) {
    const f = t.factors.find((x) => x.code === code);
    const field = `factorScores.${code}`;
    if (!f) {
      out.push({ field, errors: [`${code} is not a published factor (TBR Art. 49: only the published criteria count)`] });
      continue;
    }
    let r: Rational;
    try {
      r = fromDecimal(value, 2);
    } catch {
      out.push({ field, errors: ['must be a number ≥ 0 with at most 2 decimals'] });
      continue;
    }
    if (compare(r, rational(BigInt(f.maxScore))) > 0) out.push({ field, errors: [`must not exceed the published maximum ${f.maxScore}`] });
  }
  return out;
}

/**
 * The committee's conclusion from the locked verdicts of its sitting members:
 * 1. bids not DECRYPTED are not evaluated (revoked or withdrawn at opening, EB20 Art. 31);
 * 2. a price above the ceiling (TBR Art. 51(5)) — or, in procurement, above the budget (MOF87 Art. 63(4)) — is
 *    rejected by the platform; otherwise a bid is valid when a majority of the members found it qualified
 *    (少数服从多数; the reasons of the others go to the report);
 * 3. LOWEST_EVALUATED_PRICE ranks valid bids by price, lowest first (PB12 Art. 29; MOF87 Art. 56);
 *    COMPREHENSIVE_SCORING ranks by total = lowest valid price / bid price × weight × 100 (MOF87 Art. 55) + the
 *    members' mean factor scores, highest first; equal totals → the lower price first (MOF87 Art. 56); equal in
 *    both → the same rank (并列): nobody is chosen by lot (O1117 (二));
 * 4. at most 3 candidates (TBR Art. 53); a tie is never split: a tied group that does not fit entirely is left
 *    out, noted (except a first group, kept whole so that there is a candidate);
 * 5. fewer than 3 valid bids: procurement fails (MOF87 Art. 44); engineering asks the panel (PB12 Art. 27); none
 *    valid fails either way;
 * 6. 资格后审 (regulations.md row 79): in procurement, fewer than 3 qualified bids means no evaluation at all
 *    (MOF87 Art. 44): no price or factor score, no ranking, no candidate — the procurement fails. In engineering
 *    fewer than 3 qualified leaves fewer than 3 valid: the panel may reject all (PB12 Art. 27), rule 5.
 */
export function evaluate(t: EvaluationTerms, bids: OpenedBid[], verdicts: MemberVerdict[], memberIds: string[]): EvaluationOutcome {
  const termProblems = checkEvaluationTerms(t);
  if (termProblems.length) throw new EvaluationTermsError(termProblems);
  const notes: string[] = [];
  const evaluable = bids.filter((b) => b.status === 'DECRYPTED' && b.price !== null);
  const notEvaluated = bids.filter((b) => !evaluable.includes(b)).map((b) => ({ bidId: b.bidId, bidderName: b.bidderName, status: b.status }));
  const members = new Set(memberIds);

  const outcomes: BidOutcome[] = evaluable.map((b) => {
    const mine = verdicts.filter((v) => v.bidId === b.bidId && members.has(v.memberId));
    const yes = mine.filter((v) => v.qualified);
    const no = mine.filter((v) => !v.qualified);
    const automatic: RejectionGround[] = [];
    if (t.priceCeiling && compareMoney(b.price!, t.priceCeiling) > 0) automatic.push(RejectionGround.PRICE_ABOVE_CEILING);
    if (t.regime === 'GOV_PROCUREMENT' && compareMoney(b.price!, t.budget) > 0) automatic.push(RejectionGround.PRICE_ABOVE_BUDGET);
    const majority = yes.length * 2 > memberIds.length;
    const valid = automatic.length === 0 && majority;
    const rejection = valid
      ? null
      : {
          automatic: automatic.length > 0,
          grounds: [...new Set([...automatic, ...no.flatMap((v) => v.grounds)])].sort(),
          reasons: [...new Set(no.flatMap((v) => v.reasons))],
        };
    return {
      bidId: b.bidId,
      bidderOrganizationId: b.bidderOrganizationId,
      bidderName: b.bidderName,
      price: b.price!,
      valid,
      votes: { qualified: yes.length, notQualified: no.length },
      rejection,
      priceScore: null,
      factorScores: null,
      totalScore: null,
      evaluatedPrice: null,
      rank: null,
    };
  });

  const qualifiedCount = outcomes.filter((o) => o.votes.qualified * 2 > memberIds.length).length;
  // MOF87 Art. 44: in procurement "合格投标人不足3家的，不得评标" — fewer than 3 qualified: nothing is scored or ranked.
  const noEvaluation = t.regime === 'GOV_PROCUREMENT' && qualifiedCount < MIN_BIDS_TO_OPEN;
  const valid = outcomes.filter((o) => o.valid);
  const scored = noEvaluation ? [] : valid;
  const totals = new Map<string, Rational>();
  if (t.method === 'COMPREHENSIVE_SCORING' && scored.length) {
    // MOF87 Art. 55: price score = (base price ÷ bid price) × 100 × weight, base = the lowest valid price; no bid
    // is dropped, and a rejected bid (above the ceiling) never sets the base.
    const base = scored.reduce((min, o) => (toFen(o.price) < min ? toFen(o.price) : min), toFen(scored[0].price));
    const weight = fromDecimal(t.priceWeight!, 4);
    for (const o of scored) {
      const priceScore = rational(base * weight.num * 100n, toFen(o.price) * weight.den);
      // Each factor: the mean of the members who scored it (members score independently, MOF87 Art. 57).
      const scorers = verdicts.filter((v) => v.bidId === o.bidId && members.has(v.memberId) && v.factorScores);
      const factorMeans: Record<string, Rational> = {};
      for (const f of t.factors) {
        const given = scorers.map((v) => v.factorScores![f.code]).filter((x): x is string => x !== undefined);
        const sum = given.reduce((s, x) => add(s, fromDecimal(x, 2)), ZERO);
        factorMeans[f.code] = given.length ? rational(sum.num, sum.den * BigInt(given.length)) : ZERO;
      }
      const total = Object.values(factorMeans).reduce(add, priceScore);
      totals.set(o.bidId, total);
      o.priceScore = toDecimal(priceScore);
      o.factorScores = Object.fromEntries(Object.entries(factorMeans).map(([k, r]) => [k, toDecimal(r)]));
      o.totalScore = toDecimal(total);
    }
  } else {
    for (const o of scored) o.evaluatedPrice = o.price;
  }

  // Ranking: the method's order, then the lower price (MOF87 Art. 56); still equal → the same rank (并列).
  const order = (a: BidOutcome, b: BidOutcome): number => {
    if (t.method === 'COMPREHENSIVE_SCORING') {
      const c = compare(totals.get(b.bidId)!, totals.get(a.bidId)!);
      if (c !== 0) return c;
    }
    return compareMoney(a.price, b.price);
  };
  const ranking = [...scored].sort((a, b) => order(a, b) || (a.bidId < b.bidId ? -1 : 1));
  ranking.forEach((o, i) => {
    o.rank = i > 0 && order(ranking[i - 1], o) === 0 ? ranking[i - 1].rank : i + 1;
  });
  for (let i = 1; i < ranking.length; i++) {
    if (ranking[i].rank === ranking[i - 1].rank && (i === 1 || ranking[i - 2].rank !== ranking[i].rank)) {
      notes.push(`rank ${ranking[i].rank} is shared (并列, MOF87 Art. 56): equal ${t.method === 'COMPREHENSIVE_SCORING' ? 'score and ' : ''}price`);
    }
  }

  // 中标候选人: at most 3 (TBR Art. 53), whole tie groups only.
  const maxCandidates = t.regime === 'ENGINEERING' ? ENGINEERING_RULES.maxCandidates : GOV_PROCUREMENT_RULES.maxCandidates;
  const candidates: BidOutcome[] = [];
  for (const o of ranking) {
    if (candidates.includes(o)) continue;
    const group = ranking.filter((x) => x.rank === o.rank);
    if (candidates.length + group.length <= maxCandidates || candidates.length === 0) {
      candidates.push(...group);
      if (group.length > maxCandidates) notes.push(`${group.length} bids share rank 1; all are candidates (a tie is not split by lot, O1117 (二))`);
    } else {
      notes.push(`the ${group.length} bids sharing rank ${o.rank} do not fit within ${maxCandidates} candidates and are not recommended (TBR Art. 53)`);
      break;
    }
    if (candidates.length >= maxCandidates) break;
  }

  const validCount = valid.length;
  const competition: EvaluationOutcome['competition'] = noEvaluation
    ? { status: 'FAILED', basis: `${qualifiedCount} bid(s) qualified, fewer than 3: no evaluation, the procurement fails (MOF87 Art. 44)` }
    : validCount >= MIN_BIDS_TO_OPEN
      ? { status: 'SUFFICIENT', basis: `${validCount} valid bids` }
      : validCount === 0
        ? { status: 'FAILED', basis: 'every bid was rejected: re-tender (TBL Art. 42; PB12 Art. 27)' }
        : t.regime === 'GOV_PROCUREMENT'
          ? { status: 'FAILED', basis: `${validCount} valid bid(s), fewer than 3: the procurement fails (MOF87 Art. 44; GPL Art. 36)` }
          : { status: 'PANEL_DECISION_REQUIRED', basis: `${validCount} valid bid(s), fewer than 3: the panel decides whether competition is lacking (PB12 Art. 27)` };

  return {
    method: t.method,
    bids: outcomes,
    notEvaluated,
    validCount,
    qualifiedCount,
    competition,
    ranking,
    candidates: candidates.map((o) => ({
      rank: o.rank!,
      bidId: o.bidId,
      bidderOrganizationId: o.bidderOrganizationId,
      bidderName: o.bidderName,
      price: o.price,
      score: o.totalScore,
    })),
    notes,
  };
}
