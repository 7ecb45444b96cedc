import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { withTimeout } from 'src/common/async/with-timeout';
import { AppConfig } from 'src/infra/config/app-config';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { MetricsService } from 'src/infra/metrics/metrics.service';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { declareHandler, discoverHandlers } from 'src/common/events/handler-discovery';
import { JobRegistry, OnJob } from 'src/infra/queue/job-registry';
import { JobName, QueueName, ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { ScheduledEventEntity } from './scheduled-event.entity';
import { LockedEventRow, ScheduledEventsRepository } from './scheduled-events.repository';

export type ScheduledEventHandler = (manager: EntityManager, event: ScheduledEventEntity) => Promise<void>;

const TIMED_EVENT_HANDLER = Symbol('timed-event-handler');

/**
 * Declares a method as THE handler of a kind of timed event: `(manager, event) => Promise<void>`, run once in the
 * event's transaction when it is due by the database clock. Found at boot; a kind with two handlers, or none, stops
 * a worker's boot.
 */
export function OnTimedEvent(kind: ScheduledEventKind) {
  const decorate = declareHandler<ScheduledEventKind>(TIMED_EVENT_HANDLER, kind);
  return (target: object, method: string | symbol, descriptor: { value?: ScheduledEventHandler }): void => {
    decorate(target, method, descriptor);
  };
}

export interface PlanEvent {
  kind: ScheduledEventKind;
  subjectId: string;
  tenderId?: string | null;
  runAt: Date;
}

/** After this many failed runs of one event, every further failure is an alert (error log + metric). */
export const TIMED_EVENT_ALERT_AFTER = 5;
/** Events due within this horizon get their BullMQ job back after a Redis flush (punctuality, not correctness). */
const REPLAN_HORIZON_MS = 5 * 60_000;
/** Re-plan into Redis on every n-th sweep only; running overdue rows happens on every sweep. */
const REPLAN_EVERY_N_SWEEPS = 6;
/** The punctual path is the BullMQ delayed job; the sweeper takes an event once it is this late. */
const OVERDUE_GRACE_MS = 2_000;
const SWEEP_BATCH = 100;
const SWEEP_CONCURRENCY = 4;
/** No Redis call of the scheduler waits longer than this (Redis may be down; the database decides anyway). */
const REDIS_TIMEOUT_MS = 3_000;

/**
 * The one scheduling service other modules call. A row in scheduled_events is planned in the caller's
 * transaction; its BullMQ delayed job is queued after commit. When the job fires, the row is locked, checked against
 * the database clock, handled and marked DONE in one transaction, so an event that fires twice or late changes
 * nothing twice.
 *
 * Redis is an accelerator, not the source of truth: every worker process runs an in-process sweeper (a timer, not a
 * Redis job, so a FLUSHALL or an outage cannot take it away) that runs overdue PENDING rows itself. Several
 * processes sweep at once without a leader: each row is taken with FOR UPDATE SKIP LOCKED and its status checked.
 * A failing event is counted on its row, retried on every sweep until it runs, and alerted on after
 * TIMED_EVENT_ALERT_AFTER failures; its next BullMQ job id includes the failure count, so a re-plan is never
 * swallowed by BullMQ's "a (failed) job with this id exists".
 */
@Injectable()
export class SchedulerService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SchedulerService.name);
  private readonly handlers = new Map<ScheduledEventKind, ScheduledEventHandler>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private sweeps = 0;
  private stopped = false;

  constructor(
    @InjectRepository(ScheduledEventEntity) private readonly events: Repository<ScheduledEventEntity>,
    private readonly tx: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly registry: JobRegistry,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly discovery: DiscoveryService,
    private readonly repo: ScheduledEventsRepository,
  ) {}

  /** Collects the @OnTimedEvent methods of every provider. */
  onModuleInit(): void {
    for (const h of discoverHandlers<ScheduledEventKind>(this.discovery, TIMED_EVENT_HANDLER)) this.handle(h.meta, h.call as unknown as ScheduledEventHandler);
  }

  /** Adds the handler of a kind at run time: for a kind only a test or a tool knows; the platform's are @OnTimedEvent. */
  handle(kind: ScheduledEventKind, handler: ScheduledEventHandler): void {
    if (this.handlers.has(kind)) throw new Error(`Scheduled event ${kind} has two handlers`);
    this.handlers.set(kind, handler);
  }

  @OnJob(JobName.RunScheduledEvent)
  async onRunJob({ eventId }: { eventId: string }): Promise<void> {
    await this.run(eventId);
  }

  /** Jobs of the former Redis-side job scheduler may still be queued in an older installation: harmless. */
  @OnJob(JobName.SweepScheduledEvents)
  async onSweepJob(): Promise<void> {
    await this.sweepOverdue();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    const missing = (Object.values(ScheduledEventKind) as unknown as ScheduledEventKind[]).filter((k) => !this.handlers.has(k));
    if (missing.length) throw new Error(`Scheduled events without a handler: ${missing.join(', ')}`);
    this.registry.assertComplete();
    this.timer = setInterval(() => void this.sweepNow(), this.config.sweepIntervalMs);
    this.timer.unref?.();
    // Start-up: everything pending goes back to Redis (in the background: start-up never waits for Redis).
    void (async () => {
      await withTimeout(this.jobs.queue(QueueName.TimedEvents).removeJobScheduler('sweep-scheduled-events'), REDIS_TIMEOUT_MS, 'removing the old Redis sweeper').catch(
        () => undefined,
      );
      const n = await this.sweep(null);
      if (n) this.logger.log(`re-planned ${n} pending timed events from the database`);
    })().catch((e) => this.logger.warn(`re-planning at start-up failed (the sweeper will run them): ${(e as Error).message}`));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => undefined);
  }

  /**
   * Plans (or moves) the pending event of this kind for this subject, inside the caller's transaction.
   * Returns the event id.
   */
  async plan(manager: EntityManager, spec: PlanEvent): Promise<string> {
    const { id, runAt, failures } = await this.repo.upsertPending(manager, { ...spec, tenderId: spec.tenderId ?? null });
    await runAfterCommit(manager, () => this.enqueue(id, runAt, failures));
    return id;
  }

  /** Cancels the pending event of this kind for this subject (a cancelled tender, a withdrawn bid...). */
  async cancel(manager: EntityManager, kind: ScheduledEventKind, subjectId: string): Promise<void> {
    await this.repo.cancelPending(manager, kind, subjectId);
  }

  /** Locks the pending event of this kind for this subject, if any, until the caller's transaction ends: it cannot run meanwhile. */
  async lockPending(manager: EntityManager, kind: ScheduledEventKind, subjectId: string): Promise<void> {
    await this.repo.lockPending(manager, kind, subjectId);
  }

  async findPending(kind: ScheduledEventKind, subjectId: string): Promise<ScheduledEventEntity | null> {
    return this.events.findOneBy({ kind, subjectId, status: 'PENDING' });
  }

  /**
   * Runs the event exactly once, when it is due by the database clock (the job handler, and the sweeper with
   * `skipLocked`: a row another process is running is left to it). A handler that throws is counted on the row.
   */
  async run(eventId: string, opts: { skipLocked?: boolean } = {}): Promise<void> {
    let notYetDue: { runAt: Date; failures: number } | null = null;
    try {
      await this.tx.run(async (m) => {
        const row = await this.repo.lock(m, eventId, opts);
        if (!row || row.status !== 'PENDING') return; // already run, cancelled, rolled back, or running elsewhere
        if (!row.due) {
          notYetDue = { runAt: row.runAt, failures: row.failures }; // moved later, or fired early
          return;
        }
        const handler = this.handlers.get(row.kind);
        if (!handler) throw new Error(`no handler for scheduled event ${row.kind}`);
        await handler(m, toEntity(row));
        await this.repo.markDone(m, eventId, row.latenessMs);
      });
    } catch (e) {
      await this.recordFailure(eventId, e as Error);
      throw e;
    }
    const later = notYetDue as { runAt: Date; failures: number } | null;
    if (later) await this.enqueue(eventId, later.runAt, later.failures);
  }

  /**
   * One pass of the in-process sweeper: runs every PENDING event that is overdue by more than the grace (its
   * BullMQ job was lost, failed, or Redis is down), and every few passes gives upcoming events their job back.
   * Returns how many overdue events it tried.
   */
  async sweepOverdue(): Promise<number> {
    const ids = await this.repo.overdueIds(this.events.manager, OVERDUE_GRACE_MS / 1000, SWEEP_BATCH);
    for (let i = 0; i < ids.length && !this.stopped; i += SWEEP_CONCURRENCY) {
      await Promise.allSettled(ids.slice(i, i + SWEEP_CONCURRENCY).map((id) => this.run(id, { skipLocked: true })));
    }
    return ids.length;
  }

  /** Re-queues pending events due within the horizon (all of them when null). Job ids make this idempotent. */
  async sweep(horizonMs: number | null): Promise<number> {
    const rows = await this.repo.pendingWithin(this.events.manager, horizonMs === null ? null : horizonMs / 1000);
    for (const r of rows) await this.enqueue(r.id, r.runAt, r.failures);
    return rows.length;
  }

  /** The timer's callback: one sweep at a time per process; never throws. */
  private sweepNow(): Promise<void> {
    if (this.sweeping || this.stopped) return this.sweeping ?? Promise.resolve();
    this.sweeping = (async () => {
      try {
        await this.sweepOverdue();
        if (this.sweeps++ % REPLAN_EVERY_N_SWEEPS === 0 && (await this.redisReady())) await this.sweep(REPLAN_HORIZON_MS);
      } catch (e) {
        this.logger.warn(`timed-event sweep failed (next one in ${this.config.sweepIntervalMs} ms): ${(e as Error).message}`);
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }

  private async recordFailure(eventId: string, error: Error): Promise<void> {
    const row = await this.repo.recordFailure(this.events.manager, eventId, error?.message ?? String(error)).catch(() => null); // the database itself may be what failed: the next sweep tries again
    const kind = row?.kind ?? 'unknown';
    this.metrics.timedEventFailures.inc({ kind });
    if (row && row.failures >= TIMED_EVENT_ALERT_AFTER) {
      this.metrics.timedEventAlerts.inc({ kind });
      this.logger.error({
        msg: 'timed event keeps failing: retried on every sweep until it runs',
        eventId,
        kind,
        failures: row.failures,
        error: error?.message,
      });
    } else {
      this.logger.warn({ msg: 'timed event failed: it will be retried', eventId, kind, failures: row?.failures, error: error?.message });
    }
  }

  private async redisReady(): Promise<boolean> {
    try {
      const client = await withTimeout(this.jobs.queue(QueueName.TimedEvents).client, REDIS_TIMEOUT_MS, 'Redis');
      return client.status === 'ready';
    } catch {
      return false;
    }
  }

  /**
   * Adds the delayed job of an event. The id carries the run time and the failure count, so moving the event or
   * re-planning it after a failure adds a new job; should a failed job with that id still exist (it failed
   * without reaching run(), e.g. stalled), a suffix makes it fresh.
   */
  private async enqueue(eventId: string, runAt: Date, failures: number): Promise<void> {
    const queue = this.jobs.queue(QueueName.TimedEvents);
    let jobId = `evt-${eventId}-${runAt.getTime()}-${failures}`;
    await withTimeout(
      (async () => {
        const existing = await queue.getJob(jobId);
        if (existing && (await existing.isFailed())) jobId = `${jobId}-r${Date.now()}`;
        await this.jobs.add({ name: JobName.RunScheduledEvent, data: { eventId } }, { jobId, delay: Math.max(0, runAt.getTime() - Date.now()) });
      })(),
      REDIS_TIMEOUT_MS,
      'queueing a timed event',
    );
  }
}

function toEntity(r: LockedEventRow): ScheduledEventEntity {
  return Object.assign(new ScheduledEventEntity(), {
    id: r.id,
    kind: r.kind,
    subjectId: r.subjectId,
    tenderId: r.tenderId,
    runAt: r.runAt,
    status: r.status,
    runs: r.runs,
    failures: r.failures,
    lastError: null,
    lastFailedAt: null,
    createdAt: r.createdAt,
    doneAt: r.doneAt,
    latenessMs: null,
  });
}
