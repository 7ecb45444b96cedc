import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from 'src/infra/config/app-config';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { JobName } from 'src/infra/queue/queue.constants';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AuditService } from 'src/modules/audit/audit.service';
import { NoticeRecipientSealer } from './notice-recipient-sealer';
import { NotificationSender } from './notification-sender';
import { OnJob } from 'src/infra/queue/job-registry';
import { JobData } from 'src/infra/queue/job.types';
import { DomainEventMap, HandlerOrder, OnEvent } from 'src/common/events/domain-events';

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
    private readonly sealer: NoticeRecipientSealer,
    private readonly audit: AuditService,
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

  /**
   * Adds messages to the outbox (duplicates by dedupeKey are ignored); returns how many were new. A message about a
   * tender that seals identities, to a bidder-side party, is stored with its recipient sealed (NoticeRecipientSealer;
   * issue 17, TBL Art. 22): the subject and body name the tender, never the recipient.
   */
  async enqueue(m: EntityManager, items: NotificationInput[]): Promise<number> {
    if (items.length === 0) return 0;
    const toSeal = await this.sealer.toSeal(m, items);
    const rowsIn = items.map((i, n) => {
      const userId = i.recipientUserId ?? null;
      const organizationId = i.recipientOrganizationId ?? null;
      if (!toSeal[n]) return { userId, organizationId, dedupeKey: i.dedupeKey, sealed: null, userIndex: null, orgIndex: null };
      const s = this.sealer.seal(i.tenderId!, { userId, organizationId, dedupeKey: i.dedupeKey });
      return { userId: null, organizationId: null, ...s };
    });
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO notifications (recipient_user_id, recipient_organization_id, tender_id, topic, subject, body, dedupe_key,
                                  recipient_sealed, recipient_user_blind_index, recipient_org_blind_index)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        rowsIn.map((r) => r.userId),
        rowsIn.map((r) => r.organizationId),
        items.map((i) => i.tenderId ?? null),
        items.map((i) => i.topic),
        items.map((i) => i.subject),
        items.map((i) => i.body),
        rowsIn.map((r) => r.dedupeKey),
        rowsIn.map((r) => r.sealed),
        rowsIn.map((r) => r.userIndex),
        rowsIn.map((r) => r.orgIndex),
      ],
    );
    for (const r of rows) {
      await runAfterCommit(m, () => this.jobs.add({ name: JobName.DeliverNotification, data: { notificationId: r.id } }, { jobId: `notify-${r.id}` }));
    }
    return rows.length;
  }

  /** Sealed identities (issue 17): at the deadline the recipients of the notices sent before it are named again. */
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /**
   * At the deadline: the tender's sealed notices and their read marks are filled in clear, audited
   * (NOTIFICATION_RECIPIENTS_UNSEALED, naming each recipient). Returns how many notices.
   */
  async unsealTender(m: EntityManager, tenderId: string, actor: Actor = SYSTEM_ACTOR): Promise<number> {
    const rows: Array<{ id: string; dedupe_key: string; recipient_sealed: string }> = await m.query(
      `SELECT id, dedupe_key, recipient_sealed FROM notifications WHERE tender_id = $1 AND recipient_sealed IS NOT NULL ORDER BY created_at, id FOR UPDATE`,
      [tenderId],
    );
    const recipients: Array<{ notificationId: string; userId: string | null; organizationId: string | null }> = [];
    for (const r of rows) {
      const who = this.sealer.open(tenderId, r.dedupe_key, r.recipient_sealed);
      // The clear dedupe key again, unless a message with it was written meanwhile (then the digest stays: unique).
      await m.query(
        `UPDATE notifications SET recipient_user_id = $2, recipient_organization_id = $3,
           dedupe_key = CASE WHEN EXISTS (SELECT 1 FROM notifications x WHERE x.dedupe_key = $4) THEN dedupe_key ELSE $4 END,
           recipient_sealed = NULL, recipient_user_blind_index = NULL, recipient_org_blind_index = NULL
         WHERE id = $1`,
        [r.id, who.userId, who.organizationId, who.dedupeKey],
      );
      recipients.push({ notificationId: r.id, userId: who.userId, organizationId: who.organizationId });
    }
    const reads: Array<{ notification_id: string; reader_blind_index: string; reader_sealed: string }> = await m.query(
      `SELECT r.notification_id, r.reader_blind_index, r.reader_sealed FROM notification_reads r JOIN notifications n ON n.id = r.notification_id
       WHERE n.tender_id = $1 AND r.reader_sealed IS NOT NULL FOR UPDATE OF r`,
      [tenderId],
    );
    for (const r of reads) {
      const userId = this.sealer.openReader(r.notification_id, r.reader_blind_index, r.reader_sealed);
      await m.query(
        `UPDATE notification_reads SET user_id = $3, reader_blind_index = NULL, reader_sealed = NULL
         WHERE notification_id = $1 AND reader_blind_index = $2
           AND NOT EXISTS (SELECT 1 FROM notification_reads x WHERE x.notification_id = $1 AND x.user_id = $3)`,
        [r.notification_id, r.reader_blind_index, userId],
      );
      await m.query(`DELETE FROM notification_reads WHERE notification_id = $1 AND reader_blind_index = $2`, [r.notification_id, r.reader_blind_index]);
    }
    if (rows.length) {
      await this.audit.append(m, {
        actor,
        action: 'NOTIFICATION_RECIPIENTS_UNSEALED',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { notices: rows.length, reads: reads.length, recipients },
      });
    }
    return rows.length;
  }

  /** The job: sends a PENDING message once (the row is locked; a second run finds it SENT). */
  async deliver(notificationId: string): Promise<void> {
    let failure: Error | null = null;
    await this.tx.run(async (m) => {
      const rows: Array<Record<string, string | null>> = await m.query(
        `SELECT id, recipient_user_id, recipient_organization_id, tender_id, topic, subject, body, dedupe_key, recipient_sealed
         FROM notifications WHERE id = $1 AND status = 'PENDING' FOR UPDATE SKIP LOCKED`,
        [notificationId],
      );
      const n = rows[0];
      if (!n) return;
      await m.query(`UPDATE notifications SET attempts = attempts + 1 WHERE id = $1`, [notificationId]);
      // A sealed recipient is opened for the gateway only (the outside world is told whom to reach).
      const to = n.recipient_sealed
        ? this.sealer.open(n.tender_id!, n.dedupe_key!, n.recipient_sealed)
        : { userId: n.recipient_user_id, organizationId: n.recipient_organization_id };
      try {
        await this.sender.send({
          id: n.id!,
          recipientUserId: to.userId,
          recipientOrganizationId: to.organizationId,
          tenderId: n.tender_id,
          topic: n.topic!,
          subject: n.subject!,
          body: n.body!,
        });
      } catch (e) {
        // Keep the attempt (the transaction commits); FAILED after too many, for an operator to look at.
        await m.query(`UPDATE notifications SET status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE status END WHERE id = $1`, [notificationId, OUTBOX_MAX_ATTEMPTS]);
        failure = e as Error;
        return;
      }
      await m.query(`UPDATE notifications SET status = 'SENT', sent_at = clock_timestamp() WHERE id = $1`, [notificationId]);
    });
    if (failure) throw failure; // the job is retried by BullMQ, and the sweeper tries again
  }
}
