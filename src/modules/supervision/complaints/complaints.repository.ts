import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { TenderScopeCondition } from '../flags/collusion-flags.repository';
import type { ComplaintRemedy, ComplaintStage, Regime } from './complaint-rules';
import type { ComplaintStatus } from './dto/complaint.dto';

/** A complaint as stored. The complainant is in clear, or (before the deadline of a tender that seals identities) sealed. */
export interface ComplaintRecord {
  id: string;
  tenderId: string;
  complainantOrganizationId: string | null;
  filedBy: string | null;
  complainantBlindIndex: string | null;
  complainantSealed: string | null;
  /** The recipient of the complainant's notices, pre-sealed to the identity key at filing (issue 17). */
  complainantRecipientSealed: string | null;
  complainantRecipientUserIndex: string | null;
  complainantRecipientOrgIndex: string | null;
  /** What the platform attested of a sealed complainant at filing (shown instead of its name until the deadline). */
  complainantStanding: ComplainantStanding | null;
  stage: ComplaintStage;
  objectionId: string | null;
  text: string;
  knownAt: Date;
  filingDeadline: Date;
  filedAt: Date;
  acceptDueAt: Date;
  decideDueAt: Date | null;
  status: ComplaintStatus;
  refusalReason: string | null;
  acceptedAt: Date | null;
  refusedAt: Date | null;
  decision: 'UPHELD' | 'DISMISSED' | null;
  decisionText: string | null;
  decidedAt: Date | null;
  suspensionOrderedAt: Date | null;
  suspensionEndsAt: Date | null;
  suspensionLiftedAt: Date | null;
  remedy: ComplaintRemedy | null;
}

/**
 * The standing of a complainant whose name is sealed (issue 17), checked by the platform at filing by blind index:
 * it downloaded the tender documents; it is the objector of `objectionId` (the objection the complaint follows).
 */
export interface ComplainantStanding {
  downloadedDocuments: boolean;
  objectorOf: string | null;
}

/** A complaint with its tender's regime (the periods depend on it). */
export type ComplaintWithRegime = ComplaintRecord & { regime: Regime };

/** A complaint's sealed complainant, to open at the deadline. */
export interface SealedComplainantRow {
  id: string;
  tenderId: string;
  complainantBlindIndex: string;
  complainantSealed: string;
}

export interface NewComplaint {
  tenderId: string;
  /** null while sealed. */
  complainantOrganizationId: string | null;
  filedBy: string | null;
  stage: ComplaintStage;
  objectionId: string | null;
  text: string;
  knownAt: Date;
  filingDeadline: Date;
  filedAt: Date;
  acceptDueAt: Date;
  /** The plain request digest, or while sealed a keyed one. */
  requestSha256: string;
  complainantBlindIndex: string | null;
  complainantSealed: string | null;
  /** While sealed (issue 17): the recipient of its notices pre-sealed to the identity key, and the attested standing. */
  complainantRecipientSealed?: string | null;
  complainantRecipientUserIndex?: string | null;
  complainantRecipientOrgIndex?: string | null;
  complainantStanding?: ComplainantStanding | null;
}

/** An objection (异议) or a challenge (质疑) the complaint follows, with when it was answered or its answer was due. */
export interface PriorObjection {
  id: string;
  answeredAt: Date | null;
  answerDueAt: Date;
}

interface ComplaintRow {
  id: string;
  tender_id: string;
  complainant_organization_id: string | null;
  filed_by: string | null;
  complainant_blind_index: string | null;
  complainant_sealed: string | null;
  complainant_recipient_sealed: string | null;
  complainant_recipient_user_index: string | null;
  complainant_recipient_org_index: string | null;
  complainant_standing: ComplainantStanding | null;
  stage: ComplaintStage;
  objection_id: string | null;
  text: string;
  known_at: Date;
  filing_deadline: Date;
  filed_at: Date;
  accept_due_at: Date;
  decide_due_at: Date | null;
  status: ComplaintStatus;
  refusal_reason: string | null;
  accepted_at: Date | null;
  refused_at: Date | null;
  decision: 'UPHELD' | 'DISMISSED' | null;
  decision_text: string | null;
  decided_at: Date | null;
  suspension_ordered_at: Date | null;
  suspension_ends_at: Date | null;
  suspension_lifted_at: Date | null;
  remedy: ComplaintRemedy | null;
}

