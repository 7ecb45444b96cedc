import { ENGINEERING_RULES, GOV_PROCUREMENT_RULES } from 'src/common/law/regulations';
import { compareMoney, multiplyMoney, toFen } from 'src/common/money/money';
import { TenderCategory } from './tender.enums';

/** The parts of a tender the rules below look at (a CreateTenderDto or a stored tender). */
export interface TenderTerms {
  category: TenderCategory | string;
  regime: 'ENGINEERING' | 'GOV_PROCUREMENT';
  budget: string;
  priceCeiling?: string | null;
  bidSecurityAmount: string;
  bidSecurityForms?: string[] | null;
  evaluation: {
    method: 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING';
    priceWeight?: string | null;
    factors?: Array<{ code: string; name: string; maxScore: number }> | null;
  };
  panel: { size: number; specialties: Array<{ code: string; count: number }> };
  lots?: Array<{ title: string; budget: string; bidSecurityAmount?: string | null }> | null;
}

export type RuleViolation = { field: string; errors: string[] };

/** The total of a comprehensive-scoring evaluation: price score + factor scores = 100 points. */
export const TOTAL_POINTS = 100;

/** 4-decimal fixed point of a weight string ("0.3" → 3000n), so no float touches it. */
function weightBasisPoints(w: string): bigint {
  const [i, f = ''] = w.split('.');
  return BigInt(i) * 10_000n + BigInt((f + '0000').slice(0, 4));
}

/**
 * The rules of the law a tender's terms must follow, other than periods (those depend on the publication instant
 * and the legal calendar). Caps, panel sizes and price weights hold in every LEGAL_PERIODS mode.
 * Returns every violation, each naming the field and the article.
 */
