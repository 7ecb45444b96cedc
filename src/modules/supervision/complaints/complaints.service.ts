import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEventMap, DomainEvents, HandlerOrder, OnEvent } from 'src/common/events/domain-events';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { Role } from 'src/common/auth/role.enum';
import { Page } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { canonicalJson } from 'src/modules/audit/canonical-json';
import { LegalCalendarService } from 'src/modules/tenders/legal-calendar/legal-calendar.service';
import { TenderSuspensionService } from 'src/modules/tenders/tender-suspension.service';
import { TenderStateMachine } from 'src/modules/tenders/tender-state-machine';
import { TenderEntity } from 'src/modules/tenders/tender.entity';
import { OBJECTOR_SEALED } from 'src/modules/tenders/tender-objection.entity';
import { IdentityKeyService } from 'src/modules/custody/identity-key.service';
import { TenderStatus } from 'src/modules/tenders/tender.enums';
import { TendersService } from 'src/modules/tenders/tenders.service';
import { sealedBidderActor } from 'src/modules/bids/bid-identity-sealer';
import { NotificationsService } from 'src/modules/notifications/notifications.service';
import { ScheduledEventEntity } from 'src/modules/scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { AuditService } from '../../audit/audit.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { SupervisionException } from '../supervision.exception';
import { acceptDue, ComplaintRemedy, decideDue, filingDeadline, Regime, suspensionEnd } from './complaint-rules';
import { ComplaintQueryDto, ComplaintStatus, FileComplaintDto, HandleComplaintDto } from './dto/complaint.dto';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';

export interface ComplaintView {
  id: string;
  tenderId: string;
  complainantOrganizationId: string;
  complainantName: string;
  stage: string;
  objectionId: string | null;
  text: string;
  /** When the 10 days (15 working days) started: the answer to the objection, the opening, or the stated day. */
  knownAt: string;
  filingDeadline: string;
  filedAt: string;
  /** 3 working days to accept or refuse (TBR Art. 61; procurement 5, MOF94). */
  acceptDueAt: string;
  /** 30 working days to decide (TBR Art. 61; GPL Art. 56), set once accepted. */
  decideDueAt: string | null;
  status: ComplaintStatus;
  refusalReason: string | null;
  acceptedAt: string | null;
  refusedAt: string | null;
  decision: 'UPHELD' | 'DISMISSED' | null;
  decisionText: string | null;
  decidedAt: string | null;
  /** Past its due time (by the database clock) and not yet handled, or handled late. */
  overdue: { accept: boolean; decide: boolean };
  /** A suspension of the tender ordered on acceptance (TBR Art. 62; GPL Art. 57): until the decision, procurement ≤ 30 days. */
  suspension: { orderedAt: string; endsAt: string | null; liftedAt: string | null } | null;
  /** What an upheld complaint changed: RE_EVALUATION or RE_TENDER. */
  remedy: ComplaintRemedy | null;
}

interface ComplaintRow {
  id: string;
  tender_id: string;
  regime: Regime;
  suspension_ordered_at: Date | null;
  suspension_lifted_at: Date | null;
}

const FINAL: TenderStatus[] = [TenderStatus.DRAFT, TenderStatus.CONTRACTED, TenderStatus.FAILED, TenderStatus.CANCELLED];

const TRANSITIONS: Record<ComplaintStatus, ComplaintStatus[]> = { FILED: ['ACCEPTED', 'REFUSED'], ACCEPTED: ['DECIDED'], REFUSED: [], DECIDED: [] };
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Platform-tier purpose of the sealed complainant (issue 17): blind index, seal, keyed request digest. */
const COMPLAINANT_SEALED = 'complainant';
const complainantAad = (tenderId: string, blindIndex: string) => `complainant|${tenderId}|${blindIndex}`;
interface SealedComplainant {
  organizationId: string;
  userId: string;
  /** The plain request digest, put back at the deadline. */
  requestSha256: string;
}

/**
 * Complaints (投诉, TBR Arts. 60–61; GPL Arts. 55–56): filed by a bidder after its objection (where the law requires
 * one), accepted or refused by a supervisor, then decided; each deadline is computed with the legal calendar and shown.
 */