const toRecord = (c: ComplaintRow): ComplaintRecord => ({
  id: c.id,
  tenderId: c.tender_id,
  complainantOrganizationId: c.complainant_organization_id,
  filedBy: c.filed_by,
  complainantBlindIndex: c.complainant_blind_index,
  complainantSealed: c.complainant_sealed,
  complainantRecipientSealed: c.complainant_recipient_sealed,
  complainantRecipientUserIndex: c.complainant_recipient_user_index,
  complainantRecipientOrgIndex: c.complainant_recipient_org_index,
  complainantStanding: c.complainant_standing,
  stage: c.stage,
  objectionId: c.objection_id,
  text: c.text,
  knownAt: c.known_at,
  filingDeadline: c.filing_deadline,
  filedAt: c.filed_at,
  acceptDueAt: c.accept_due_at,
  decideDueAt: c.decide_due_at,
  status: c.status,
  refusalReason: c.refusal_reason,
  acceptedAt: c.accepted_at,
  refusedAt: c.refused_at,
  decision: c.decision,
  decisionText: c.decision_text,
  decidedAt: c.decided_at,
  suspensionOrderedAt: c.suspension_ordered_at,
  suspensionEndsAt: c.suspension_ends_at,
  suspensionLiftedAt: c.suspension_lifted_at,
  remedy: c.remedy,
});

/**
 * Owns `complaints`. The statements on the tender and on what a complaint follows are read models over other
 * modules' tables, declared as such: `tenderForFiling`/`tenderExists`/`tenderTitle` and the regime joined by `lockWithRegime`/
 * `findWithRegime` (tenders), `latestChallenge` (procurement_challenges), `latestObjection` (tender_objections,
 * result_objections), `latestOpeningObjection` (opening_objections, opening_records) and `downloadedDocuments`
 * (tender_document_downloads). Every method takes the
 * caller's EntityManager (its transaction).
 */