export function checkTenderTerms(t: TenderTerms): RuleViolation[] {
  const out: RuleViolation[] = [];
  const add = (field: string, error: string) => {
    const hit = out.find((v) => v.field === field);
    if (hit) hit.errors.push(error);
    else out.push({ field, errors: [error] });
  };

  // 投标保证金 ≤ 2% of the estimated price / budget: TBR Art. 26 (engineering), GPR Art. 33 (procurement).
  const ratio = t.regime === 'ENGINEERING' ? ENGINEERING_RULES.bidSecurityMaxRatio : GOV_PROCUREMENT_RULES.bidSecurityMaxRatioOfBudget;
  const cap = multiplyMoney(t.budget, ratio);
  if (compareMoney(t.bidSecurityAmount, cap) > 0) {
    add('bidSecurityAmount', `must not exceed 2% of the budget (${cap}) (${t.regime === 'ENGINEERING' ? 'TBR Art. 26' : 'GPR Art. 33'})`);
  }
  // Construction works: also at most ¥800,000 (工程建设项目施工招标投标办法 Art. 37). Status M/S in regulations.md:
  // the current wording of BID30 was not verified; kept because it only ever lowers the cap.
  if (t.regime === 'ENGINEERING' && t.category === TenderCategory.CONSTRUCTION_WORKS) {
    if (compareMoney(t.bidSecurityAmount, ENGINEERING_RULES.bidSecurityMaxCnyWorks) > 0) {
      add('bidSecurityAmount', `must not exceed ¥${ENGINEERING_RULES.bidSecurityMaxCnyWorks} for construction works (BID30 Art. 37)`);
    }
  }

  // GPR Art. 33: in procurement the security is lodged in non-cash forms (支票、汇票、本票或者金融机构、担保机构出具的
  // 保函); the purchaser may not require cash, so a procurement tender must accept a guarantee.
  if (t.regime === 'GOV_PROCUREMENT' && t.bidSecurityForms && !t.bidSecurityForms.includes('E_GUARANTEE')) {
    add('bidSecurityForms', 'a procurement tender must accept a non-cash form (E_GUARANTEE); cash may not be required (GPR Art. 33)');
  }
  if (t.bidSecurityForms && new Set(t.bidSecurityForms).size !== t.bidSecurityForms.length) {
    add('bidSecurityForms', 'each form may appear once');
  }

  // 最高投标限价: above the budget it could admit bids the budget cannot pay (MOF87 Art. 63(4) makes such bids invalid).
  if (t.priceCeiling != null && compareMoney(t.priceCeiling, t.budget) > 0) {
    add('priceCeiling', 'must not exceed the budget (MOF87 Art. 63(4))');
  }

  // Panel: ≥ 5 members and an odd number (TBL Art. 37; MOF87 Art. 47); procurement with a budget of ¥10m or more:
  // ≥ 7 (MOF87 Art. 47). Experts ≥ 2/3 is checked when the panel is drawn.
  const minPanel =
    t.regime === 'GOV_PROCUREMENT' && compareMoney(t.budget, GOV_PROCUREMENT_RULES.largeBudgetCny) >= 0
      ? GOV_PROCUREMENT_RULES.committeeMinLarge
      : t.regime === 'ENGINEERING'
        ? ENGINEERING_RULES.committeeMin
        : GOV_PROCUREMENT_RULES.committeeMin;
  if (t.panel.size < minPanel) {
    add(
      'panel.size',
      minPanel === GOV_PROCUREMENT_RULES.committeeMinLarge
        ? `must be at least ${minPanel} for a procurement budget of ¥10,000,000 or more (MOF87 Art. 47)`
        : `must be at least ${minPanel} (${t.regime === 'ENGINEERING' ? 'TBL Art. 37' : 'MOF87 Art. 47'})`,
    );
  }
  if (t.panel.size % 2 === 0) add('panel.size', `must be an odd number (${t.regime === 'ENGINEERING' ? 'TBL Art. 37' : 'MOF87 Art. 47'})`);
  const codes = t.panel.specialties.map((s) => s.code);
  if (new Set(codes).size !== codes.length) add('panel.specialties', 'each specialty code may appear once');
  const drawn = t.panel.specialties.reduce((n, s) => n + s.count, 0);
  if (drawn > t.panel.size) add('panel.specialties', `the counts (${drawn}) exceed the panel size (${t.panel.size})`);

  // Evaluation method and weights.
  const ev = t.evaluation;
  if (ev.method === 'LOWEST_EVALUATED_PRICE') {
    // 经评审的最低投标价法: no scoring (PB12 Art. 30; MOF87 Art. 54).
    if (ev.priceWeight != null) add('evaluation.priceWeight', 'applies to COMPREHENSIVE_SCORING only');
    if (ev.factors?.length) add('evaluation.factors', 'apply to COMPREHENSIVE_SCORING only');
  } else {
    // 综合评分法: the weights are published in the tender document (PB12 Art. 35; MOF87 Art. 55).
    if (ev.priceWeight == null) add('evaluation.priceWeight', 'is required for COMPREHENSIVE_SCORING (MOF87 Art. 55)');
    if (!ev.factors?.length) add('evaluation.factors', 'are required for COMPREHENSIVE_SCORING (PB12 Art. 35; MOF87 Art. 55)');
    if (ev.priceWeight != null) {
      const w = weightBasisPoints(ev.priceWeight);
      if (w === 0n) add('evaluation.priceWeight', 'must be above 0: price is always a factor (MOF87 Art. 55)');
      if (t.regime === 'GOV_PROCUREMENT') {
        // MOF87 Art. 55: price ≥ 30% of the total for goods, ≥ 10% for services.
        if (t.category === TenderCategory.GOODS && w < weightBasisPoints(GOV_PROCUREMENT_RULES.priceWeightMinGoods)) {
          add('evaluation.priceWeight', `must be at least ${GOV_PROCUREMENT_RULES.priceWeightMinGoods} for goods (MOF87 Art. 55)`);
        }
        if (t.category === TenderCategory.SERVICES && w < weightBasisPoints(GOV_PROCUREMENT_RULES.priceWeightMinServices)) {
          add('evaluation.priceWeight', `must be at least ${GOV_PROCUREMENT_RULES.priceWeightMinServices} for services (MOF87 Art. 55)`);
        }
      }
      if (ev.factors?.length) {
        // The factors are the non-price part: Σ maxScore = 100 × (1 − priceWeight) (ΣAᵢ = 1, MOF87 Art. 55).
        const sum = ev.factors.reduce((n, f) => n + f.maxScore, 0);
        if (BigInt(sum) * 10_000n !== BigInt(TOTAL_POINTS) * (10_000n - w)) {
          add('evaluation.factors', `the maxScore of the factors must add up to ${TOTAL_POINTS} × (1 − priceWeight); they add up to ${sum}`);
        }
      }
    }
    if (ev.factors?.length) {
      const fc = ev.factors.map((f) => f.code);
      if (new Set(fc).size !== fc.length) add('evaluation.factors', 'each factor code may appear once');
    }
  }

  // 标段 / 采购包: the lots share the budget.
  if (t.lots?.length) {
    const sum = t.lots.reduce((n, l) => n + toFen(l.budget), 0n);
    if (sum !== toFen(t.budget)) add('lots', 'the lot budgets must add up to the budget');
    // Each lot's security ≤ 2% of the lot's budget (TBR Art. 26 "招标项目估算价"; GPR Art. 33 "采购项目预算金额"; a lot is
    // bid, secured and opened as a project of its own). A lot without its own amount takes the tender's amount in
    // proportion to its budget (lotSecurityShare), which the tender's own cap already keeps within 2%.
    t.lots.forEach((l, i) => {
      if (l.bidSecurityAmount == null) return;
      const lotCap = multiplyMoney(l.budget, ratio);
      if (compareMoney(l.bidSecurityAmount, lotCap) > 0) {
        add(
          `lots[${i}].bidSecurityAmount`,
          `lot ${i + 1}: the bid security ${l.bidSecurityAmount} exceeds 2% of the lot's budget (${lotCap}) (${t.regime === 'ENGINEERING' ? 'TBR Art. 26' : 'GPR Art. 33'})`,
        );
      }
    });
  }
  return out;
}

/**
 * The bid security of a lot that states none: the tender's amount in proportion to the lot's budget, rounded down
 * to the fen (so it stays within 2% of the lot's budget whenever the tender's amount is within 2% of the budget).
 */
export function lotSecurityShare(tenderAmount: string, lotBudget: string, tenderBudget: string): string {
  const total = toFen(tenderBudget);
  if (total === 0n) return tenderAmount;
  const fen = (toFen(tenderAmount) * toFen(lotBudget)) / total;
  return `${fen / 100n}.${(fen % 100n).toString().padStart(2, '0')}`;
}
