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
import { OpeningObjectionsRepository } from './opening-objections.repository';
import { OpeningRecordsRepository } from './opening-records.repository';
import { OpeningBidsRepository } from './opening-bids.repository';

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
    private readonly objections: OpeningObjectionsRepository,
    private readonly records: OpeningRecordsRepository,
    private readonly bidRows: OpeningBidsRepository,
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
      if (!(await this.bidRows.hasOpenedBid(m, tenderId, orgId))) throw new ForbiddenException('Only a bidder whose bid was opened takes part in the opening');
      const existing = await this.objections.idByRequest(m, requestSha256);
      if (existing) return { ...(await this.view(m, existing)), created: false };
      await this.assertOpen(m, tender);
      const now = await this.tx.now(m);
      const row = { id: await this.objections.insert(m, { tenderId, organizationId: orgId, raisedBy: actor.userId, text: body, raisedAt: now, requestSha256 }) };
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
      const o = await this.objections.lockOf(m, tenderId, objectionId);
      if (!o) throw new NotFoundException('The objection');
      if (o.status === 'ANSWERED') {
        if (o.answer === body) return this.view(m, objectionId); // the same answer again
        throw new ConflictException('The objection is already answered');
      }
      await this.assertOpen(m, tender);
      const now = await this.tx.now(m);
      await this.objections.markAnswered(m, objectionId, { answer: body, answeredBy: actor.userId, answeredAt: now });
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
          recipientOrganizationId: o.organizationId,
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
      participant = await this.bidRows.hasOpenedBid(m, tenderId, actor.organizationId);
    }
    if (!participant) throw new ForbiddenException('The objections at the opening are for the opening’s participants');
    return { items: await this.ofTender(m, tenderId) };
  }

  /** Every objection of the tender in order: what the opening record lists. */
  async ofTender(m: EntityManager, tenderId: string): Promise<OpeningObjectionView[]> {
    const ids = await this.objections.idsOf(m, tenderId);
    const out: OpeningObjectionView[] = [];
    for (const id of ids) out.push(await this.view(m, id));
    return out;
  }

  private async lockInProgress(m: EntityManager, tenderId: string, actor: Actor) {
    const tender = await this.tenders.lockVisible(m, tenderId, actor);
    // TBR Art. 44: at the opening — not before (nothing is opened), not after the record is made.
    if (!tender.openedAt) throw OpeningObjectionException.notInProgress('The opening has not taken place yet: an objection to the opening is raised at the opening (TBR Art. 44)');
    return tender;
  }

  private async assertOpen(m: EntityManager, tender: { id: string; status: TenderStatus; openedAt: Date | null }): Promise<void> {
    if (tender.status !== TenderStatus.OPENING || (await this.records.exists(m, tender.id))) {
      throw OpeningObjectionException.notInProgress('The opening is over (its record is made): objections at the opening are raised and answered on the spot (TBR Art. 44)');
    }
  }

  private async view(m: EntityManager, id: string): Promise<OpeningObjectionView> {
    const o = (await this.objections.find(m, id))!;
    return {
      id: o.id,
      tenderId: o.tenderId,
      organizationId: o.organizationId,
      bidderName: o.bidderName,
      text: o.text,
      raisedAt: iso(o.raisedAt)!,
      status: o.status,
      answer: o.answer,
      answeredAt: iso(o.answeredAt),
    };
  }
}
