import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type EvaluationReportContent } from './report/evaluation-report';

/** A member's verdict on one bid as stored (factor scores as decimal strings, MOF87 Art. 64). */
export interface VerdictRow {
  tenderId: string;
  memberId: string;
  bidId: string;
  qualified: boolean;
  reasons: string[];
  grounds: string[];
  factorScores: Record<string, string> | null;
}

/** A member's finding on one published qualification criterion of a bid (资格后审, TBR Arts. 20, 49). */
export interface QualificationFindingRow {
  memberId: string;
  bidId: string;
  criterionCode: string;
  met: boolean;
  reason: string;
}

export interface EvaluationRulesRow {
  curableDeficiencies: boolean;
  stateFunded: boolean;
}

/** One version of a lot's 评标报告 (PB12 Arts. 42–43), hashed over its canonical JSON. */
export interface EvaluationReportRow {
  tenderId: string;
  lotNo: number;
  version: number;
  outcome: 'CANDIDATES' | 'FAILED';
  content: EvaluationReportContent;
  sha256: string;
}

/** A lot (标段) of the tender as tender_lots stores it. */
export interface TenderLotRow {
  lotNo: number;
  title: string;
  /** Decimal text, as the database prints it. */
  budget: string;
  status: 'ACTIVE' | 'FAILED';
}

