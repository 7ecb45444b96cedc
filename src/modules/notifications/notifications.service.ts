import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { JobRegistry } from 'src/infra/queue/job-registry';
import { JobName } from 'src/infra/queue/queue.constants';
import { NotificationSender } from './notification-sender';

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

/** The notifications outbox: enqueue inside the caller's transaction; delivered after commit, once. */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly jobs: JobQueue,
    private readonly registry: JobRegistry,
    private readonly sender: NotificationSender,
  ) {
    this.registry.register(JobName.DeliverNotification, ({ notificationId }) => this.deliver(notificationId));
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
    await this.tx.run(async (m) => {
      const rows: Array<Record<string, string | null>> = await m.query(
        `SELECT id, recipient_user_id, recipient_organization_id, tender_id, topic, subject, body
         FROM notifications WHERE id = $1 AND status = 'PENDING' FOR UPDATE SKIP LOCKED`,
        [notificationId],
      );
      const n = rows[0];
      if (!n) return;
      await m.query(`UPDATE notifications SET attempts = attempts + 1 WHERE id = $1`, [notificationId]);
      await this.sender.send({
        id: n.id!,
        recipientUserId: n.recipient_user_id,
        recipientOrganizationId: n.recipient_organization_id,
        tenderId: n.tender_id,
        topic: n.topic!,
        subject: n.subject!,
        body: n.body!,
      });
      await m.query(`UPDATE notifications SET status = 'SENT', sent_at = clock_timestamp() WHERE id = $1`, [notificationId]);
    });
  }
}
