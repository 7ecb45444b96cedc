import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** An objection at the opening (开标异议), with the objecting bidder's name. */
export interface OpeningObjectionRow {
  id: string;
  tenderId: string;
  organizationId: string;
  bidderName: string;
  text: string;
  raisedAt: Date;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  answeredAt: Date | null;
}

/** An objection as locked for its answer (no bidder name). */
export type LockedOpeningObjectionRow = Omit<OpeningObjectionRow, 'bidderName'>;

interface OpeningObjectionRecord {
  id: string;
  tender_id: string;
  organization_id: string;
  text: string;
  raised_at: Date;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  answered_at: Date | null;
  bidder_name?: string;
}

const toLocked = (o: OpeningObjectionRecord): LockedOpeningObjectionRow => ({
  id: o.id,
  tenderId: o.tender_id,
  organizationId: o.organization_id,
  text: o.text,
  raisedAt: o.raised_at,
  status: o.status,
  answer: o.answer,
  answeredAt: o.answered_at,
});

/**
 * Owns `opening_objections` (TBR Art. 44 ¶3). The bidder's name is read from organizations (read model: organizations).
 * Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class OpeningObjectionsRepository {
  /** The objection raised with this exact request (idempotent raising), if any. */
  async idByRequest(m: EntityManager, requestSha256: string): Promise<string | null> {
    const [existing]: Array<{ id: string }> = await m.query(`SELECT id FROM opening_objections WHERE request_sha256 = $1`, [requestSha256]);
    return existing?.id ?? null;
  }

  /** Raises an objection (PENDING); returns its id. */
  async insert(m: EntityManager, o: { tenderId: string; organizationId: string; raisedBy: string; text: string; raisedAt: Date; requestSha256: string }): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO opening_objections (tender_id, organization_id, raised_by, text, raised_at, request_sha256)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [o.tenderId, o.organizationId, o.raisedBy, o.text, o.raisedAt, o.requestSha256],
    );
    return row.id;
  }

  /** Locks an objection of this tender (FOR UPDATE); null when the tender has none with this id. */
  async lockOf(m: EntityManager, tenderId: string, objectionId: string): Promise<LockedOpeningObjectionRow | null> {
    const [o]: OpeningObjectionRecord[] = await m.query(`SELECT * FROM opening_objections WHERE id = $1 AND tender_id = $2 FOR UPDATE`, [objectionId, tenderId]);
    return o ? toLocked(o) : null;
  }

  /** PENDING → ANSWERED by the procuring entity (or its agent), on the spot. */
  async markAnswered(m: EntityManager, objectionId: string, a: { answer: string; answeredBy: string; answeredAt: Date }): Promise<void> {
    await m.query(`UPDATE opening_objections SET status = 'ANSWERED', answer = $2, answered_by = $3, answered_at = $4 WHERE id = $1`, [
      objectionId,
      a.answer,
      a.answeredBy,
      a.answeredAt,
    ]);
  }

  /** The ids of the tender's objections in the order they were raised. */
  async idsOf(m: EntityManager, tenderId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM opening_objections WHERE tender_id = $1 ORDER BY raised_at, id`, [tenderId]);
    return rows.map((r) => r.id);
  }

  /** Read model (organizations): an objection with its bidder's name; null when there is none. */
  async find(m: EntityManager, id: string): Promise<OpeningObjectionRow | null> {
    const [o]: OpeningObjectionRecord[] = await m.query(
      `SELECT x.*, org.name AS bidder_name FROM opening_objections x JOIN organizations org ON org.id = x.organization_id WHERE x.id = $1`,
      [id],
    );
    return o ? { ...toLocked(o), bidderName: o.bidder_name! } : null;
  }
}
