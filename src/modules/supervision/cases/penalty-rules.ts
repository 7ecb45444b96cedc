/**
 * The penalties a supervisory department may decide in a case, and the ranges the law allows (regulations.md
 * §1.12). Pure: the use case gives the regime, the fine base and the case's subjects.
 */
import { SUPERVISION_RULES } from 'src/common/law/regulations';
import { compareMoney, multiplyMoney } from 'src/common/money/money';

export const PENALTY_TYPES = ['WARNING', 'FINE', 'DEBARMENT', 'DISQUALIFICATION'] as const;
export type PenaltyType = (typeof PENALTY_TYPES)[number];
export const PENALTY_GROUNDS = ['COLLUSION', 'BIDDING_UNDER_ANOTHER_NAME', 'EVALUATOR_MISCONDUCT'] as const;
export type PenaltyGround = (typeof PENALTY_GROUNDS)[number];

export interface PenaltyInput {
  organizationId?: string;
  expertId?: string;
  type: PenaltyType;
  ground: PenaltyGround;
  fineAmount?: string;
  debarmentMonths?: number;
}

export type FineBaseSource = 'CONTRACT_AMOUNT' | 'AWARD_PRICE' | 'BUDGET';

export interface PenaltyContext {
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';
  /** 中标项目金额: the contract amount, else the awarded price, else the budget (no award yet). */
  fineBase: string;
  fineBaseSource: FineBaseSource;
  organizationIds: ReadonlySet<string>;
  expertIds: ReadonlySet<string>;
}

export interface CheckedPenalty extends PenaltyInput {
  legalBasis: string;
  fineBase: string | null;
  fineBaseSource: FineBaseSource | null;
}

type FieldError = { field: string; errors: string[] };

const BASIS = {
  ENGINEERING: {
    COLLUSION: '中华人民共和国招标投标法 第五十三条 (TBL Art. 53)；招标投标法实施条例 第六十七条 (TBR Art. 67)',
    BIDDING_UNDER_ANOTHER_NAME: '中华人民共和国招标投标法 第五十四条 (TBL Art. 54)；招标投标法实施条例 第六十八条 (TBR Art. 68)',
    EVALUATOR_MISCONDUCT: '中华人民共和国招标投标法 第五十六条 (TBL Art. 56)；招标投标法实施条例 第七十一条 (TBR Art. 71)',
  },
  GOV_PROCUREMENT: {
    COLLUSION: '中华人民共和国政府采购法 第七十七条 (GPL Art. 77)',
    BIDDING_UNDER_ANOTHER_NAME: '中华人民共和国政府采购法 第七十七条 (GPL Art. 77)',
    EVALUATOR_MISCONDUCT: '政府采购法实施条例 第七十五条 (GPR Art. 75)',
  },
} as const;

/** The debarment range in months for a regime and ground (TBR Arts. 67–68; GPL Art. 77). */
export function debarmentRange(regime: PenaltyContext['regime'], ground: PenaltyGround): [number, number] | null {
  if (regime === 'GOV_PROCUREMENT') {
    return ground === 'EVALUATOR_MISCONDUCT' ? null : [SUPERVISION_RULES.procurementDebarmentMinMonths, SUPERVISION_RULES.procurementDebarmentMaxMonths];
  }
  if (ground === 'COLLUSION') return [SUPERVISION_RULES.collusionDebarmentMinMonths, SUPERVISION_RULES.collusionDebarmentMaxMonths];
  if (ground === 'BIDDING_UNDER_ANOTHER_NAME') return [SUPERVISION_RULES.underAnotherNameDebarmentMinMonths, SUPERVISION_RULES.underAnotherNameDebarmentMaxMonths];
  return null;
}

/** The fine range [0.5 %, 1 %] of the base (TBL Arts. 53–54; GPL Art. 77), rounded half-up to the fen. */
export function fineRange(base: string): [string, string] {
  return [multiplyMoney(base, SUPERVISION_RULES.fineMinRatio), multiplyMoney(base, SUPERVISION_RULES.fineMaxRatio)];
}

/** Checks each penalty against its subject and the law; returns the errors (400 details) or the checked penalties. */
export function checkPenalties(penalties: PenaltyInput[], ctx: PenaltyContext): { errors: FieldError[]; checked: CheckedPenalty[] } {
  const errors: FieldError[] = [];
  const checked: CheckedPenalty[] = [];
  penalties.forEach((p, i) => {
    const field = (f: string) => `penalties.${i}.${f}`;
    const err = (f: string, e: string) => errors.push({ field: field(f), errors: [e] });
    const isOrg = p.organizationId !== undefined;
    if (isOrg === (p.expertId !== undefined)) return err('organizationId', 'name exactly one subject: organizationId or expertId');
    if (isOrg && !ctx.organizationIds.has(p.organizationId!)) err('organizationId', 'the organisation is not a subject of this case');
    if (!isOrg && !ctx.expertIds.has(p.expertId!)) err('expertId', 'the expert is not a subject of this case');
    if (isOrg) {
      if (p.type === 'DISQUALIFICATION') err('type', 'DISQUALIFICATION applies to experts (TBR Art. 71); a company is fined or debarred');
      if (p.ground === 'EVALUATOR_MISCONDUCT') err('ground', 'a company is penalised for COLLUSION or BIDDING_UNDER_ANOTHER_NAME');
    } else {
      if (p.type === 'FINE' || p.type === 'DEBARMENT') err('type', 'an expert is warned or disqualified (TBR Art. 71; GPR Art. 75)');
      if (p.ground !== 'EVALUATOR_MISCONDUCT') err('ground', 'an expert is penalised for EVALUATOR_MISCONDUCT');
    }
    if (p.type !== 'FINE' && p.fineAmount !== undefined) err('fineAmount', 'fineAmount belongs to a FINE only');
    if (p.type !== 'DEBARMENT' && p.debarmentMonths !== undefined) err('debarmentMonths', 'debarmentMonths belongs to a DEBARMENT only');
    if (p.type === 'FINE') {
      if (p.fineAmount === undefined) err('fineAmount', 'a FINE needs fineAmount');
      else {
        // TBL Arts. 53–54; GPL Art. 77: 0.5 %–1 % of the project amount (TBR Art. 67 ¶1: of the contract amount).
        const [min, max] = fineRange(ctx.fineBase);
        if (compareMoney(p.fineAmount, min) < 0 || compareMoney(p.fineAmount, max) > 0) {
          err('fineAmount', `a fine is between ${min} and ${max} (0.5 %–1 % of ${ctx.fineBase}, ${ctx.fineBaseSource}; ${BASIS[ctx.regime][p.ground]})`);
        }
      }
    }
    if (p.type === 'DEBARMENT') {
      const range = debarmentRange(ctx.regime, p.ground);
      if (p.debarmentMonths === undefined) err('debarmentMonths', 'a DEBARMENT needs debarmentMonths');
      else if (range && (p.debarmentMonths < range[0] || p.debarmentMonths > range[1])) {
        err('debarmentMonths', `a debarment for ${p.ground} lasts ${range[0]}–${range[1]} months (${BASIS[ctx.regime][p.ground]})`);
      }
    }
    checked.push({
      ...p,
      legalBasis: BASIS[ctx.regime][p.ground] ?? '',
      fineBase: p.type === 'FINE' ? ctx.fineBase : null,
      fineBaseSource: p.type === 'FINE' ? ctx.fineBaseSource : null,
    });
  });
  return { errors, checked };
}