/**
 * Owns the evaluation's tables: `evaluations`, `evaluation_verdicts`, `evaluation_signatures`,
 * `qualification_findings`, `evaluation_rules` and `evaluation_reports`. Two statements read the tenders and bids
 * modules' tables and are declared as such: `lotsOf` (tender_lots) and `lotOfEachBid` (bids), read models. Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class EvaluationsRepository {
  /** The tender entered EVALUATION. Idempotent. */
  async start(m: EntityManager, tenderId: string): Promise<void> {
    await m.query(`INSERT INTO evaluations (tender_id, status) VALUES ($1, 'IN_PROGRESS') ON CONFLICT (tender_id) DO NOTHING`, [tenderId]);
  }

  /**
   * A member left the committee (TBR Art. 48): its verdicts and signatures are void, and a pending decision on
   * competition goes back to IN_PROGRESS (it waits for the replacement).
   */
  async voidConclusionsOf(m: EntityManager, tenderId: string, memberId: string): Promise<void> {
    await m.query(`UPDATE evaluation_verdicts SET void = true, updated_at = clock_timestamp() WHERE member_id = $1`, [memberId]);
    await m.query(`UPDATE evaluation_signatures SET void = true WHERE member_id = $1`, [memberId]);
    await m.query(`UPDATE evaluations SET status = 'IN_PROGRESS', updated_at = clock_timestamp() WHERE tender_id = $1 AND status = 'AWAITING_COMPETITION_DECISION'`, [tenderId]);
  }

  /** Records or corrects a member's verdict on a bid (one per member and bid); a void verdict becomes valid again. */
  async upsertVerdict(m: EntityManager, v: VerdictRow): Promise<void> {
    await m.query(
      `INSERT INTO evaluation_verdicts (tender_id, member_id, bid_id, qualified, reasons, grounds, factor_scores)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (member_id, bid_id) DO UPDATE SET qualified = EXCLUDED.qualified, reasons = EXCLUDED.reasons,
             grounds = EXCLUDED.grounds, factor_scores = EXCLUDED.factor_scores, void = false, updated_at = clock_timestamp()`,
      [v.tenderId, v.memberId, v.bidId, v.qualified, v.reasons, v.grounds, v.factorScores ? JSON.stringify(v.factorScores) : null],
    );
  }

  /** Locks the member's verdicts as it signs (MOF87 Art. 64); verdicts already locked keep their instant. */
  async lockVerdictsOf(m: EntityManager, memberId: string): Promise<void> {
    await m.query(`UPDATE evaluation_verdicts SET locked_at = clock_timestamp() WHERE member_id = $1 AND locked_at IS NULL`, [memberId]);
  }

  /** The committee examines again: every valid verdict of the tender may be corrected. */
  async unlockVerdicts(m: EntityManager, tenderId: string): Promise<void> {
    await m.query(`UPDATE evaluation_verdicts SET locked_at = NULL WHERE tender_id = $1 AND NOT void`, [tenderId]);
  }

  /** A member's findings on one bid. */
  async findingsOn(m: EntityManager, tenderId: string, memberId: string, bidId: string): Promise<QualificationFindingRow[]> {
    const rows: Array<{ criterion_code: string; met: boolean; reason: string }> = await m.query(
      `SELECT criterion_code, met, reason FROM qualification_findings WHERE tender_id = $1 AND member_id = $2 AND bid_id = $3`,
      [tenderId, memberId, bidId],
    );
    return rows.map((r) => ({ memberId, bidId, criterionCode: r.criterion_code, met: r.met, reason: r.reason }));
  }

  /** Records or corrects one finding (one per tender, bid, member and criterion). */
  async upsertFinding(m: EntityManager, tenderId: string, f: QualificationFindingRow): Promise<void> {
    await m.query(
      `INSERT INTO qualification_findings (tender_id, bid_id, member_id, criterion_code, met, reason) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tender_id, bid_id, member_id, criterion_code) DO UPDATE SET met = EXCLUDED.met, reason = EXCLUDED.reason, recorded_at = clock_timestamp()`,
      [tenderId, f.bidId, f.memberId, f.criterionCode, f.met, f.reason],
    );
  }

  /** Every finding of the tender, in the order recorded (for the report's qualification review). */
  async findingsOfTender(m: EntityManager, tenderId: string): Promise<QualificationFindingRow[]> {
    const rows: Array<{ member_id: string; bid_id: string; criterion_code: string; met: boolean; reason: string }> = await m.query(
      `SELECT member_id, bid_id, criterion_code, met, reason FROM qualification_findings WHERE tender_id = $1 ORDER BY recorded_at, id`,
      [tenderId],
    );
    return rows.map((r) => ({ memberId: r.member_id, bidId: r.bid_id, criterionCode: r.criterion_code, met: r.met, reason: r.reason }));
  }

  /** The member signs the round (PB12 Art. 43), with its written dissent if any. */
  async insertSignature(m: EntityManager, s: { tenderId: string; memberId: string; round: number; dissent: string | null }): Promise<void> {
    await m.query(`INSERT INTO evaluation_signatures (tender_id, member_id, round, dissent) VALUES ($1, $2, $3, $4)`, [s.tenderId, s.memberId, s.round, s.dissent]);
  }

  /** A signed member's decision on insufficient competition (PB12 Art. 27). */
  async recordCompetitionDecision(m: EntityManager, signatureId: string, decision: 'REJECT_ALL' | 'CONTINUE', reason: string): Promise<void> {
    await m.query(`UPDATE evaluation_signatures SET competition_decision = $2, competition_reason = $3, decided_at = clock_timestamp() WHERE id = $1`, [
      signatureId,
      decision,
      reason,
    ]);
  }

  /** How many of these members have a valid signature of the round. */
  async countSignatures(m: EntityManager, tenderId: string, round: number, memberIds: readonly string[]): Promise<number> {
    const [{ signed }]: Array<{ signed: number }> = await m.query(
      `SELECT count(*)::int AS signed FROM evaluation_signatures WHERE tender_id = $1 AND round = $2 AND NOT void AND member_id = ANY($3::uuid[])`,
      [tenderId, round, [...memberIds]],
    );
    return signed;
  }

  /** Sets the evaluation terms of the tender document (one row per tender). */
  async upsertRules(m: EntityManager, tenderId: string, rules: EvaluationRulesRow): Promise<void> {
    await m.query(
      `INSERT INTO evaluation_rules (tender_id, curable_deficiencies, state_funded) VALUES ($1, $2, $3)
         ON CONFLICT (tender_id) DO UPDATE SET curable_deficiencies = EXCLUDED.curable_deficiencies, state_funded = EXCLUDED.state_funded,
           updated_at = clock_timestamp()`,
      [tenderId, rules.curableDeficiencies, rules.stateFunded],
    );
  }

  /** With 1–2 valid bids (engineering) the members decide on competition first (PB12 Art. 27). */
  async awaitCompetitionDecision(m: EntityManager, tenderId: string): Promise<void> {
    await m.query(`UPDATE evaluations SET status = 'AWAITING_COMPETITION_DECISION', updated_at = clock_timestamp() WHERE tender_id = $1`, [tenderId]);
  }

  async insertReport(m: EntityManager, r: EvaluationReportRow): Promise<void> {
    await m.query(`INSERT INTO evaluation_reports (tender_id, lot_no, version, outcome, content, sha256) VALUES ($1, $2, $3, $4, $5, $6)`, [
      r.tenderId,
      r.lotNo,
      r.version,
      r.outcome,
      JSON.stringify(r.content),
      r.sha256,
    ]);
  }

  /** The evaluation is over: COMPLETED (candidates in some lot) or FAILED, with the report version signed. */
  async finish(m: EntityManager, tenderId: string, end: { status: 'COMPLETED' | 'FAILED'; reportVersion: number; failedReason: string | null }): Promise<void> {
    await m.query(
      `UPDATE evaluations SET status = $2, finished_at = clock_timestamp(), report_version = $3, failed_reason = $4,
                              version = version + 1, updated_at = clock_timestamp()
       WHERE tender_id = $1`,
      [tenderId, end.status, end.reportVersion, end.failedReason],
    );
  }

  /** The committee examines again (an upheld objection or complaint): a new round, running. */
  async reopen(m: EntityManager, tenderId: string): Promise<void> {
    await m.query(
      `UPDATE evaluations SET status = 'IN_PROGRESS', round = round + 1, finished_at = NULL, version = version + 1, updated_at = clock_timestamp()
       WHERE tender_id = $1`,
      [tenderId],
    );
  }

  /** Read model (tender_lots): the tender's lots in order; none for a tender without lots. */
  async lotsOf(m: EntityManager, tenderId: string): Promise<TenderLotRow[]> {
    const rows: Array<{ lot_no: number; title: string; budget: string; status: 'ACTIVE' | 'FAILED' }> = await m.query(
      `SELECT lot_no, title, budget::text AS budget, status FROM tender_lots WHERE tender_id = $1 ORDER BY lot_no`,
      [tenderId],
    );
    return rows.map((r) => ({ lotNo: Number(r.lot_no), title: r.title, budget: r.budget, status: r.status }));
  }

  /** Read model (bids): the lot of each bid of the tender (bid id → lot number). */
  async lotOfEachBid(m: EntityManager, tenderId: string): Promise<Map<string, number>> {
    const rows: Array<{ id: string; lot_no: number }> = await m.query(`SELECT id, lot_no FROM bids WHERE tender_id = $1`, [tenderId]);
    return new Map(rows.map((r) => [r.id, Number(r.lot_no)]));
  }
}
