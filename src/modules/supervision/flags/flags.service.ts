import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { Page } from 'src/common/http/page-query.dto';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { PdfRenderer, RenderedPdf } from 'src/infra/pdf/pdf-renderer.service';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { JobName, ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { OnTimedEvent, SchedulerService } from '../../scheduling/scheduler.service';
import { SupervisionException } from '../supervision.exception';
import { FlagQueryDto } from './dto/flag-query.dto';
import { computeHistoryFlags, computeFlagsPerLot, FLAG_CATALOGUE, FlagCode, FlagDraft, PROCURING_ENTITY_VISIBLE, Severity } from './engine';
import { FlagInputsRepository, SEALED_TENDER_STATUSES } from './flag-inputs.repository';
import { flagReportSpec } from './flag-report';
import { CollusionFlagsRepository, FlagRecord, FlagTenderHead } from './collusion-flags.repository';
import { MarketCalibrations } from './market-calibrations';
import { ScreenModelsService } from './screen-models.service';
import { JurisdictionsService } from '../../jurisdictions/jurisdictions.service';
import { DomainEventMap, OnEvent } from 'src/common/events/domain-events';
import { ScheduledEventEntity } from 'src/modules/scheduling/scheduled-event.entity';
import { OnJob } from 'src/infra/queue/job-registry';
import { JobData } from 'src/infra/queue/job.types';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';

export interface FlagView {
  id: string;
  code: FlagCode;
  /** 中文名称 */
  name: string;
  severity: Severity;
  /** TENDER: from this tender's data; HISTORY: from the award history. */
  scope: 'TENDER' | 'HISTORY';
  tenderId: string | null;
  tenderIds: string[];
  bidderIds: string[];
  bidders: Array<{ organizationId: string; name: string }>;
  expertIds: string[];
  evidence: Record<string, unknown>;
  legalBasis: string;
  computedAt: string;
}

/**
 * Collusion flags (串通投标监测): computed after opening (TenderEnteredEvaluation) and again after the award
 * (AwardNoticeIssued: expert scores exist, and the history changed), stored in collusion_flags, read by supervisors
 * (and, for what it may act on, the procuring entity). Every computation and every read is audited.
 *
 * A tender's computation is a timed event (ScheduledEventKind.ComputeTenderFlags, runAt = now) planned in the
 * transaction of the fact that triggers it, so that losing Redis loses no computation: the event row is the source of
 * truth, re-queued by the scheduler's sweeper and at start-up; its handler computes the flags in the event's own
 * transaction, so the flags and the event's DONE commit together. The price screen is calibrated on the tender's
 * market (same category and regime) from the platform's own history (MarketCalibrations).
 */
@Injectable()
export class FlagsService {
  private readonly logger = new Logger(FlagsService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly jobs: JobQueue,
    private readonly inputs: FlagInputsRepository,
    private readonly pdf: PdfRenderer,
    private readonly scheduler: SchedulerService,
    private readonly screenModels: ScreenModelsService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly organizations: OrganizationsRepository,
    private readonly flags: CollusionFlagsRepository,
  ) {}

  /** Jobs queued by earlier versions (still in Redis after an upgrade) are still handled. */
  @OnJob(JobName.ComputeTenderFlags)
  async onComputeTenderFlagsJob({ tenderId }: JobData<JobName.ComputeTenderFlags>): Promise<void> {
    await this.computeTender(tenderId);
  }

  @OnJob(JobName.ComputeHistoryFlags)
  async onComputeHistoryFlagsJob(): Promise<void> {
    await this.computeHistory();
  }

  /** Planned in the fact's transaction: a rolled-back opening or award plans nothing, a committed one cannot be lost. The award's computation is its own event (subject: the awarded bid), never the opening's: planning it never waits for a computation that is running and wants the tender's audit stream this transaction holds. */
  @OnEvent('TenderEnteredEvaluation')
  async onTenderEnteredEvaluation(m: EntityManager, { tenderId }: DomainEventMap['TenderEnteredEvaluation']): Promise<void> {
    await this.planTender(m, tenderId, tenderId);
  }

  @OnEvent('AwardNoticeIssued')
  async onAwardNoticeIssued(m: EntityManager, { tenderId, bidId }: DomainEventMap['AwardNoticeIssued']): Promise<void> {
    await this.planTender(m, tenderId, bidId);
    await this.enqueueHistory(m, `${tenderId}-${bidId}`);
  }

  /** Runs once, with the event row locked; computing replaces the stored flags, so a late or repeated run is harmless. */
  @OnTimedEvent(ScheduledEventKind.ComputeTenderFlags)
  async onComputeTenderFlags(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    await this.computeTenderIn(m, event.tenderId ?? event.subjectId, SYSTEM_ACTOR);
  }

  /**
   * Plans a computation of the tender's flags now (by the database clock), in the caller's transaction. `subjectId`
   * names the trigger (the tender for the opening and manual requests, the awarded bid for an award): the same
   * trigger still pending is the same computation, which runs once and sees everything committed before it.
   */
  private async planTender(m: EntityManager, tenderId: string, subjectId: string): Promise<void> {
    await this.scheduler.plan(m, { kind: ScheduledEventKind.ComputeTenderFlags, subjectId, tenderId, runAt: await this.tx.now(m) });
  }

  /** Bursts of awards collapse into one recomputation while one is waiting (BullMQ deduplication). */
  private async enqueueHistory(m: EntityManager, trigger: string): Promise<void> {
    await runAfterCommit(m, () =>
      this.jobs.add({ name: JobName.ComputeHistoryFlags, data: { trigger } }, { jobId: `history-flags-${trigger}`, deduplication: { id: 'history-flags' } }),
    );
  }

  /**
   * Computes a tender's flags and replaces the stored ones in one transaction (a job that runs twice writes the same
   * rows once more). A tender still sealed, or unknown, yields nothing: no flag exists before opening.
   */
  async computeTender(tenderId: string, actor: Actor = SYSTEM_ACTOR): Promise<{ computed: boolean; flags: number }> {
    return this.tx.run((m) => this.computeTenderIn(m, tenderId, actor));
  }

  /**
   * computeTender in the caller's transaction. `calibrations` is the run's cache of market calibrations: pass the
   * same object to compute several tenders in one run (each market's history is then loaded once).
   */
  async computeTenderIn(m: EntityManager, tenderId: string, actor: Actor, calibrations = this.marketCalibrations(m)): Promise<{ computed: boolean; flags: number }> {
    await this.flags.lockTenderComputation(m, tenderId);
    const input = await this.inputs.tenderInput(m, tenderId);
    if (!input) {
      this.logger.warn(`flags of tender ${tenderId} not computed: unknown or not yet opened`);
      return { computed: false, flags: 0 };
    }
    const calibration = await calibrations.forTender({ tenderId, category: input.category, regime: input.regime });
    const priceScreen = await this.screenModels.priceScreenMode(m, input);
    const drafts = computeFlagsPerLot(input, { calibration, priceScreen }); // per lot on a tender with lots (标段)
    await this.flags.replaceTenderFlags(m, [tenderId], drafts);
    await this.audit.append(m, {
      actor,
      action: 'COLLUSION_FLAGS_COMPUTED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: {
        flags: drafts.length,
        codes: countCodes(drafts),
        bids: input.bids.length,
        priceScreenCalibration: { source: calibration.source, tenders: calibration.tenders },
        priceScreen:
          priceScreen.mode === 'SUPERVISED'
            ? {
                mode: 'SUPERVISED',
                modelVersion: priceScreen.modelVersion,
                score: priceScreen.learned ? Math.round(priceScreen.learned.score * 1e6) / 1e6 : null,
                flag: priceScreen.learned?.flag ?? false,
              }
            : { mode: priceScreen.validated ? 'ZERO_SHOT_VALIDATED' : 'ZERO_SHOT_REVIEW_ONLY', labelledTenders: priceScreen.labelledTenders },
      },
    });
    return { computed: true, flags: drafts.length };
  }

  /** A run's cache of market calibrations reading the history in this transaction. */
  marketCalibrations(m: EntityManager): MarketCalibrations {
    return new MarketCalibrations((market, minDistinct) => this.inputs.marketPrices(m, market, minDistinct));
  }

  /** Recomputes every history flag (serial losers, rings, rotation, R024, R058) over the awards, in one transaction. */
  async computeHistory(actor: Actor = SYSTEM_ACTOR): Promise<{ tenders: number; flags: number }> {
    return this.tx.run(async (m) => {
      await this.flags.lockHistoryComputation(m);
      const history = await this.inputs.awardHistory(m);
      const drafts = computeHistoryFlags(history);
      await this.flags.replaceHistoryFlags(m, drafts);
      await this.audit.append(m, {
        actor,
        action: 'COLLUSION_HISTORY_FLAGS_COMPUTED',
        objectType: 'collusion_flags',
        objectId: 'history',
        data: { tenders: history.length, flags: drafts.length, codes: countCodes(drafts) },
      });
      return { tenders: history.length, flags: drafts.length };
    });
  }

  /** POST /tenders/{id}/flags/recompute (SUPERVISOR): plans the computation again (e.g. after new history). */
  async requestTenderRecompute(tenderId: string, actor: Actor): Promise<{ queued: true }> {
    await this.tx.run(async (m) => {
      await this.assertReadable(m, await this.head(m, tenderId), actor);
      // Planned before the audit append: waiting for a running computation must not hold the tender's audit stream.
      await this.planTender(m, tenderId, tenderId);
      await this.audit.append(m, { actor, action: 'COLLUSION_FLAGS_RECOMPUTE_REQUESTED', objectType: 'tender', objectId: tenderId, tenderId, data: {} });
    });
    return { queued: true };
  }

  /** POST /supervision/flags/history/recompute (SUPERVISOR). */
  async requestHistoryRecompute(actor: Actor): Promise<{ queued: true }> {
    await this.tx.run(async (m) => {
      // The history flags are computed over every county's awards: a city-wide action, not a county supervisor's or a
      // sector regulator's (issue 19; each department within its remit). Its result reaches them filtered (inScope).
      const scope = await this.jurisdictions.scopeOf(m, actor);
      if (scope && !scope.all) {
        throw SupervisionException.forbidden('The history flags are recomputed city-wide, by a supervisor of the city and of every trade');
      }
      await this.audit.append(m, { actor, action: 'COLLUSION_HISTORY_RECOMPUTE_REQUESTED', objectType: 'collusion_flags', objectId: 'history', data: {} });
      await this.enqueueHistory(m, `manual-${Date.now()}`);
    });
    return { queued: true };
  }

  /**
   * GET /tenders/{id}/flags: the tender's own flags and the history flags that concern it (its tender in the
   * evidence, or one of its bidders named). Supervisors see all; the owning procuring entity only the flags the law
   * lets it act on (PROCURING_ENTITY_VISIBLE, TBR Art. 34). Before opening: 403 SEALED_UNTIL_OPENING. Audited.
   */
  async tenderFlags(tenderId: string, actor: Actor): Promise<FlagView[]> {
    return this.tx.run(async (m) => {
      const tender = await this.head(m, tenderId);
      await this.assertReadable(m, tender, actor);
      let rows = await this.inScope(m, actor, await this.rowsOfTender(m, tenderId));
      if (actor.role === Role.PROCURING_ENTITY) rows = rows.filter((r) => r.scope === 'TENDER' && PROCURING_ENTITY_VISIBLE.has(r.code));
      await this.audit.append(m, {
        actor,
        action: 'COLLUSION_FLAGS_READ',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { returned: rows.length, role: actor.role },
      });
      return this.views(m, rows);
    });
  }

  /** GET /tenders/{id}/flags.pdf (SUPERVISOR): the report in Chinese, audited with its hash. */
  async reportPdf(tenderId: string, actor: Actor): Promise<RenderedPdf> {
    const { tender, flags, now } = await this.tx.run(async (m) => {
      const head = await this.head(m, tenderId);
      await this.assertReadable(m, head, actor);
      return { tender: head, flags: await this.views(m, await this.inScope(m, actor, await this.rowsOfTender(m, tenderId))), now: await this.tx.now(m) };
    });
    const pdf = await this.pdf.render(
      flagReportSpec(
        {
          id: tender.id,
          title: tender.title,
          regime: tender.regime,
          status: tender.status,
          procuringEntityName: tender.procuringEntityName,
          openedAt: tender.openedAt ? new Date(tender.openedAt).toISOString() : null,
        },
        flags,
        now,
      ),
    );
    await this.tx.run((m) =>
      this.audit.append(m, {
        actor,
        action: 'COLLUSION_FLAG_REPORT_ISSUED',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { flags: flags.length, sha256: pdf.sha256 },
      }),
    );
    return pdf;
  }

  /** GET /supervision/flags (SUPERVISOR): every flag, filtered and paged, most recent first. Audited. */
  async list(q: FlagQueryDto, actor: Actor): Promise<Page<FlagView>> {
    return this.tx.run(async (m) => {
      // A scoped supervisor (a county's, or a sector regulator) sees the flags of its tenders only: a tender flag of a
      // tender in scope, a history flag that concerns one (TBR Art. 4 ¶2 (not in regulations.md; from the statute text): each department within its remit).
      const scope = await this.jurisdictions.scopeOf(m, actor);
      const found = await this.flags.list(
        m,
        { code: q.code, severity: q.severity, tenderId: q.tenderId, bidderId: q.bidderId, from: q.from, to: q.to },
        (alias, p) => this.jurisdictions.tenderCondition(scope, alias, p),
        { limit: q.pageSize, offset: (q.page - 1) * q.pageSize },
      );
      const total = found.total;
      const rows = await this.inScope(m, actor, found.rows);
      await this.audit.append(m, {
        actor,
        action: 'COLLUSION_FLAGS_LISTED',
        objectType: 'collusion_flags',
        objectId: 'list',
        data: {
          filter: { code: q.code ?? null, severity: q.severity ?? null, tenderId: q.tenderId ?? null, bidderId: q.bidderId ?? null, from: q.from ?? null, to: q.to ?? null },
          returned: rows.length,
          total,
        },
      });
      return { items: await this.views(m, rows), total };
    });
  }

  /** The flags of a tender with these codes, for a case's evidence (supervision cases). */
  async snapshot(m: EntityManager, tenderId: string, codes: FlagCode[], actor: Actor | null = null): Promise<FlagView[]> {
    if (codes.length === 0) return [];
    return this.views(
      m,
      (await this.inScope(m, actor, await this.rowsOfTender(m, tenderId))).filter((r) => codes.includes(r.code)),
    );
  }

  /**
   * A scoped supervisor's view of flags (issue 19: "a county supervisor never sees another county's cases"). A tender
   * flag is of one tender, already checked. A history flag (cross-tender) is shown only when at least one of its
   * tenders is in the scope — not when it merely names a bidder of the tender — and then with the other tenders'
   * ids removed: from tenderIds and from every evidence entry that names a tender (BID_ROTATION's sequence). The
   * aggregates (counts, ratios, fences) stay: they name no tender. Other roles and unscoped supervisors: unchanged.
   */
  private inScope(m: EntityManager, actor: Actor | null, rows: FlagRecord[]): Promise<FlagRecord[]> {
    return this.restrictHistory(
      m,
      actor,
      rows,
      (r) => (r.scope === 'HISTORY' ? r.tenderIds : null),
      (r, tenderIds, evidence) => ({ ...r, tenderIds, evidence }),
    );
  }

  /** The same restriction on flags already in view form (a case's evidence, kept as it stood when the case opened). */
  restrictViews(m: EntityManager, actor: Actor | null, views: FlagView[]): Promise<FlagView[]> {
    return this.restrictHistory(
      m,
      actor,
      views,
      (v) => (v.scope === 'HISTORY' ? v.tenderIds : null),
      (v, tenderIds, evidence) => ({ ...v, tenderIds, evidence }),
    );
  }

  private async restrictHistory<T extends { evidence: Record<string, unknown> }>(
    m: EntityManager,
    actor: Actor | null,
    items: T[],
    historyIds: (x: T) => string[] | null,
    rebuild: (x: T, tenderIds: string[], evidence: Record<string, unknown>) => T,
  ): Promise<T[]> {
    const scope = await this.jurisdictions.scopeOf(m, actor);
    if (!scope || scope.all || !items.some((x) => historyIds(x) !== null)) return items;
    const ids = [...new Set(items.flatMap((x) => historyIds(x) ?? []))];
    const visible = await this.flags.visibleTenders(m, ids, (alias, p) => this.jurisdictions.tenderCondition(scope, alias, p));
    const out: T[] = [];
    for (const x of items) {
      const all = historyIds(x);
      if (all === null) {
        out.push(x);
        continue;
      }
      const tenderIds = all.filter((id) => visible.has(id));
      if (!tenderIds.length) continue;
      out.push(rebuild(x, tenderIds, withoutTenders(x.evidence, visible) as Record<string, unknown>));
    }
    return out;
  }

  /** 404 for an unknown tender. */
  async head(m: EntityManager, tenderId: string): Promise<FlagTenderHead> {
    const t = await this.flags.tenderHead(m, tenderId);
    if (!t) throw SupervisionException.notFound('The tender');
    return t;
  }

  /** Who may read a tender's flags, and from when. */
  private async assertReadable(m: EntityManager, tender: FlagTenderHead, actor: Actor): Promise<void> {
    if (actor.role === Role.PROCURING_ENTITY) {
      if (tender.procuringEntityId !== actor.organizationId) throw SupervisionException.forbidden('Only the procuring entity of this tender');
    } else if (actor.role !== Role.SUPERVISOR) {
      throw SupervisionException.forbidden('Collusion flags are for supervisors');
    } else if (!(await this.jurisdictions.tenderInScope(m, await this.jurisdictions.scopeOf(m, actor), tender.id))) {
      // Another county's (or another trade's) tender: as if unknown (API.md: 404 for what the caller may not know).
      throw SupervisionException.notFound('The tender');
    }
    // Sealed means sealed: before the opening is over no flag exists and none may be asked for (EB20 Art. 27 ¶2).
    if (tender.openedAt === null || SEALED_TENDER_STATUSES.includes(tender.status)) throw SupervisionException.sealed();
  }

  private rowsOfTender(m: EntityManager, tenderId: string): Promise<FlagRecord[]> {
    return this.flags.rowsOfTender(m, tenderId);
  }

  private async views(m: EntityManager, rows: FlagRecord[]): Promise<FlagView[]> {
    const ids = [...new Set(rows.flatMap((r) => r.bidderIds))];
    const names = new Map([...(await this.organizations.findByIds(m, ids)).values()].map((o) => [o.id, o.name]));
    return rows.map((r) => ({
      id: r.id,
      code: r.code,
      name: FLAG_CATALOGUE[r.code]?.name ?? r.code,
      severity: r.severity,
      scope: r.scope,
      tenderId: r.tenderId,
      tenderIds: r.tenderIds,
      bidderIds: r.bidderIds,
      bidders: r.bidderIds.map((id) => ({ organizationId: id, name: names.get(id) ?? '' })),
      expertIds: r.expertIds,
      evidence: r.evidence,
      legalBasis: r.legalBasis,
      computedAt: new Date(r.computedAt).toISOString(),
    }));
  }
}

/** The evidence without the array entries that name a tender (`tenderId`) outside `visible`. */
function withoutTenders(v: unknown, visible: Set<string>): unknown {
  if (Array.isArray(v)) {
    return v
      .filter((x) => !(x && typeof x === 'object' && typeof (x as { tenderId?: unknown }).tenderId === 'string' && !visible.has((x as { tenderId: string }).tenderId)))
      .map((x) => withoutTenders(x, visible));
  }
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutTenders(x, visible)]));
  return v;
}

function countCodes(drafts: FlagDraft[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of drafts) out[d.code] = (out[d.code] ?? 0) + 1;
  return out;
}
