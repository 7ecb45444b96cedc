import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ConflictException, ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { canonicalJson } from '../audit/canonical-json';
import { NotificationsService } from '../notifications/notifications.service';
import { TenderStatus } from '../tenders/tender.enums';
import { TendersService } from '../tenders/tenders.service';
import { OpeningObjectionException } from './opening.exception';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';

export interface OpeningObjectionView {
  id: string;
  tenderId: string;
  /** The objecting bidder: named, like every bidder read out at the opening (TBL Art. 36). */
  organizationId: string;
  bidderName: string;
  text: string;
  raisedAt: string;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  answeredAt: string | null;
}

/** As stored in the opening record (opening-record-v1 `objections`). */
export type OpeningRecordObjection = OpeningObjectionView;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * 开标异议 (TBR Art. 44 ¶3: "投标人对开标有异议的，应当在开标现场提出，招标人应当当场作出答复，并制作记录"; EB20 Art. 39:
 * for an e-tender, raised and answered through the platform):
 * - raised by a bidder whose bid was opened, only while the opening is in progress — from the opening at the deadline
 *   until the decryption window closes (the record is written then): before, 409 OPENING_NOT_IN_PROGRESS, after too;
 * - answered by the procuring entity (or its authorised agent) on the spot, i.e. also before the window closes;
 * - written into the opening record (JSON and PDF) when the window closes, answered or not — an objection left
 *   unanswered is recorded as such and counts from the opening for a complaint (TBR Art. 60 ¶2).
 * A repeated request (same bidder, same text) returns the same objection.
 */