@Injectable()
export class ComplaintsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly calendars: LegalCalendarService,
    private readonly tenders: TendersService,
    private readonly suspension: TenderSuspensionService,
    private readonly stateMachine: TenderStateMachine,
    private readonly scheduler: SchedulerService,
    private readonly events: DomainEvents,
    private readonly notifications: NotificationsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly identityKeys: IdentityKeyService,
    private readonly organizations: OrganizationsRepository,
  ) {}

  @OnTimedEvent(ScheduledEventKind.ComplaintSuspensionEnd)
  async onComplaintSuspensionEnd(m: EntityManager, e: ScheduledEventEntity): Promise<void> {
    await this.onSuspensionEnd(m, e);
  }

  /** Sealed identities (issue 17): at the deadline the complainants of the tender are named in clear again. */
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /** The blind index of a complainant (key derived from SEALING_MASTER_KEY): finds its complaints while sealed. */
  private complainantBlindIndex(tenderId: string, organizationId: string): string {
    return this.identityKeys.blindIndex(COMPLAINANT_SEALED, tenderId, organizationId);
  }

  private complainant(c: {
    tender_id: string;
    complainant_organization_id: string | null;
    filed_by: string | null;
    complainant_blind_index: string | null;
    complainant_sealed: string | null;
  }): SealedComplainant {
    if (c.complainant_organization_id && !c.complainant_sealed) return { organizationId: c.complainant_organization_id, userId: c.filed_by!, requestSha256: '' };
    return this.identityKeys.platformOpen<SealedComplainant>(COMPLAINANT_SEALED, c.complainant_sealed!, complainantAad(c.tender_id, c.complainant_blind_index!));
  }

  /** At the deadline: the complainants filled in clear (and the plain request digest), audited (COMPLAINT_IDENTITIES_UNSEALED). */
  async unsealTender(m: EntityManager, tenderId: string): Promise<number> {
    const rows: Array<{ id: string; tender_id: string; complainant_organization_id: null; filed_by: null; complainant_blind_index: string; complainant_sealed: string }> =
      await m.query(
        `SELECT id, tender_id, complainant_organization_id, filed_by, complainant_blind_index, complainant_sealed FROM complaints
       WHERE tender_id = $1 AND complainant_sealed IS NOT NULL ORDER BY filed_at, id FOR UPDATE`,
        [tenderId],
      );
    const complainants: Array<{ complaintId: string; organizationId: string; userId: string }> = [];
    for (const c of rows) {
      const who = this.complainant(c);
      await m.query(
        `UPDATE complaints SET complainant_organization_id = $2, filed_by = $3, request_sha256 = $4, complainant_blind_index = NULL, complainant_sealed = NULL WHERE id = $1`,
        [c.id, who.organizationId, who.userId, who.requestSha256],
      );
      complainants.push({ complaintId: c.id, organizationId: who.organizationId, userId: who.userId });
    }
    if (rows.length) {
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'COMPLAINT_IDENTITIES_UNSEALED',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { complaints: rows.length, complainants },
      });
    }
    return rows.length;
  }

  /** POST /tenders/{id}/complaints (BIDDER). The same request again returns the same complaint. */
  async file(tenderId: string, dto: FileComplaintDto, actor: Actor): Promise<ComplaintView & { created: boolean }> {
    if (!actor.organizationId) throw SupervisionException.forbidden('A complaint is filed by a bidder organisation');
    const orgId = actor.organizationId;
    if (dto.stage !== 'OTHER' && dto.knownAt !== undefined) {
      throw SupervisionException.invalid([{ field: 'knownAt', errors: ['knownAt is given for OTHER complaints only; the other stages count from the objection or the opening'] }]);
    }
    const text = dto.text.trim();
    const request = Buffer.from(canonicalJson({ tenderId, orgId, stage: dto.stage, knownAt: dto.knownAt ?? null, text }), 'utf8');
    const requestSha256 = createHash('sha256').update(request).digest('hex');
    // While sealed the row holds a keyed digest: the plain one could be tested against every organisation (the text
    // is in the row).
    const requestHmac = this.identityKeys.platformDigest(COMPLAINANT_SEALED, request);
    return this.tx.run(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`complaint:${requestSha256}`]);
      const [existing] = await m.query(`SELECT id FROM complaints WHERE request_sha256 = ANY($1::char(64)[])`, [[requestSha256, requestHmac]]);
      if (existing) return { ...(await this.view(m, existing.id)), created: false };
      const [tender]: Array<{ regime: Regime; opened_at: Date | null }> = await m.query(`SELECT regime, opened_at FROM tenders WHERE id = $1`, [tenderId]);
      if (!tender) throw SupervisionException.notFound('The tender');
      const now = await this.tx.now(m);
      const { knownAt, objectionId } = await this.startOfPeriod(m, tenderId, tender, orgId, dto, now);
      const cal = await this.calendars.calendar(m);
      const deadline = filingDeadline(cal, tender.regime, knownAt);
      // TBR Art. 60 / GPL Art. 55: a maximum period, never relaxed (LEGAL_PERIODS=relaxed lifts minimum periods only).
      if (now.getTime() > deadline.at.getTime()) {
        throw SupervisionException.legalPeriod(
          `A complaint must be filed within ${deadline.days} ${deadline.unit === 'WORKING_DAYS' ? 'working days' : 'days'} (${deadline.article}); the period ended ${deadline.at.toISOString()}`,
          { rule: 'COMPLAINT_WITHIN_PERIOD', article: deadline.article, latest: deadline.at.toISOString(), knownAt: knownAt.toISOString() },
        );
      }
      const accept = acceptDue(cal, tender.regime, now);
      // Sealed identities (issue 17): a complaint filed before the deadline of a tender that seals identities (e.g.
      // about the documents) names its complainant only sealed — platform tier: the supervisors handling it read it
      // through the API; a dump does not (TBL Art. 22).
      const sealed = await this.identityKeys.sealsIdentities(m, tenderId);
      const blindIndex = sealed ? this.complainantBlindIndex(tenderId, orgId) : null;
      const [row] = await m.query(
        `INSERT INTO complaints (tender_id, complainant_organization_id, filed_by, stage, objection_id, text, known_at, filing_deadline, filed_at,
                                 accept_due_at, request_sha256, complainant_blind_index, complainant_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
        [
          tenderId,
          sealed ? null : orgId,
          sealed ? null : actor.userId,
          dto.stage,
          objectionId,
          text,
          knownAt,
          deadline.at,
          now,
          accept.at,
          sealed ? requestHmac : requestSha256,
          blindIndex,
          blindIndex
            ? this.identityKeys.platformSeal(
                COMPLAINANT_SEALED,
                { organizationId: orgId, userId: actor.userId, requestSha256 } satisfies SealedComplainant,
                complainantAad(tenderId, blindIndex),
              )
            : null,
        ],
      );
      await this.audit.append(m, {
        actor: sealed ? sealedBidderActor(actor) : actor, // the complainant is in the sealed row until the deadline
        action: 'COMPLAINT_FILED',
        objectType: 'complaint',
        objectId: row.id,
        tenderId,
        data: {
          stage: dto.stage,
          objectionId,
          knownAt: knownAt.toISOString(),
          filingDeadline: deadline.at.toISOString(),
          acceptDueAt: accept.at.toISOString(),
          textSha256: createHash('sha256').update(text).digest('hex'),
        },
      });
      return { ...(await this.view(m, row.id)), created: true };
    });
  }

  /** PATCH /supervision/complaints/{id} (SUPERVISOR): FILED → ACCEPTED | REFUSED; ACCEPTED → DECIDED. */
  async handle(id: string, dto: HandleComplaintDto, actor: Actor): Promise<ComplaintView> {
    return this.tx.run(async (m) => {
      const [c] = await m.query(`SELECT c.*, t.regime FROM complaints c JOIN tenders t ON t.id = c.tender_id WHERE c.id = $1 FOR UPDATE OF c`, [id]);
      if (!c) throw SupervisionException.notFound('The complaint');
      // Only the supervisors of the tender's jurisdiction and trade handle it (TBR Art. 4 ¶2 (not in regulations.md; from the statute text); EB20 Art. 51).
      await this.jurisdictions.assertTenderInScope(m, actor, c.tender_id, 'The complaint');
      const status = c.status as ComplaintStatus;
      if (dto.status === status) {
        const same =
          (status === 'REFUSED' && (dto.reason === undefined || dto.reason.trim() === c.refusal_reason)) ||
          (status === 'ACCEPTED' && dto.reason === undefined && (dto.suspend === undefined || dto.suspend === (c.suspension_ordered_at !== null))) ||
          (status === 'DECIDED' &&
            (dto.decision === undefined || dto.decision === c.decision) &&
            (dto.decisionText === undefined || dto.decisionText.trim() === c.decision_text) &&
            (dto.remedy === undefined || dto.remedy === c.remedy));
        if (same) return this.view(m, id);
        throw SupervisionException.conflict(`The complaint is already ${status}`);
      }
      if (!TRANSITIONS[status].includes(dto.status)) throw SupervisionException.transition(status, dto.status, TRANSITIONS[status]);
      const now = await this.tx.now(m);
      const errors: Array<{ field: string; errors: string[] }> = [];
      if (dto.status === 'REFUSED' && !dto.reason) errors.push({ field: 'reason', errors: ['a refusal states its reason (TBR Art. 61)'] });
      if (dto.status === 'DECIDED' && !dto.decision) errors.push({ field: 'decision', errors: ['UPHELD or DISMISSED'] });
      if (dto.status === 'DECIDED' && !dto.decisionText) errors.push({ field: 'decisionText', errors: ['the decision (处理决定) is written'] });
      if (dto.status !== 'DECIDED' && (dto.decision || dto.decisionText)) errors.push({ field: 'decision', errors: ['decision belongs to DECIDED'] });
      if (dto.suspend !== undefined && dto.status !== 'ACCEPTED') errors.push({ field: 'suspend', errors: ['a suspension is ordered on acceptance (TBR Art. 62)'] });
      if (dto.remedy !== undefined && !(dto.status === 'DECIDED' && dto.decision === 'UPHELD')) errors.push({ field: 'remedy', errors: ['a remedy follows an UPHELD decision'] });
      if (errors.length) throw SupervisionException.invalid(errors);
      // The tender, locked after its pending timed events (the order the scheduler takes them): a suspension or a
      // remedy changes it, and is checked against its status before anything is written.
      const tender = dto.suspend || dto.remedy || c.suspension_ordered_at ? await this.lockTender(m, c.tender_id) : null;
      if (dto.suspend && tender && FINAL.includes(tender.status)) {
        throw SupervisionException.conflict(`The tender is ${tender.status}: there is nothing to suspend`, { rule: 'SUSPEND_LIVE_TENDER', article: 'TBR Art. 62' });
      }
      if (dto.remedy === 'RE_EVALUATION' && tender!.status !== TenderStatus.PUBLICITY) {
        throw SupervisionException.conflict(`The tender is ${tender!.status}: a re-evaluation is ordered while the result is in publicity (or announced) and not yet awarded`, {
          rule: 'REMEDY_NOT_APPLICABLE',
          remedy: dto.remedy,
        });
      }
      if (dto.remedy === 'RE_TENDER' && FINAL.includes(tender!.status)) {
        throw SupervisionException.conflict(`The tender is ${tender!.status}: it cannot be re-tendered by decision`, { rule: 'REMEDY_NOT_APPLICABLE', remedy: dto.remedy });
      }
      let late = false;
      if (dto.status === 'ACCEPTED') {
        const cal = await this.calendars.calendar(m);
        const due = decideDue(cal, c.regime, new Date(c.filed_at), now);
        late = now.getTime() > new Date(c.accept_due_at).getTime();
        await m.query(`UPDATE complaints SET status = 'ACCEPTED', accepted_at = $2, decide_due_at = $3, handled_by = $4, version = version + 1 WHERE id = $1`, [
          id,
          now,
          due.at,
          actor.userId,
        ]);
        if (dto.suspend) await this.orderSuspension(m, c, tender!, cal, now, actor);
      } else if (dto.status === 'REFUSED') {
        late = now.getTime() > new Date(c.accept_due_at).getTime();
        await m.query(`UPDATE complaints SET status = 'REFUSED', refused_at = $2, refusal_reason = $3, handled_by = $4, version = version + 1 WHERE id = $1`, [
          id,
          now,
          dto.reason!.trim(),
          actor.userId,
        ]);
      } else {
        late = c.decide_due_at !== null && now.getTime() > new Date(c.decide_due_at).getTime();
        await m.query(
          `UPDATE complaints SET status = 'DECIDED', decided_at = $2, decision = $3, decision_text = $4, handled_by = $5, remedy = $6, version = version + 1 WHERE id = $1`,
          [id, now, dto.decision, dto.decisionText!.trim(), actor.userId, dto.remedy ?? null],
        );
      }
      await this.audit.append(m, {
        actor,
        action: `COMPLAINT_${dto.status}`,
        objectType: 'complaint',
        objectId: id,
        tenderId: c.tender_id,
        // A department acting after its statutory time is recorded as late, not refused: the act stands (TBR Art. 61).
        data: { from: status, to: dto.status, late, ...(dto.decision ? { decision: dto.decision } : {}), ...(dto.remedy ? { remedy: dto.remedy } : {}) },
      });
      if (dto.status === 'DECIDED') {
        // The decision ends the complaint's suspension (TBR Art. 62); then the remedy changes the tender.
        if (c.suspension_ordered_at && !c.suspension_lifted_at) await this.liftSuspension(m, c, tender!, now, actor, 'DECIDED');
        if (dto.remedy) await this.applyRemedy(m, c, tender!, dto.remedy, actor);
      }
      return this.view(m, id);
    });
  }

  /** GET /tenders/{id}/complaints: supervisors see all, a bidder its own. */
  async ofTender(tenderId: string, actor: Actor): Promise<ComplaintView[]> {
    const m = this.tx.manager;
    const [t] = await m.query(`SELECT 1 FROM tenders WHERE id = $1`, [tenderId]);
    if (!t) throw SupervisionException.notFound('The tender');
    await this.jurisdictions.assertTenderInScope(m, actor, tenderId);
    const own = actor.role === Role.BIDDER;
    // A bidder's own: in clear, or (before the deadline) found by its blind index.
    const org = actor.organizationId ?? '00000000-0000-0000-0000-000000000000';
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM complaints WHERE tender_id = $1 ${own ? 'AND (complainant_organization_id = $2 OR complainant_blind_index = $3)' : ''} ORDER BY filed_at, id`,
      own ? [tenderId, org, this.complainantBlindIndex(tenderId, org)] : [tenderId],
    );
    return Promise.all(rows.map((r) => this.view(m, r.id)));
  }

  async list(q: ComplaintQueryDto, actor: Actor | null = null): Promise<Page<ComplaintView>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (q.status) where.push(`status = ${p(q.status)}`);
    if (q.tenderId) where.push(`tender_id = ${p(q.tenderId)}::uuid`);
    const m = this.tx.manager;
    // A scoped supervisor lists the complaints of its jurisdiction's (and trades') tenders only.
    const cond = this.jurisdictions.tenderCondition(await this.jurisdictions.scopeOf(m, actor), 'st', p);
    if (cond) where.push(`tender_id IN (SELECT st.id FROM tenders st WHERE ${cond})`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await m.query(`SELECT count(*)::int AS total FROM complaints ${w}`, params);
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM complaints ${w} ORDER BY filed_at DESC, id LIMIT ${p(q.pageSize)} OFFSET ${p((q.page - 1) * q.pageSize)}`,
      params,
    );
    const items: ComplaintView[] = [];
    for (const r of rows) items.push(await this.view(m, r.id));
    return { items, total };
  }

  async get(id: string, actor: Actor | null = null): Promise<ComplaintView> {
    const view = await this.view(this.tx.manager, id);
    await this.jurisdictions.assertTenderInScope(this.tx.manager, actor, view.tenderId, 'The complaint');
    return view;
  }

  /** Where the filing period starts, after checking the objection the stage needs (complaint-rules.ts). */
  private async startOfPeriod(
    m: EntityManager,
    tenderId: string,
    tender: { regime: Regime; opened_at: Date | null },
    orgId: string,
    dto: FileComplaintDto,
    now: Date,
  ): Promise<{ knownAt: Date; objectionId: string | null }> {
    const procurement = tender.regime === 'GOV_PROCUREMENT';
    if (procurement && (dto.stage === 'OPENING' || dto.stage === 'RESULT')) {
      // GPL Art. 55: after the complainant's challenge (质疑) to the process (the opening) or to the award, 15 working
      // days from the end of its answer period.
      const subject = dto.stage === 'OPENING' ? 'PROCESS' : 'AWARD';
      const [c]: Array<{ id: string; answer_due_at: Date }> = await m.query(
        `SELECT id, answer_due_at FROM procurement_challenges
         WHERE tender_id = $1 AND organization_id = $2 AND subject = $3 AND (status = 'ANSWERED' OR answer_due_at < $4)
         ORDER BY answer_due_at DESC LIMIT 1`,
        [tenderId, orgId, subject, now],
      );
      if (c) return { knownAt: new Date(c.answer_due_at), objectionId: c.id };
      if (dto.stage === 'OPENING') {
        throw SupervisionException.objectionRequired(
          'A procurement complaint about the process follows a challenge (质疑) to it, answered or past its answer period (GPL Art. 55)',
          {
            stage: dto.stage,
            article: 'GPL Art. 55',
          },
        );
      }
    }
    if (dto.stage === 'DOCUMENTS' || dto.stage === 'RESULT') {
      const table = dto.stage === 'DOCUMENTS' ? 'tender_objections' : 'result_objections';
      const orgColumn = dto.stage === 'DOCUMENTS' ? 'organization_id' : 'objector_organization_id';
      // The latest objection of the complainant that was answered, or whose answer period has run out. An objection to
      // the documents filed before the deadline of a tender that seals identities is found by its blind index (issue 17).
      const byBlindIndex = dto.stage === 'DOCUMENTS' ? ` OR objector_blind_index = $4` : '';
      const [o]: Array<{ id: string; answered_at: Date | null; answer_due_at: Date }> = await m.query(
        `SELECT id, answered_at, answer_due_at FROM ${table}
         WHERE tender_id = $1 AND (${orgColumn} = $2${byBlindIndex}) AND (status = 'ANSWERED' OR answer_due_at < $3)
         ORDER BY coalesce(answered_at, answer_due_at) DESC LIMIT 1`,
        [tenderId, orgId, now, ...(byBlindIndex ? [this.identityKeys.blindIndex(OBJECTOR_SEALED, tenderId, orgId)] : [])],
      );
      if (!o) {
        throw SupervisionException.objectionRequired(
          procurement
            ? 'A procurement complaint follows a challenge (质疑) that was answered or went unanswered past its period (GPL Art. 55)'
            : `A complaint about the ${dto.stage === 'DOCUMENTS' ? 'tender documents' : 'evaluation result'} needs an objection (异议) first, answered or past its answer period (TBR Art. 60 ¶2)`,
          { stage: dto.stage, article: procurement ? 'GPL Art. 55' : 'TBR Art. 60' },
        );
      }
      // Engineering: the objection's time is not counted, the 10 days run from the answer (TBR Art. 60 ¶2).
      // Procurement: 15 working days after the answer period ends (GPL Art. 55 "答复期满后").
      const knownAt = procurement ? new Date(o.answer_due_at) : new Date(o.answered_at ?? o.answer_due_at);
      return { knownAt, objectionId: o.id };
    }
    if (procurement) {
      throw SupervisionException.objectionRequired('A procurement complaint follows a challenge (质疑) on the documents or the result (GPL Art. 55)', {
        stage: dto.stage,
        article: 'GPL Art. 55',
      });
    }
    if (dto.stage === 'OPENING') {
      // TBR Art. 60 ¶2 with Art. 44: the complainant objected at the opening first (recorded on the platform); the
      // 10 days run from the answer given on the spot, or — none given — from the end of the opening (the record).
      const [o]: Array<{ id: string; answered_at: Date | null; closed_at: Date | null }> = await m.query(
        `SELECT x.id, x.answered_at, r.window_closed_at AS closed_at
         FROM opening_objections x LEFT JOIN opening_records r ON r.tender_id = x.tender_id
         WHERE x.tender_id = $1 AND x.organization_id = $2 AND (x.status = 'ANSWERED' OR r.window_closed_at IS NOT NULL)
         ORDER BY coalesce(x.answered_at, r.window_closed_at) DESC LIMIT 1`,
        [tenderId, orgId],
      );
      if (!o || !tender.opened_at) {
        throw SupervisionException.objectionRequired(
          'A complaint about the opening follows the complainant’s objection at the opening, answered or left unanswered when the opening ended (TBR Arts. 44, 60)',
          {
            stage: dto.stage,
            article: 'TBR Art. 44',
          },
        );
      }
      return { knownAt: new Date(o.answered_at ?? o.closed_at!), objectionId: o.id };
    }
    if (!dto.knownAt) throw SupervisionException.invalid([{ field: 'knownAt', errors: ['OTHER complaints state when the complainant knew (TBR Art. 60)'] }]);
    const knownAt = new Date(dto.knownAt);
    if (knownAt.getTime() > now.getTime()) throw SupervisionException.invalid([{ field: 'knownAt', errors: ['knownAt cannot be in the future'] }]);
    return { knownAt, objectionId: null };
  }

  private async view(m: EntityManager, id: string): Promise<ComplaintView> {
    const [c] = await m.query(`SELECT c.*, clock_timestamp() AS now FROM complaints c WHERE c.id = $1`, [id]);
    if (!c) throw SupervisionException.notFound('The complaint');
    // The API may name a sealed complainant (its callers are the complainant itself and supervisors); the table does not.
    const complainantOrganizationId = this.complainant(c).organizationId;
    const complainantName = (await this.organizations.findById(m, complainantOrganizationId))?.name ?? '';
    const now = new Date(c.now).getTime();
    const acceptedOrRefused = c.accepted_at ?? c.refused_at;
    return {
      id: c.id,
      tenderId: c.tender_id,
      complainantOrganizationId,
      complainantName,
      stage: c.stage,
      objectionId: c.objection_id,
      text: c.text,
      knownAt: iso(c.known_at)!,
      filingDeadline: iso(c.filing_deadline)!,
      filedAt: iso(c.filed_at)!,
      acceptDueAt: iso(c.accept_due_at)!,
      decideDueAt: iso(c.decide_due_at),
      status: c.status,
      refusalReason: c.refusal_reason,
      acceptedAt: iso(c.accepted_at),
      refusedAt: iso(c.refused_at),
      decision: c.decision,
      decisionText: c.decision_text,
      decidedAt: iso(c.decided_at),
      overdue: {
        accept: (acceptedOrRefused ? new Date(acceptedOrRefused).getTime() : now) > new Date(c.accept_due_at).getTime(),
        decide: c.decide_due_at !== null && (c.decided_at ? new Date(c.decided_at).getTime() : now) > new Date(c.decide_due_at).getTime(),
      },
      suspension: c.suspension_ordered_at ? { orderedAt: iso(c.suspension_ordered_at)!, endsAt: iso(c.suspension_ends_at), liftedAt: iso(c.suspension_lifted_at) } : null,
      remedy: c.remedy,
    };
  }

  private async lockTender(m: EntityManager, tenderId: string): Promise<TenderEntity> {
    await this.tenders.lockPendingEvents(m, tenderId);
    return this.stateMachine.lock(m, tenderId);
  }

  /**
   * TBR Art. 62 (engineering: "必要时，行政监督部门可以责令暂停招标投标活动"); GPL Art. 57 (procurement: at most 30 days,
   * the COMPLAINT_SUSPENSION_END event lifts it then).
   */
  private async orderSuspension(m: EntityManager, c: ComplaintRow, tender: TenderEntity, cal: Awaited<ReturnType<LegalCalendarService['calendar']>>, now: Date, actor: Actor) {
    const end = suspensionEnd(cal, c.regime, now);
    await m.query(`UPDATE complaints SET suspension_ordered_at = $2, suspension_ends_at = $3 WHERE id = $1`, [c.id, now, end?.at ?? null]);
    if (end) await this.scheduler.plan(m, { kind: ScheduledEventKind.ComplaintSuspensionEnd, subjectId: c.id, tenderId: tender.id, runAt: end.at });
    await this.suspension.suspend(
      m,
      tender,
      now,
      { reason: 'COMPLAINT_ACCEPTED', complaintId: c.id, article: end ? 'GPL Art. 57' : 'TBR Art. 62', endsAt: end?.at.toISOString() ?? null },
      actor,
    );
    await this.audit.append(m, {
      actor,
      action: 'COMPLAINT_SUSPENSION_ORDERED',
      objectType: 'complaint',
      objectId: c.id,
      tenderId: tender.id,
      data: { endsAt: end?.at.toISOString() ?? null, article: end ? 'GPL Art. 57' : 'TBR Art. 62' },
    });
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: tender.procuringEntityId,
        tenderId: tender.id,
        topic: 'TENDER_SUSPENDED',
        subject: `【暂停招标投标活动】${tender.title}`,
        body: `行政监督部门受理投诉并责令暂停招标投标活动${end ? `，至迟于 ${end.at.toISOString()} 结束（政府采购法第五十七条）` : '，直至作出处理决定（招标投标法实施条例第六十二条）'}。`,
        dedupeKey: `complaint-${c.id}-suspension`,
      },
    ]);
  }

  private async liftSuspension(m: EntityManager, c: ComplaintRow, tender: TenderEntity, now: Date, actor: Actor, why: 'DECIDED' | 'PERIOD_ENDED') {
    await m.query(`UPDATE complaints SET suspension_lifted_at = $2 WHERE id = $1`, [c.id, now]);
    await this.scheduler.cancel(m, ScheduledEventKind.ComplaintSuspensionEnd, c.id);
    await this.audit.append(m, { actor, action: 'COMPLAINT_SUSPENSION_LIFTED', objectType: 'complaint', objectId: c.id, tenderId: tender.id, data: { why } });
    await this.suspension.resumeIfClear(m, tender, now);
  }

  /** An upheld complaint changes the tender (TBR Art. 62; MOF94): evaluate again, or fail it for a re-tender. */
  private async applyRemedy(m: EntityManager, c: ComplaintRow, tender: TenderEntity, remedy: ComplaintRemedy, actor: Actor) {
    if (remedy === 'RE_EVALUATION') {
      await this.events.emit(m, 'ReEvaluationOrdered', { tenderId: tender.id, complaintId: c.id }, actor);
    } else {
      const reason = `a complaint was upheld: re-tender (TBR Art. 62) — complaint ${c.id}`;
      if (tender.status === TenderStatus.PUBLISHED) await this.scheduler.cancel(m, ScheduledEventKind.BidDeadline, tender.id);
      await this.stateMachine.transition(m, tender.id, TenderStatus.FAILED, actor, { reason, patch: { suspendedAt: null }, data: { complaintId: c.id } });
      await this.events.emit(m, 'TenderFailed', { tenderId: tender.id, reason }, actor);
    }
    await this.notifications.enqueue(m, [
      {
        recipientOrganizationId: tender.procuringEntityId,
        tenderId: tender.id,
        topic: 'COMPLAINT_UPHELD',
        subject: `【投诉处理决定】${tender.title}`,
        body: remedy === 'RE_EVALUATION' ? '投诉成立，责令评标委员会重新评审。' : '投诉成立，本次招标失败，须重新招标。',
        dedupeKey: `complaint-${c.id}-remedy`,
      },
    ]);
  }

  /** COMPLAINT_SUSPENSION_END: a procurement suspension reached its 30 days (GPL Art. 57) before the decision. */
  private async onSuspensionEnd(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const [c]: ComplaintRow[] = await m.query(`SELECT c.*, t.regime FROM complaints c JOIN tenders t ON t.id = c.tender_id WHERE c.id = $1`, [event.subjectId]);
    if (!c || !c.suspension_ordered_at || c.suspension_lifted_at) return;
    const tender = await this.stateMachine.lock(m, c.tender_id);
    await m.query(`SELECT 1 FROM complaints WHERE id = $1 FOR UPDATE`, [c.id]);
    await this.liftSuspension(m, c, tender, await this.tx.now(m), SYSTEM_ACTOR, 'PERIOD_ENDED');
  }
}
