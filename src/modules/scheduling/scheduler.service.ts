import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AppConfig } from 'src/infra/config/app-config';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { JobRegistry } from 'src/infra/queue/job-registry';
import { JobName, QueueName, ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { ScheduledEventEntity } from './scheduled-event.entity';

export type ScheduledEventHandler = (manager: EntityManager, event: ScheduledEventEntity) => Promise<void>;

export interface PlanEvent {
  kind: ScheduledEventKind;
  subjectId: string;
  tenderId?: string | null;
  runAt: Date;
}

const SWEEP_EVERY_MS = 30_000;
const SWEEP_HORIZON_MS = 5 * 60_000;

/**
 * The one scheduling service other modules call. A row in scheduled_events is planned in the caller's
 * transaction; its BullMQ delayed job is queued after commit with a deterministic id. When the job fires, the row
 * is locked, checked against the database clock, handled and marked DONE in one transaction, so an event that
 * fires twice or late changes nothing twice.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SchedulerService.name);
  private readonly handlers = new Map<ScheduledEventKind, ScheduledEventHandler>();

  constructor(
    @InjectRepository(ScheduledEventEntity) private readonly events: Repository<ScheduledEventEntity>,
    private readonly tx: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly registry: JobRegistry,
    private readonly config: AppConfig,
  ) {
    this.registry.register(JobName.RunScheduledEvent, ({ eventId }) => this.run(eventId));
    this.registry.register(JobName.SweepScheduledEvents, () => this.sweep(SWEEP_HORIZON_MS).then(() => undefined));
  }

  /** Called by the owning module in its constructor or onModuleInit. */
  handle(kind: ScheduledEventKind, handler: ScheduledEventHandler): void {
    if (this.handlers.has(kind)) throw new Error(`Scheduled event ${kind} has two handlers`);
    this.handlers.set(kind, handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    const missing = (Object.values(ScheduledEventKind) as unknown as ScheduledEventKind[]).filter((k) => !this.handlers.has(k));
    if (missing.length) throw new Error(`Scheduled events without a handler: ${missing.join(', ')}`);
    this.registry.assertComplete();
    await this.jobs
      .queue(QueueName.TimedEvents)
      .upsertJobScheduler('sweep-scheduled-events', { every: SWEEP_EVERY_MS }, { name: JobName.SweepScheduledEvents, data: {} });
    const n = await this.sweep(null);
    if (n) this.logger.log(`re-planned ${n} pending timed events from the database`);
  }

  /**
   * Plans (or moves) the pending event of this kind for this subject, inside the caller's transaction.
   * Returns the event id.
   */
  async plan(manager: EntityManager, spec: PlanEvent): Promise<string> {
    const rows: Array<{ id: string; run_at: Date }> = await manager.query(
      `INSERT INTO scheduled_events (kind, subject_id, tender_id, run_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, subject_id) WHERE status = 'PENDING'
       DO UPDATE SET run_at = EXCLUDED.run_at
       RETURNING id, run_at`,
      [spec.kind, spec.subjectId, spec.tenderId ?? null, spec.runAt],
    );
    const { id, run_at } = rows[0];
    await runAfterCommit(manager, () => this.enqueue(id, new Date(run_at)));
    return id;
  }

  /** Cancels the pending event of this kind for this subject (a cancelled tender, a withdrawn bid...). */
  async cancel(manager: EntityManager, kind: ScheduledEventKind, subjectId: string): Promise<void> {
    await manager.query(
      `UPDATE scheduled_events SET status = 'CANCELLED', done_at = clock_timestamp()
       WHERE kind = $1 AND subject_id = $2 AND status = 'PENDING'`,
      [kind, subjectId],
    );
  }

  async findPending(kind: ScheduledEventKind, subjectId: string): Promise<ScheduledEventEntity | null> {
    return this.events.findOneBy({ kind, subjectId, status: 'PENDING' });
  }

  /** The job handler: runs the event exactly once, when it is due by the database clock. */
  async run(eventId: string): Promise<void> {
    let notYetDue: Date | null = null;
    await this.tx.run(async (m) => {
      const rows: Array<ScheduledEventRow> = await m.query(
        `SELECT id, kind, subject_id, tender_id, run_at, status, runs, created_at, done_at,
                (run_at <= clock_timestamp()) AS due,
                floor(extract(epoch FROM clock_timestamp() - run_at) * 1000)::int AS lateness_ms
         FROM scheduled_events WHERE id = $1 FOR UPDATE`,
        [eventId],
      );
      const row = rows[0];
      if (!row || row.status !== 'PENDING') return; // already run, cancelled, or rolled back: nothing to do
      if (!row.due) {
        notYetDue = new Date(row.run_at); // the date moved later, or the job fired early: plan again
        return;
      }
      const handler = this.handlers.get(row.kind);
      if (!handler) throw new Error(`no handler for scheduled event ${row.kind}`);
      const event = toEntity(row);
      await handler(m, event);
      await m.query(
        `UPDATE scheduled_events SET status = 'DONE', runs = runs + 1, done_at = clock_timestamp(), lateness_ms = $2
         WHERE id = $1`,
        [eventId, row.lateness_ms],
      );
    });
    if (notYetDue) await this.enqueue(eventId, notYetDue);
  }

  /** Re-queues pending events due within the horizon (all of them when null). Job ids make this idempotent. */
  async sweep(horizonMs: number | null): Promise<number> {
    const rows: Array<{ id: string; run_at: Date }> = await this.events.query(
      horizonMs === null
        ? `SELECT id, run_at FROM scheduled_events WHERE status = 'PENDING'`
        : `SELECT id, run_at FROM scheduled_events
           WHERE status = 'PENDING' AND run_at <= clock_timestamp() + make_interval(secs => $1)`,
      horizonMs === null ? [] : [horizonMs / 1000],
    );
    for (const r of rows) await this.enqueue(r.id, new Date(r.run_at));
    return rows.length;
  }

  private async enqueue(eventId: string, runAt: Date): Promise<void> {
    await this.jobs.add(
      { name: JobName.RunScheduledEvent, data: { eventId } },
      { jobId: `evt-${eventId}-${runAt.getTime()}`, delay: Math.max(0, runAt.getTime() - Date.now()) },
    );
  }
}

interface ScheduledEventRow {
  id: string;
  kind: ScheduledEventKind;
  subject_id: string;
  tender_id: string | null;
  run_at: Date;
  status: ScheduledEventEntity['status'];
  runs: number;
  created_at: Date;
  done_at: Date | null;
  due: boolean;
  lateness_ms: number;
}

function toEntity(r: ScheduledEventRow): ScheduledEventEntity {
  return Object.assign(new ScheduledEventEntity(), {
    id: r.id,
    kind: r.kind,
    subjectId: r.subject_id,
    tenderId: r.tender_id,
    runAt: new Date(r.run_at),
    status: r.status,
    runs: r.runs,
    createdAt: r.created_at,
    doneAt: r.done_at,
    latenessMs: null,
  });
}
