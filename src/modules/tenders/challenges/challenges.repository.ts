import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChallengeSubject } from './challenge-rules';

/** A procurement challenge (质疑) as stored, with the database clock at the time of reading. */
export interface ChallengeRow {
  id: string;
  tenderId: string;
  organizationId: string;
  subject: ChallengeSubject;
  text: string;
  filedAt: Date;
  filingDeadline: Date;
  answerDueAt: Date;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  upheld: boolean | null;
  answeredAt: Date | null;
}

/** A challenge with the database clock when it was read (whether its answer is overdue). */
export interface ChallengeWithClockRow extends ChallengeRow {
  now: Date;
}

export interface NewChallenge {
  tenderId: string;
  organizationId: string;
  filedBy: string;
  subject: ChallengeSubject;
  text: string;
  filedAt: Date;
  filingDeadline: Date;
  answerDueAt: Date;
  requestSha256: string;
}

interface ChallengeRecord {
  id: string;
  tender_id: string;
  organization_id: string;
  subject: ChallengeSubject;
  text: string;
  filed_at: Date;
  filing_deadline: Date;
  answer_due_at: Date;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  upheld: boolean | null;
  answered_at: Date | null;
}

const toRow = (c: ChallengeRecord): ChallengeRow => ({
  id: c.id,
  tenderId: c.tender_id,
  organizationId: c.organization_id,
  subject: c.subject,
  text: c.text,
  filedAt: c.filed_at,
  filingDeadline: c.filing_deadline,
  answerDueAt: c.answer_due_at,
  status: c.status,
  answer: c.answer,
  upheld: c.upheld,
  answeredAt: c.answered_at,
});

/**
 * Owns `procurement_challenges` (质疑, GPL Arts. 52–54). Its reads of other modules' tables are declared read models:
 * bids, opening_records, candidate_publicities. Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class ChallengesRepository {
  /** Read model (bids): whether the supplier has a bid of the tender that was opened. */
  async hasOpenedBid(m: EntityManager, tenderId: string, organizationId: string): Promise<boolean> {
    const [bid]: unknown[] = await m.query(`SELECT 1 FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 AND opened_at IS NOT NULL`, [tenderId, organizationId]);
    return !!bid;
  }

  /** The challenge filed with this exact request (idempotent filing), if any. */
  async idByRequest(m: EntityManager, requestSha256: string): Promise<string | null> {
    const [existing]: Array<{ id: string }> = await m.query(`SELECT id FROM procurement_challenges WHERE request_sha256 = $1`, [requestSha256]);
    return existing?.id ?? null;
  }

  /** Files a challenge (PENDING); returns its id. */
  async insert(m: EntityManager, c: NewChallenge): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO procurement_challenges (tender_id, organization_id, filed_by, subject, text, filed_at, filing_deadline, answer_due_at, request_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [c.tenderId, c.organizationId, c.filedBy, c.subject, c.text, c.filedAt, c.filingDeadline, c.answerDueAt, c.requestSha256],
    );
    return row.id;
  }

  /** Locks a challenge of this tender (FOR UPDATE); null when the tender has none with this id. */
  async lockOf(m: EntityManager, tenderId: string, id: string): Promise<ChallengeRow | null> {
    const [c]: ChallengeRecord[] = await m.query(`SELECT * FROM procurement_challenges WHERE id = $1 AND tender_id = $2 FOR UPDATE`, [id, tenderId]);
    return c ? toRow(c) : null;
  }

  /** PENDING → ANSWERED with the written answer. */
  async markAnswered(m: EntityManager, id: string, a: { answer: string; upheld: boolean; answeredBy: string; answeredAt: Date }): Promise<void> {
    await m.query(`UPDATE procurement_challenges SET status = 'ANSWERED', answer = $2, upheld = $3, answered_by = $4, answered_at = $5 WHERE id = $1`, [
      id,
      a.answer,
      a.upheld,
      a.answeredBy,
      a.answeredAt,
    ]);
  }

  /** The ids of the tender's challenges (only those of `organizationId` when given), in filing order. */
  async idsOf(m: EntityManager, tenderId: string, organizationId: string | null): Promise<string[]> {
    const own = organizationId;
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM procurement_challenges WHERE tender_id = $1 ${own ? 'AND organization_id = $2' : ''} ORDER BY filed_at, id`,
      own ? [tenderId, own] : [tenderId],
    );
    return rows.map((r) => r.id);
  }

  /** A challenge with the database clock now; null when there is none. */
  async find(m: EntityManager, id: string): Promise<ChallengeWithClockRow | null> {
    const [c]: Array<ChallengeRecord & { now: Date }> = await m.query(`SELECT c.*, clock_timestamp() AS now FROM procurement_challenges c WHERE c.id = $1`, [id]);
    return c ? { ...toRow(c), now: c.now } : null;
  }

  /** Read model (opening_records): when the tender's opening ended (its record was made); null before. */
  async openingClosedAt(m: EntityManager, tenderId: string): Promise<Date | null> {
    const [r]: Array<{ window_closed_at: Date }> = await m.query(`SELECT window_closed_at FROM opening_records WHERE tender_id = $1`, [tenderId]);
    return r ? new Date(r.window_closed_at) : null;
  }

  /** Read model (candidate_publicities): when the latest standing award announcement ends; null when none. */
  async awardAnnouncementEndsAt(m: EntityManager, tenderId: string): Promise<Date | null> {
    const [p]: Array<{ ends_at: Date }> = await m.query(
      `SELECT ends_at FROM candidate_publicities WHERE tender_id = $1 AND kind = 'AWARD_ANNOUNCEMENT' AND status <> 'WITHDRAWN' ORDER BY created_at DESC LIMIT 1`,
      [tenderId],
    );
    return p ? new Date(p.ends_at) : null;
  }
}
