import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type AwardAnnouncementContent, type CandidatePublicityContent } from './entities/candidate-publicity.entity';

/** The notice of award as issued (中标通知书, TBL Art. 45; EB20 Art. 36). */
export interface NewAward {
  tenderId: string;
  lotNo: number;
  bidId: string;
  awardeeOrganizationId: string;
  awardeeName: string;
  price: string;
  rank: number;
  score: string | null;
  noticeNo: string;
  noticeIssuedAt: Date;
  contractDueAt: Date;
  /** Procurement: the end of the award announcement (MOF87 Art. 69); engineering: null. */
  announcementEndsAt: Date | null;
}

/** A publicity's running period and the report version it publishes. */
export interface NewPublicity<C> {
  tenderId: string;
  lotNo: number;
  reportVersion: number;
  startsAt: Date;
  endsAt: Date;
  content: C;
}

/** An objection to the result, filed during the publicity (TBR Art. 54). */
export interface NewResultObjection {
  tenderId: string;
  publicityId: string;
  objectorUserId: string;
  objectorOrganizationId: string;
  text: string;
  filedAt: Date;
  answerDueAt: Date;
}

/** A pledged approval of a 容缺预招标 not yet accepted. */
export interface OutstandingApprovalRow {
  id: string;
  name: string;
  status: string;
  dueAt: Date;
}

