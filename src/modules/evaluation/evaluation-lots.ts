import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { compareMoney, normalizeMoney } from 'src/common/money/money';
import { DEFAULT_LOT_NO } from '../tenders/tender-lots';
import { type TenderEntity } from '../tenders/tender.entity';
import { EvaluationsRepository } from './evaluations.repository';
import { type EvaluationTerms } from './scoring/evaluation-engine';

/**
 * A lot (标段 / 采购包) as the evaluation and the award see it. A tender without lots is one lot, number 1, with the
 * tender's own budget and ceiling (`lotted` false): its evaluation, report, publicity and award are exactly the v1 ones.
 */
export interface EvaluationLot {
  lotNo: number;
  title: string;
  budget: string;
  status: 'ACTIVE' | 'FAILED';
  /** The tender has lots (tender_lots rows). */
  lotted: boolean;
}

/**
 * The lots of a tender as the evaluation sees them (its reads of tender_lots and of each bid's lot go through
 * EvaluationsRepository's declared read models).
 */
@Injectable()
export class EvaluationLots {
  constructor(private readonly evaluations: EvaluationsRepository) {}

  /** Every lot of the tender, in order; a tender without lots: lot 1. */
  async all(m: EntityManager, tender: TenderEntity): Promise<EvaluationLot[]> {
    const rows = await this.evaluations.lotsOf(m, tender.id);
    if (!rows.length) return [{ lotNo: DEFAULT_LOT_NO, title: tender.title, budget: normalizeMoney(tender.budget), status: 'ACTIVE', lotted: false }];
    return rows.map((r) => ({ lotNo: r.lotNo, title: r.title, budget: normalizeMoney(r.budget), status: r.status, lotted: true }));
  }

  /** Lot `lotNo` of the tender, or 404. */
  async one(m: EntityManager, tender: TenderEntity, lotNo: number): Promise<EvaluationLot> {
    const lot = (await this.all(m, tender)).find((l) => l.lotNo === lotNo);
    if (!lot) throw new NotFoundException('The lot');
    return lot;
  }

  /** The lot of each bid of the tender (bid id → lot number). */
  ofBids(m: EntityManager, tenderId: string): Promise<Map<string, number>> {
    return this.evaluations.lotOfEachBid(m, tenderId);
  }
}

/**
 * The evaluation terms for one lot. Scores compare only the bids of that lot: the price score's reference (lowest
 * price, benchmark) is computed over them by the engine. A lot's budget is its budget and its price ceiling (最高投标
 * 限价, TBR Art. 27; procurement: above the budget is invalid, MOF87 Art. 63(4)) — unless the tender's own ceiling is
 * lower. Without lots: the tender's terms unchanged.
 */
export function lotEvaluationTerms(terms: EvaluationTerms, lot: EvaluationLot): EvaluationTerms {
  if (!lot.lotted) return terms;
  const ceiling = terms.priceCeiling !== null && compareMoney(terms.priceCeiling, lot.budget) < 0 ? terms.priceCeiling : lot.budget;
  return { ...terms, budget: lot.budget, priceCeiling: ceiling };
}