@Injectable()
export class OpeningObjectionsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  async raise(tenderId: string, text: string, actor: Actor): Promise<OpeningObjectionView & { created: boolean }> {
    if (actor.role !== Role.BIDDER || !actor.organizationId) throw new ForbiddenException('An objection at the opening is raised by a bidder');
    const orgId = actor.organizationId;
    const body = text.trim();
    if (!body) throw new ValidationFailedException([{ field: 'text', errors: ['the objection states something'] }]);
    const requestSha256 = createHash('sha256')
      .update(canonicalJson({ tenderId, orgId, text: body }))
      .digest('hex');
    return this.tx.run(async (m) => {
      const tender = await this.lockInProgress(m, tenderId, actor);
      const [mine] = await m.query(`SELECT 1 FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 AND opened_at IS NOT NULL`, [tenderId, orgId]);
      if (!mine) throw new ForbiddenException('Only a bidder whose bid was opened takes part in the opening');
      const [existing] = await m.query(`SELECT id FROM opening_objections WHERE request_sha256 = $1`, [requestSha256]);
      if (existing) return { ...(await this.view(m, existing.id)), created: false };
      await this.assertOpen(m, tender);
      const now = await this.tx.now(m);
      const [row] = await m.query(
        `INSERT INTO opening_objections (tender_id, organization_id, raised_by, text, raised_at, request_sha256)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [tenderId, orgId, actor.userId, body, now, requestSha256],
      );
      await this.audit.append(m, {
        actor,
        action: 'OPENING_OBJECTION_RAISED',
        objectType: 'opening_objection',
        objectId: row.id,
        tenderId,
        data: { textSha256: createHash('sha256').update(body).digest('hex'), article: 'TBR Art. 44' },
      });
      await this.notifications.enqueue(m, [
        {
          recipientOrganizationId: tender.procuringEntityId,
          tenderId,
          topic: 'OPENING_OBJECTION_RAISED',
          subject: `【开标异议】${tender.title}`,
          body: `投标人在开标现场提出异议，请当场答复（招标投标法实施条例第四十四条）。\n\n${body}`,
          dedupeKey: `opening-objection-${row.id}-raised`,
        },
      ]);
      return { ...(await this.view(m, row.id)), created: true };
    });
  }

  async answer(tenderId: string, objectionId: string, answer: string, actor: Actor): Promise<OpeningObjectionView> {
    const body = answer.trim();
    if (!body) throw new ValidationFailedException([{ field: 'answer', errors: ['the answer states something'] }]);
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      const [o] = await m.query(`SELECT * FROM opening_objections WHERE id = $1 AND tender_id = $2 FOR UPDATE`, [objectionId, tenderId]);
      if (!o) throw new NotFoundException('The objection');
      if (o.status === 'ANSWERED') {
        if (o.answer === body) return this.view(m, objectionId); // the same answer again
        throw new ConflictException('The objection is already answered');
      }
      await this.assertOpen(m, tender);
      const now = await this.tx.now(m);
      await m.query(`UPDATE opening_objections SET status = 'ANSWERED', answer = $2, answered_by = $3, answered_at = $4 WHERE id = $1`, [objectionId, body, actor.userId, now]);
      await this.audit.append(m, {
        actor,
        action: 'OPENING_OBJECTION_ANSWERED',
        objectType: 'opening_objection',
        objectId: objectionId,
        tenderId,
        data: { answerSha256: createHash('sha256').update(body).digest('hex'), article: 'TBR Art. 44' },
      });
      await this.notifications.enqueue(m, [
        {
          recipientOrganizationId: o.organization_id,
          tenderId,
          topic: 'OPENING_OBJECTION_ANSWERED',
          subject: `【开标异议答复】${tender.title}`,
          body,
          dedupeKey: `opening-objection-${objectionId}-answered`,
        },
      ]);
      return this.view(m, objectionId);
    });
  }

  /** The opening's participants (bidders whose bids were opened, the procuring entity, supervisors) see every objection. */
  async list(tenderId: string, actor: Actor): Promise<{ items: OpeningObjectionView[] }> {
    const m = this.tx.manager;
    const tender = await this.tenders.findVisible(m, tenderId, actor);
    // A county supervisor or sector regulator: its own tenders only, 404 outside (issue 19).
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    if (!tender.openedAt) throw OpeningObjectionException.notInProgress('The opening has not taken place yet');
    let participant = actor.role === Role.SUPERVISOR || (await this.tenders.actsForOwner(m, tender, actor));
    if (!participant && actor.role === Role.BIDDER && actor.organizationId) {
      const [b] = await m.query(`SELECT 1 FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 AND opened_at IS NOT NULL`, [tenderId, actor.organizationId]);
      participant = !!b;
    }
    if (!participant) throw new ForbiddenException('The objections at the opening are for the opening’s participants');
    return { items: await this.ofTender(m, tenderId) };
  }

  /** Every objection of the tender in order: what the opening record lists. */
  async ofTender(m: EntityManager, tenderId: string): Promise<OpeningObjectionView[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM opening_objections WHERE tender_id = $1 ORDER BY raised_at, id`, [tenderId]);
    const out: OpeningObjectionView[] = [];
    for (const r of rows) out.push(await this.view(m, r.id));
    return out;
  }

  private async lockInProgress(m: EntityManager, tenderId: string, actor: Actor) {
    const tender = await this.tenders.lockVisible(m, tenderId, actor);
    // TBR Art. 44: at the opening — not before (nothing is opened), not after the record is made.
    if (!tender.openedAt) throw OpeningObjectionException.notInProgress('The opening has not taken place yet: an objection to the opening is raised at the opening (TBR Art. 44)');
    return tender;
  }

  private async assertOpen(m: EntityManager, tender: { id: string; status: TenderStatus; openedAt: Date | null }): Promise<void> {
    const [rec] = await m.query(`SELECT 1 FROM opening_records WHERE tender_id = $1`, [tender.id]);
    if (tender.status !== TenderStatus.OPENING || rec) {
      throw OpeningObjectionException.notInProgress('The opening is over (its record is made): objections at the opening are raised and answered on the spot (TBR Art. 44)');
    }
  }

  private async view(m: EntityManager, id: string): Promise<OpeningObjectionView> {
    const [o] = await m.query(`SELECT x.*, org.name AS bidder_name FROM opening_objections x JOIN organizations org ON org.id = x.organization_id WHERE x.id = $1`, [id]);
    return {
      id: o.id,
      tenderId: o.tender_id,
      organizationId: o.organization_id,
      bidderName: o.bidder_name,
      text: o.text,
      raisedAt: iso(o.raised_at)!,
      status: o.status,
      answer: o.answer,
      answeredAt: iso(o.answered_at),
    };
  }
}