/**
 * Owns `awards`, `candidate_publicities` and `result_objections` (single rows are read through their entities).
 * Two statements read the tenders module's tables and are declared as read models: `outstandingApprovals`
 * (tender_pending_approvals) and `lotsAwaitingContract` (tender_lots, with awards). Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class AwardsRepository {
  /** The awards of the lot that still stand (not DEFAULTED): at most one. */
  async standingOf(m: EntityManager, tenderId: string, lotNo: number): Promise<Array<{ id: string; bidId: string }>> {
    const rows: Array<{ id: string; bid_id: string }> = await m.query(`SELECT id, bid_id FROM awards WHERE tender_id = $1 AND lot_no = $2 AND status <> 'DEFAULTED'`, [
      tenderId,
      lotNo,
    ]);
    return rows.map((r) => ({ id: r.id, bidId: r.bid_id }));
  }

  /** The bids of the lot whose awardee declined or defaulted (TBR Art. 55). */
  async defaultedBidIds(m: EntityManager, tenderId: string, lotNo: number): Promise<string[]> {
    const rows: Array<{ bid_id: string }> = await m.query(`SELECT bid_id FROM awards WHERE tender_id = $1 AND lot_no = $2 AND status = 'DEFAULTED'`, [tenderId, lotNo]);
    return rows.map((r) => r.bid_id);
  }

  /** The lots of the tender with a standing award. */
  async awardedLotNos(m: EntityManager, tenderId: string): Promise<number[]> {
    const rows: Array<{ lot_no: number }> = await m.query(`SELECT DISTINCT lot_no FROM awards WHERE tender_id = $1 AND status <> 'DEFAULTED'`, [tenderId]);
    return rows.map((r) => Number(r.lot_no));
  }

  /** The sequence number of the tender's next notice of award (1 for the first; defaulted awards count). */
  async nextNoticeSeq(m: EntityManager, tenderId: string): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await m.query(`SELECT count(*)::int + 1 AS n FROM awards WHERE tender_id = $1`, [tenderId]);
    return n;
  }

  /** Records the notice of award (status NOTIFIED); returns its id. */
  async insert(m: EntityManager, a: NewAward): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO awards (tender_id, bid_id, awardee_organization_id, awardee_name, price, rank, score, status, notice_no, notice_issued_at,
                           contract_due_at, announcement_ends_at, lot_no)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'NOTIFIED', $8, $9, $10, $11, $12) RETURNING id`,
      [a.tenderId, a.bidId, a.awardeeOrganizationId, a.awardeeName, a.price, a.rank, a.score, a.noticeNo, a.noticeIssuedAt, a.contractDueAt, a.announcementEndsAt, a.lotNo],
    );
    return row.id;
  }

  /** The awardee refused to sign or to give performance security (TBR Arts. 55, 74). */
  async markDefaulted(m: EntityManager, awardId: string, reason: string): Promise<void> {
    await m.query(`UPDATE awards SET status = 'DEFAULTED', default_reason = $2 WHERE id = $1`, [awardId, reason]);
  }

  /** The contract record (TBL Art. 46; GPL Art. 46); recorded at the database clock. */
  async recordContract(m: EntityManager, awardId: string, c: { signedAt: Date; contractNo: string | null; amount: string }): Promise<void> {
    await m.query(
      `UPDATE awards SET status = 'CONTRACTED', contract_signed_at = $2, contract_no = $3, contract_amount = $4,
                           contract_recorded_at = clock_timestamp()
         WHERE id = $1`,
      [awardId, c.signedAt, c.contractNo, c.amount],
    );
  }

  /**
   * Read model (tender_lots, awards): how many lots of the tender that have not failed have no contract yet — a
   * tender without lots counts as lot 1.
   */
  async lotsAwaitingContract(m: EntityManager, tenderId: string): Promise<number> {
    const [{ open }]: Array<{ open: number }> = await m.query(
      `SELECT count(*)::int AS open FROM (
           SELECT l.lot_no FROM tender_lots l WHERE l.tender_id = $1 AND l.status = 'ACTIVE'
           UNION SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM tender_lots WHERE tender_id = $1)
         ) lots
         WHERE NOT EXISTS (SELECT 1 FROM awards a WHERE a.tender_id = $1 AND a.lot_no = lots.lot_no AND a.status = 'CONTRACTED')`,
      [tenderId],
    );
    return open;
  }

  /** Read model (tender_pending_approvals): the pledged approvals of a 容缺预招标 not yet accepted, in their order. */
  async outstandingApprovals(m: EntityManager, tenderId: string): Promise<OutstandingApprovalRow[]> {
    const rows: Array<{ id: string; name: string; status: string; due_at: Date }> = await m.query(
      `SELECT id, name, status, due_at FROM tender_pending_approvals WHERE tender_id = $1 AND status <> 'ACCEPTED' ORDER BY position`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, status: r.status, dueAt: r.due_at }));
  }

  /** Starts the candidate publicity (RUNNING); returns its id. */
  async insertCandidatePublicity(m: EntityManager, p: NewPublicity<CandidatePublicityContent>): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO candidate_publicities (tender_id, lot_no, report_version, kind, starts_at, ends_at, status, content)
         VALUES ($1, $2, $3, 'CANDIDATE_PUBLICITY', $4, $5, 'RUNNING', $6) RETURNING id`,
      [p.tenderId, p.lotNo, p.reportVersion, p.startsAt, p.endsAt, JSON.stringify(p.content)],
    );
    return row.id;
  }

  /** Starts the procurement award announcement (RUNNING); returns its id. */
  async insertAwardAnnouncement(m: EntityManager, p: NewPublicity<AwardAnnouncementContent>): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO candidate_publicities (tender_id, lot_no, report_version, kind, starts_at, ends_at, status, content)
         VALUES ($1, $2, $3, 'AWARD_ANNOUNCEMENT', $4, $5, 'RUNNING', $6) RETURNING id`,
      [p.tenderId, p.lotNo, p.reportVersion, p.startsAt, p.endsAt, JSON.stringify(p.content)],
    );
    return row.id;
  }

  async endPublicity(m: EntityManager, publicityId: string): Promise<void> {
    await m.query(`UPDATE candidate_publicities SET status = 'ENDED' WHERE id = $1`, [publicityId]);
  }

  async withdrawPublicity(m: EntityManager, publicityId: string): Promise<void> {
    await m.query(`UPDATE candidate_publicities SET status = 'WITHDRAWN' WHERE id = $1`, [publicityId]);
  }

  /** Returns the new objection's id. */
  async insertObjection(m: EntityManager, o: NewResultObjection): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO result_objections (tender_id, publicity_id, objector_user_id, objector_organization_id, text, filed_at, answer_due_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [o.tenderId, o.publicityId, o.objectorUserId, o.objectorOrganizationId, o.text, o.filedAt, o.answerDueAt],
    );
    return row.id;
  }

  /** The owner's answer (database clock). */
  async answerObjection(m: EntityManager, objectionId: string, a: { answer: string; upheld: boolean; answeredBy: string }): Promise<void> {
    await m.query(`UPDATE result_objections SET status = 'ANSWERED', answer = $2, upheld = $3, answered_at = clock_timestamp(), answered_by = $4 WHERE id = $1`, [
      objectionId,
      a.answer,
      a.upheld,
      a.answeredBy,
    ]);
  }

  /** The objections of the tender still awaiting their answer: the award waits for them (TBR Art. 54 ¶2). */
  async pendingObjectionIds(m: EntityManager, tenderId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM result_objections WHERE tender_id = $1 AND status = 'PENDING'`, [tenderId]);
    return rows.map((r) => r.id);
  }
}
