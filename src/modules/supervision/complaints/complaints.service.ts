import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { Page } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { canonicalJson } from 'src/modules/audit/canonical-json';
import { LegalCalendarService } from 'src/modules/tenders/legal-calendar/legal-calendar.service';
import { AuditService } from '../../audit/audit.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { SupervisionException } from '../supervision.exception';
import { acceptDue, decideDue, filingDeadline, Regime } from './complaint-rules';
import { ComplaintQueryDto, ComplaintStatus, FileComplaintDto, HandleComplaintDto } from './dto/complaint.dto';

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
}

const TRANSITIONS: Record<ComplaintStatus, ComplaintStatus[]> = { FILED: ['ACCEPTED', 'REFUSED'], ACCEPTED: ['DECIDED'], REFUSED: [], DECIDED: [] };
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

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
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  /** POST /tenders/{id}/complaints (BIDDER). The same request again returns the same complaint. */
  async file(tenderId: string, dto: FileComplaintDto, actor: Actor): Promise<ComplaintView & { created: boolean }> {
    if (!actor.organizationId) throw SupervisionException.forbidden('A complaint is filed by a bidder organisation');
    const orgId = actor.organizationId;
    if (dto.stage !== 'OTHER' && dto.knownAt !== undefined) {
      throw SupervisionException.invalid([{ field: 'knownAt', errors: ['knownAt is given for OTHER complaints only; the other stages count from the objection or the opening'] }]);
    }
    const text = dto.text.trim();
    const requestSha256 = createHash('sha256').update(canonicalJson({ tenderId, orgId, stage: dto.stage, knownAt: dto.knownAt ?? null, text })).digest('hex');
    return this.tx.run(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`complaint:${requestSha256}`]);
      const [existing] = await m.query(`SELECT id FROM complaints WHERE request_sha256 = $1`, [requestSha256]);
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
      const [row] = await m.query(
        `INSERT INTO complaints (tender_id, complainant_organization_id, filed_by, stage, objection_id, text, known_at, filing_deadline, filed_at,
                                 accept_due_at, request_sha256)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
        [tenderId, orgId, actor.userId, dto.stage, objectionId, text, knownAt, deadline.at, now, accept.at, requestSha256],
      );
      await this.audit.append(m, {
        actor,
        action: 'COMPLAINT_FILED',
        objectType: 'complaint',
        objectId: row.id,
        tenderId,
        data: { stage: dto.stage, objectionId, knownAt: knownAt.toISOString(), filingDeadline: deadline.at.toISOString(), acceptDueAt: accept.at.toISOString(), textSha256: createHash('sha256').update(text).digest('hex') },
      });
      return { ...(await this.view(m, row.id)), created: true };
    });
  }

  /** PATCH /supervision/complaints/{id} (SUPERVISOR): FILED → ACCEPTED | REFUSED; ACCEPTED → DECIDED. */
  async handle(id: string, dto: HandleComplaintDto, actor: Actor): Promise<ComplaintView> {
    return this.tx.run(async (m) => {
      const [c] = await m.query(`SELECT c.*, t.regime FROM complaints c JOIN tenders t ON t.id = c.tender_id WHERE c.id = $1 FOR UPDATE OF c`, [id]);
      if (!c) throw SupervisionException.notFound('The complaint');
      // Only the supervisors of the tender's jurisdiction and trade handle it (TBR Art. 4 ¶2; EB20 Art. 51).
      await this.jurisdictions.assertTenderInScope(m, actor, c.tender_id, 'The complaint');
      const status = c.status as ComplaintStatus;
      if (dto.status === status) {
        const same =
          (status === 'REFUSED' && (dto.reason === undefined || dto.reason.trim() === c.refusal_reason)) ||
          (status === 'ACCEPTED' && dto.reason === undefined) ||
          (status === 'DECIDED' && (dto.decision === undefined || dto.decision === c.decision) && (dto.decisionText === undefined || dto.decisionText.trim() === c.decision_text));
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
      if (errors.length) throw SupervisionException.invalid(errors);
      let late = false;
      if (dto.status === 'ACCEPTED') {
        const cal = await this.calendars.calendar(m);
        const due = decideDue(cal, c.regime, new Date(c.filed_at), now);
        late = now.getTime() > new Date(c.accept_due_at).getTime();
        await m.query(`UPDATE complaints SET status = 'ACCEPTED', accepted_at = $2, decide_due_at = $3, handled_by = $4, version = version + 1 WHERE id = $1`, [id, now, due.at, actor.userId]);
      } else if (dto.status === 'REFUSED') {
        late = now.getTime() > new Date(c.accept_due_at).getTime();
        await m.query(`UPDATE complaints SET status = 'REFUSED', refused_at = $2, refusal_reason = $3, handled_by = $4, version = version + 1 WHERE id = $1`, [id, now, dto.reason!.trim(), actor.userId]);
      } else {
        late = c.decide_due_at !== null && now.getTime() > new Date(c.decide_due_at).getTime();
        await m.query(
          `UPDATE complaints SET status = 'DECIDED', decided_at = $2, decision = $3, decision_text = $4, handled_by = $5, version = version + 1 WHERE id = $1`,
          [id, now, dto.decision, dto.decisionText!.trim(), actor.userId],
        );
      }
      await this.audit.append(m, {
        actor,
        action: `COMPLAINT_${dto.status}`,
        objectType: 'complaint',
        objectId: id,
        tenderId: c.tender_id,
        // A department acting after its statutory time is recorded as late, not refused: the act stands (TBR Art. 61).
        data: { from: status, to: dto.status, late, ...(dto.decision ? { decision: dto.decision } : {}) },
      });
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
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM complaints WHERE tender_id = $1 ${own ? 'AND complainant_organization_id = $2' : ''} ORDER BY filed_at, id`,
      own ? [tenderId, actor.organizationId] : [tenderId],
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
    if (dto.stage === 'DOCUMENTS' || dto.stage === 'RESULT') {
      const table = dto.stage === 'DOCUMENTS' ? 'tender_objections' : 'result_objections';
      const orgColumn = dto.stage === 'DOCUMENTS' ? 'organization_id' : 'objector_organization_id';
      // The latest objection of the complainant that was answered, or whose answer period has run out.
      const [o]: Array<{ id: string; answered_at: Date | null; answer_due_at: Date }> = await m.query(
        `SELECT id, answered_at, answer_due_at FROM ${table}
         WHERE tender_id = $1 AND ${orgColumn} = $2 AND (status = 'ANSWERED' OR answer_due_at < $3)
         ORDER BY coalesce(answered_at, answer_due_at) DESC LIMIT 1`,
        [tenderId, orgId, now],
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
      const [bid] = await m.query(`SELECT 1 FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 AND opened_at IS NOT NULL`, [tenderId, orgId]);
      if (!bid || !tender.opened_at) {
        throw SupervisionException.objectionRequired('A complaint about the opening comes from a bidder whose bid was opened, after its objection at the opening (TBR Arts. 44, 60)', {
          stage: dto.stage,
          article: 'TBR Art. 44',
        });
      }
      return { knownAt: new Date(tender.opened_at), objectionId: null };
    }
    if (!dto.knownAt) throw SupervisionException.invalid([{ field: 'knownAt', errors: ['OTHER complaints state when the complainant knew (TBR Art. 60)'] }]);
    const knownAt = new Date(dto.knownAt);
    if (knownAt.getTime() > now.getTime()) throw SupervisionException.invalid([{ field: 'knownAt', errors: ['knownAt cannot be in the future'] }]);
    return { knownAt, objectionId: null };
  }

  private async view(m: EntityManager, id: string): Promise<ComplaintView> {
    const [c] = await m.query(
      `SELECT c.*, o.name AS complainant_name, clock_timestamp() AS now FROM complaints c JOIN organizations o ON o.id = c.complainant_organization_id WHERE c.id = $1`,
      [id],
    );
    if (!c) throw SupervisionException.notFound('The complaint');
    const now = new Date(c.now).getTime();
    const acceptedOrRefused = c.accepted_at ?? c.refused_at;
    return {
      id: c.id,
      tenderId: c.tender_id,
      complainantOrganizationId: c.complainant_organization_id,
      complainantName: c.complainant_name,
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
    };
  }
}