@Injectable()
export class ComplaintsRepository {
  /** One filing of the same request at a time. */
  async lockRequest(m: EntityManager, requestSha256: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`complaint:${requestSha256}`]);
  }

  /** The complaint filed with one of these request digests (plain or keyed), or null. */
  async findByRequest(m: EntityManager, digests: string[]): Promise<string | null> {
    const [existing]: Array<{ id: string }> = await m.query(`SELECT id FROM complaints WHERE request_sha256 = ANY($1::char(64)[])`, [digests]);
    return existing ? existing.id : null;
  }

  /**
   * Read model (tenders): the tender's regime and opening, or null for an unknown tender. FOR SHARE: a filing and the
   * deadline's unsealing (which locks the tender) do not interleave, so a complaint sealed just before the deadline is
   * seen by the unsealing, and one filed after it is in clear (issue 17).
   */
  async tenderForFiling(m: EntityManager, tenderId: string): Promise<{ regime: Regime; openedAt: Date | null } | null> {
    const [tender]: Array<{ regime: Regime; opened_at: Date | null }> = await m.query(`SELECT regime, opened_at FROM tenders WHERE id = $1 FOR SHARE`, [tenderId]);
    return tender ? { regime: tender.regime, openedAt: tender.opened_at } : null;
  }

  /** Read model (tenders): the tender's title (for the complainant's notice), or null. */
  async tenderTitle(m: EntityManager, tenderId: string): Promise<string | null> {
    const [t]: Array<{ title: string }> = await m.query(`SELECT title FROM tenders WHERE id = $1`, [tenderId]);
    return t?.title ?? null;
  }

  /** Read model (tenders): whether the tender exists. */
  async tenderExists(m: EntityManager, tenderId: string): Promise<boolean> {
    const [t]: unknown[] = await m.query(`SELECT 1 FROM tenders WHERE id = $1`, [tenderId]);
    return !!t;
  }

  /** Files a complaint; returns its id. */
  async insert(m: EntityManager, c: NewComplaint): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO complaints (tender_id, complainant_organization_id, filed_by, stage, objection_id, text, known_at, filing_deadline, filed_at,
                                 accept_due_at, request_sha256, complainant_blind_index, complainant_sealed, complainant_recipient_sealed,
                                 complainant_recipient_user_index, complainant_recipient_org_index, complainant_standing)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
      [
        c.tenderId,
        c.complainantOrganizationId,
        c.filedBy,
        c.stage,
        c.objectionId,
        c.text,
        c.knownAt,
        c.filingDeadline,
        c.filedAt,
        c.acceptDueAt,
        c.requestSha256,
        c.complainantBlindIndex,
        c.complainantSealed,
        c.complainantRecipientSealed ?? null,
        c.complainantRecipientUserIndex ?? null,
        c.complainantRecipientOrgIndex ?? null,
        c.complainantStanding ? JSON.stringify(c.complainantStanding) : null,
      ],
    );
    return row.id;
  }

  /** The tender's complaints with a sealed complainant, locked, in the order they were filed. */
  async lockSealedOfTender(m: EntityManager, tenderId: string): Promise<SealedComplainantRow[]> {
    const rows: Array<{ id: string; tender_id: string; complainant_blind_index: string; complainant_sealed: string }> = await m.query(
      `SELECT id, tender_id, complainant_organization_id, filed_by, complainant_blind_index, complainant_sealed FROM complaints
       WHERE tender_id = $1 AND complainant_sealed IS NOT NULL ORDER BY filed_at, id FOR UPDATE`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, tenderId: r.tender_id, complainantBlindIndex: r.complainant_blind_index, complainantSealed: r.complainant_sealed }));
  }

  /** Names the complainant in clear, with the plain request digest (the pre-sealed notice recipient is no longer needed). */
  async unsealComplainant(m: EntityManager, id: string, who: { organizationId: string; userId: string; requestSha256: string }): Promise<void> {
    await m.query(
      `UPDATE complaints SET complainant_organization_id = $2, filed_by = $3, request_sha256 = $4, complainant_blind_index = NULL, complainant_sealed = NULL,
              complainant_recipient_sealed = NULL, complainant_recipient_user_index = NULL, complainant_recipient_org_index = NULL WHERE id = $1`,
      [id, who.organizationId, who.userId, who.requestSha256],
    );
  }

  /** Read model (tenders: the regime): the complaint, locked (FOR UPDATE OF the complaint only), or null. */
  async lockWithRegime(m: EntityManager, id: string): Promise<ComplaintWithRegime | null> {
    const [c]: Array<ComplaintRow & { regime: Regime }> = await m.query(
      `SELECT c.*, t.regime FROM complaints c JOIN tenders t ON t.id = c.tender_id WHERE c.id = $1 FOR UPDATE OF c`,
      [id],
    );
    return c ? { ...toRecord(c), regime: c.regime } : null;
  }

  /** Read model (tenders: the regime): the complaint, not locked, or null. */
  async findWithRegime(m: EntityManager, id: string): Promise<ComplaintWithRegime | null> {
    const [c]: Array<ComplaintRow & { regime: Regime }> = await m.query(`SELECT c.*, t.regime FROM complaints c JOIN tenders t ON t.id = c.tender_id WHERE c.id = $1`, [id]);
    return c ? { ...toRecord(c), regime: c.regime } : null;
  }

  /** Locks the complaint's row. */
  async lock(m: EntityManager, id: string): Promise<void> {
    await m.query(`SELECT 1 FROM complaints WHERE id = $1 FOR UPDATE`, [id]);
  }

  /** The complaint with the database clock (to tell what is overdue), or null. */
  async findWithNow(m: EntityManager, id: string): Promise<(ComplaintRecord & { now: Date }) | null> {
    const [c]: Array<ComplaintRow & { now: Date }> = await m.query(`SELECT c.*, clock_timestamp() AS now FROM complaints c WHERE c.id = $1`, [id]);
    return c ? { ...toRecord(c), now: c.now } : null;
  }

  async accept(m: EntityManager, id: string, at: Date, decideDueAt: Date, handledBy: string): Promise<void> {
    await m.query(`UPDATE complaints SET status = 'ACCEPTED', accepted_at = $2, decide_due_at = $3, handled_by = $4, version = version + 1 WHERE id = $1`, [
      id,
      at,
      decideDueAt,
      handledBy,
    ]);
  }

  async refuse(m: EntityManager, id: string, at: Date, reason: string, handledBy: string): Promise<void> {
    await m.query(`UPDATE complaints SET status = 'REFUSED', refused_at = $2, refusal_reason = $3, handled_by = $4, version = version + 1 WHERE id = $1`, [
      id,
      at,
      reason,
      handledBy,
    ]);
  }

  async decide(
    m: EntityManager,
    id: string,
    at: Date,
    decision: { decision: 'UPHELD' | 'DISMISSED'; text: string; remedy: ComplaintRemedy | null },
    handledBy: string,
  ): Promise<void> {
    await m.query(
      `UPDATE complaints SET status = 'DECIDED', decided_at = $2, decision = $3, decision_text = $4, handled_by = $5, remedy = $6, version = version + 1 WHERE id = $1`,
      [id, at, decision.decision, decision.text, handledBy, decision.remedy],
    );
  }

  async orderSuspension(m: EntityManager, id: string, at: Date, endsAt: Date | null): Promise<void> {
    await m.query(`UPDATE complaints SET suspension_ordered_at = $2, suspension_ends_at = $3 WHERE id = $1`, [id, at, endsAt]);
  }

  async liftSuspension(m: EntityManager, id: string, at: Date): Promise<void> {
    await m.query(`UPDATE complaints SET suspension_lifted_at = $2 WHERE id = $1`, [id, at]);
  }

  /** The tender's complaints in the order filed; `own`: only the bidder's (in clear, or by its blind index while sealed). */
  async idsOfTender(m: EntityManager, tenderId: string, own: { organizationId: string; blindIndex: string } | null): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM complaints WHERE tender_id = $1 ${own ? 'AND (complainant_organization_id = $2 OR complainant_blind_index = $3)' : ''} ORDER BY filed_at, id`,
      own ? [tenderId, own.organizationId, own.blindIndex] : [tenderId],
    );
    return rows.map((r) => r.id);
  }

  /** Read model (tenders, for the scope): the complaints matching the filter within the scope (`scopeCondition` on alias `st`), latest first: a page of ids and the total. */
  async list(
    m: EntityManager,
    filter: { status?: string; tenderId?: string },
    scopeCondition: TenderScopeCondition,
    page: { limit: number; offset: number },
  ): Promise<{ total: number; ids: string[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (filter.status) where.push(`status = ${p(filter.status)}`);
    if (filter.tenderId) where.push(`tender_id = ${p(filter.tenderId)}::uuid`);
    const cond = scopeCondition('st', p);
    if (cond) where.push(`tender_id IN (SELECT st.id FROM tenders st WHERE ${cond})`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total FROM complaints ${w}`, params);
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM complaints ${w} ORDER BY filed_at DESC, id LIMIT ${p(page.limit)} OFFSET ${p(page.offset)}`, params);
    return { total, ids: rows.map((r) => r.id) };
  }

  /**
   * Read model (procurement_challenges): the organisation's latest challenge (质疑) on this subject of the tender that
   * was answered or whose answer period ran out before `now`, or null.
   */
  async latestChallenge(m: EntityManager, tenderId: string, organizationId: string, subject: 'PROCESS' | 'AWARD', now: Date): Promise<{ id: string; answerDueAt: Date } | null> {
    const [c]: Array<{ id: string; answer_due_at: Date }> = await m.query(
      `SELECT id, answer_due_at FROM procurement_challenges
         WHERE tender_id = $1 AND organization_id = $2 AND subject = $3 AND (status = 'ANSWERED' OR answer_due_at < $4)
         ORDER BY answer_due_at DESC LIMIT 1`,
      [tenderId, organizationId, subject, now],
    );
    return c ? { id: c.id, answerDueAt: c.answer_due_at } : null;
  }

  /**
   * Read model (tender_objections, result_objections): the organisation's latest objection (异议) to the documents or
   * to the result that was answered, or whose answer period ran out before `now`, or null. `blindIndex`: an objection
   * to the documents filed while identities were sealed is found by it (issue 17).
   */
  async latestObjection(
    m: EntityManager,
    stage: 'DOCUMENTS' | 'RESULT',
    tenderId: string,
    organizationId: string,
    now: Date,
    blindIndex: string | null,
  ): Promise<PriorObjection | null> {
    const table = stage === 'DOCUMENTS' ? 'tender_objections' : 'result_objections';
    const orgColumn = stage === 'DOCUMENTS' ? 'organization_id' : 'objector_organization_id';
    const byBlindIndex = stage === 'DOCUMENTS' ? ` OR objector_blind_index = $4` : '';
    const [o]: Array<{ id: string; answered_at: Date | null; answer_due_at: Date }> = await m.query(
      `SELECT id, answered_at, answer_due_at FROM ${table}
         WHERE tender_id = $1 AND (${orgColumn} = $2${byBlindIndex}) AND (status = 'ANSWERED' OR answer_due_at < $3)
         ORDER BY coalesce(answered_at, answer_due_at) DESC LIMIT 1`,
      [tenderId, organizationId, now, ...(byBlindIndex ? [blindIndex] : [])],
    );
    return o ? { id: o.id, answeredAt: o.answered_at, answerDueAt: o.answer_due_at } : null;
  }

  /**
   * Read model (tender_document_downloads): whether the organisation downloaded the tender's documents — by its id
   * (a clear row) or by its notice organisation blind index (a row sealed to the identity key, issue 17).
   */
  async downloadedDocuments(m: EntityManager, tenderId: string, organizationId: string, orgBlindIndex: string): Promise<boolean> {
    const [d]: unknown[] = await m.query(`SELECT 1 FROM tender_document_downloads WHERE tender_id = $1 AND (organization_id = $2 OR recipient_org_blind_index = $3) LIMIT 1`, [
      tenderId,
      organizationId,
      orgBlindIndex,
    ]);
    return !!d;
  }

  /**
   * Read model (opening_objections, opening_records): the organisation's latest objection at the opening, answered or
   * left unanswered when the opening ended (the record's window closed), or null.
   */
  async latestOpeningObjection(m: EntityManager, tenderId: string, organizationId: string): Promise<{ id: string; answeredAt: Date | null; closedAt: Date | null } | null> {
    const [o]: Array<{ id: string; answered_at: Date | null; closed_at: Date | null }> = await m.query(
      `SELECT x.id, x.answered_at, r.window_closed_at AS closed_at
         FROM opening_objections x LEFT JOIN opening_records r ON r.tender_id = x.tender_id
         WHERE x.tender_id = $1 AND x.organization_id = $2 AND (x.status = 'ANSWERED' OR r.window_closed_at IS NOT NULL)
         ORDER BY coalesce(x.answered_at, r.window_closed_at) DESC LIMIT 1`,
      [tenderId, organizationId],
    );
    return o ? { id: o.id, answeredAt: o.answered_at, closedAt: o.closed_at } : null;
  }
}
