import { ENGINEERING_RULES, GOV_PROCUREMENT_RULES, type Regime } from 'src/common/law/regulations';
import { compareMoney } from 'src/common/money/money';

export interface PanelTerms {
  regime: Regime;
  budget: string;
  panelSize: number;
  panelSpecialties: Array<{ code: string; count: number }>;
}

export interface PanelComposition {
  /** Seats drawn from the expert pool. */
  expertSeats: number;
  /** Seats left for the procuring entity's representatives (招标人代表 / 采购人代表). */
  representativeSeats: number;
  violations: string[];
}

/**
 * The committee the law allows (checked again when the panel is drawn, whatever the tender's terms said):
 * ≥ 5 members and an odd number (TBL Art. 37; MOF87 Art. 47), ≥ 7 for a procurement budget of ¥10m or more
 * (MOF87 Art. 47), experts ≥ 2/3 of the members (TBL Art. 37; MOF87 Art. 47).
 */
export function checkPanelComposition(t: PanelTerms): PanelComposition {
  const violations: string[] = [];
  const expertSeats = t.panelSpecialties.reduce((n, s) => n + s.count, 0);
  const large = t.regime === 'GOV_PROCUREMENT' && compareMoney(t.budget, GOV_PROCUREMENT_RULES.largeBudgetCny) >= 0;
  const min = large ? GOV_PROCUREMENT_RULES.committeeMinLarge : t.regime === 'ENGINEERING' ? ENGINEERING_RULES.committeeMin : GOV_PROCUREMENT_RULES.committeeMin;
  const article = t.regime === 'ENGINEERING' ? 'TBL Art. 37' : 'MOF87 Art. 47';
  if (t.panelSize < min) violations.push(`the panel has ${t.panelSize} members, the law requires at least ${min} (${article})`);
  if (t.panelSize % 2 === 0) violations.push(`the panel must have an odd number of members (${article})`);
  if (t.panelSpecialties.some((s) => !Number.isInteger(s.count) || s.count < 1)) violations.push('each specialty needs at least one seat');
  if (expertSeats > t.panelSize) violations.push(`${expertSeats} expert seats exceed the panel size ${t.panelSize}`);
  // experts ≥ 2/3 of the members (TBL Art. 37; MOF87 Art. 47)
  if (expertSeats * ENGINEERING_RULES.expertMinShareDenominator < t.panelSize * ENGINEERING_RULES.expertMinShareNumerator) {
    violations.push(`${expertSeats} experts of ${t.panelSize} members are fewer than two thirds (${article})`);
  }
  return { expertSeats, representativeSeats: Math.max(0, t.panelSize - expertSeats), violations };
}
