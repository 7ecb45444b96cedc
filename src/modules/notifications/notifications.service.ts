import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from 'src/infra/config/app-config';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { JobName } from 'src/infra/queue/queue.constants';
import { NotificationSender } from './notification-sender';
import { OnJob } from 'src/infra/queue/job-registry';
import { JobData } from 'src/infra/queue/job.types';

export interface NotificationInput {
  recipientUserId?: string | null;
  recipientOrganizationId?: string | null;
  tenderId?: string | null;
  topic: string;
  subject: string;
  body: string;
  /** Unique per fact and recipient, e.g. `amendment-<id>-user-<userId>`. */
  dedupeKey: string;
}

/** A message still PENDING this long after it was written is delivered by the sweeper (its job was lost). */
const OUTBOX_GRACE_MS = 2_000;
const OUTBOX_BATCH = 100;
/** A message whose sending failed this often is left FAILED for an operator (the attempts are on the row). */
export const OUTBOX_MAX_ATTEMPTS = 20;

/**
 * The notifications outbox: enqueue inside the caller's transaction; delivered after commit, once. Redis only
 * speeds delivery up: every worker process sweeps the table on an in-process timer and delivers PENDING rows whose
 * job was lost (a flush, an outage at commit time). Rows are taken with FOR UPDATE SKIP LOCKED: no leader needed.
 */
@Injectable()
export class NotificationsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationsService.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly sender: NotificationSender,
    private readonly config: AppConfig,
  ) {}

  @OnJob(JobName.DeliverNotification)
  async onDeliverJob({ notificationId }: JobData<JobName.DeliverNotification>): Promise<void> {
    await this.deliver(notificationId);
  }

  onApplicationBootstrap(): void {
    if (!this.config.runWorkers) return;
    this.timer = setInterval(() => void this.sweepNow(), this.config.sweepIntervalMs);
    this.timer.unref?.();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping?.catch(() => undefined);
  }

  private sweepNow(): Promise<number> {
    if (!this.sweeping) {
      this.sweeping = this.sweepOutbox()
        .catch((e) => {
          this.logger.warn(`outbox sweep failed: ${(e as Error).message}`);
          return 0;
        })
        .finally(() => (this.sweeping = null));
    }
    return this.sweeping;
  }

  /** Delivers PENDING messages older than the grace, from the database (no Redis involved). Returns how many. */
  async sweepOutbox(): Promise<number> {
    const rows: Array<{ id: string }> = await this.tx.manager.query(
      `SELECT id FROM notifications
       WHERE status = 'PENDING' AND created_at <= clock_timestamp() - make_interval(secs => $1)
       ORDER BY created_at LIMIT $2`,
      [OUTBOX_GRACE_MS / 1000, OUTBOX_BATCH],
    );
    let sent = 0;
    for (const r of rows) {
      try {
        await this.deliver(r.id);
        sent++;
      } catch (e) {
        this.logger.warn(`notification ${r.id} not delivered yet: ${(e as Error).message}`);
      }
    }
    return sent;
  }

  /** Adds messages to the outbox (duplicates by dedupeKey are ignored); returns how many were new. */
  async enqueue(m: EntityManager, items: NotificationInput[]): Promise<number> {
    if (items.length === 0) return 0;
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO notifications (recipient_user_id, recipient_organization_id, tender_id, topic, subject, body, dedupe_key)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        items.map((i) => i.recipientUserId ?? null),
        items.map((i) => i.recipientOrganizationId ?? null),
        items.map((i) => i.tenderId ?? null),
        items.map((i) => i.topic),
        items.map((i) => i.subject),
        items.map((i) => i.body),
        items.map((i) => i.dedupeKey),
      ],
    );
    for (const r of rows) {
      await runAfterCommit(m, () => this.jobs.add({ name: JobName.DeliverNotification, data: { notificationId: r.id } }, { jobId: `notify-${r.id}` }));
    }
    return rows.length;
  }

  /** The job: sends a PENDING message once (the row is locked; a second run finds it SENT). */
  async deliver(notificationId: string): Promise<void> {
    let failure: Error | null = null;
    await this.tx.run(async (m) => {
      const rows: Array<Record<string, string | null>> = await m.query(
        `SELECT id, recipient_user_id, recipient_organization_id, tender_id, topic, subject, body
         FROM notifications WHERE id = $1 AND status = 'PENDING' FOR UPDATE SKIP LOCKED`,
        [notificationId],
      );
      const n = rows[0];
      if (!n) return;
      await m.query(`UPDATE notifications SET attempts = attempts + 1 WHERE id = $1`, [notificationId]);
      try {
        await this.sender.send({
          id: n.id!,
          recipientUserId: n.recipient_user_id,
          recipientOrganizationId: n.recipient_organization_id,
          tenderId: n.tender_id,
          topic: n.topic!,
          subject: n.subject!,
          body: n.body!,
        });
      } catch (e) {
        // Keep the attempt (the transaction commits); FAILED after too many, for an operator to look at.
        await m.query(
          `UPDATE notifications SET status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE status END WHERE id = $1`,
          [notificationId, OUTBOX_MAX_ATTEMPTS],
        );
        failure = e as Error;
        return;
      }
      await m.query(`UPDATE notifications SET status = 'SENT', sent_at = clock_timestamp() WHERE id = $1`, [notificationId]);
    });
    if (failure) throw failure; // the job is retried by BullMQ, and the sweeper tries again
  }
}
