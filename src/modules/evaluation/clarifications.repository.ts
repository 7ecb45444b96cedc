import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type ClarificationKind } from './entities/bidder-clarification-request.entity';

/** A new written request of the panel to a bidder (TBR Art. 52; EB20 Art. 33). */
export interface NewClarificationRequest {
  tenderId: string;
  bidId: string;
  bidderOrganizationId: string;
  /** The panel member who asks. */
  requestedBy: string;
  kind: ClarificationKind;
  item: string;
  question: string;
  legalBasis: string;
  deadline: Date | string;
}

/**
 * Owns `bidder_clarification_requests` (澄清、说明、补正). Reads of one request go through
 * BidderClarificationRequestEntity; the writes and the pending-request check are here. Every method takes the
 * caller's EntityManager (its transaction).
 */
@Injectable()
export class ClarificationsRepository {
  /** Returns the new request's id. */
  async insert(m: EntityManager, r: NewClarificationRequest): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO bidder_clarification_requests (tender_id, bid_id, bidder_organization_id, requested_by, kind, item, question, legal_basis, deadline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [r.tenderId, r.bidId, r.bidderOrganizationId, r.requestedBy, r.kind, r.item, r.question, r.legalBasis, r.deadline],
    );
    return row.id;
  }

  /** The requests of the tender still awaiting their answer before their deadline (database clock). */
  async pendingIds(m: EntityManager, tenderId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM bidder_clarification_requests WHERE tender_id = $1 AND status = 'OPEN' AND deadline > clock_timestamp()`, [
      tenderId,
    ]);
    return rows.map((r) => r.id);
  }

  /** The bidder's written answer, with its (non-substantive) proofs. */
  async recordAnswer(m: EntityManager, id: string, answer: { text: string; attachments: Array<{ name: string; sha256: string }>; respondedBy: string }): Promise<void> {
    await m.query(
      `UPDATE bidder_clarification_requests SET status = 'ANSWERED', response_text = $2, response_attachments = $3,
                responded_at = clock_timestamp(), responded_by = $4 WHERE id = $1`,
      [id, answer.text, JSON.stringify(answer.attachments), answer.respondedBy],
    );
  }

  /** The panel's view of the answer (or of the silence), for the report's minutes. */
  async recordDecision(m: EntityManager, id: string, decision: { decision: 'ACCEPTED' | 'NOT_ACCEPTED'; note: string | null; decidedBy: string }): Promise<void> {
    await m.query(
      `UPDATE bidder_clarification_requests SET panel_decision = $2, panel_decision_note = $3, decided_by = $4, decided_at = clock_timestamp()
         WHERE id = $1`,
      [id, decision.decision, decision.note, decision.decidedBy],
    );
  }
}
