import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from 'src/infra/config/app-config';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { JobName } from 'src/infra/queue/queue.constants';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AuditService } from 'src/modules/audit/audit.service';
import {
  DEDUPE_DIGEST_PREFIX,
  IDENTITY_TIER,
  IdentityOpener,
  identityRecipientAad,
  isIdentitySealed,
  NoticeRecipientSealer,
  PreSealedRecipient,
  SealedRecipient,
} from './notice-recipient-sealer';
import { NotificationsRepository, OutboxRowInput, SealedNoticeRow } from './notifications.repository';
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
  /**
   * A recipient already sealed to the tender's identity key (a downloader before the deadline, issue 17): stored as
   * is (no recipient ids then), shown in the inbox by its blind indexes, never sent to the gateway before the deadline.
   */
  sealedRecipient?: PreSealedRecipient;
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
    private readonly notifications: NotificationsRepository,
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
    const ids = await this.notifications.pendingIds(this.tx.manager, OUTBOX_GRACE_MS / 1000, OUTBOX_BATCH);
    let sent = 0;
    for (const id of ids) {
      try {
        await this.deliver(id);
        sent++;
      } catch (e) {
        this.logger.warn(`notification ${id} not delivered yet: ${(e as Error).message}`);
      }
    }
    return sent;
  }

  /**
   * Adds messages to the outbox (duplicates by dedupeKey are ignored); returns how many were new. A message about a
   * tender that seals identities, to a bidder-side party, is stored with its recipient sealed to the tender's identity
   * key (NoticeRecipientSealer; issue 17, TBL Art. 22): inbox only until the deadline, the subject and body name the
   * tender, never the recipient.
   */
  async enqueue(m: EntityManager, items: NotificationInput[]): Promise<number> {
    if (items.length === 0) return 0;
    const toSeal = await this.sealer.toSeal(m, items);
    // The identity public key of each tender whose notices are sealed here (toSeal: the tender has one).
    const publicKeys = new Map<string, string>();
    for (const [n, i] of items.entries()) {
      if (!toSeal[n] || i.sealedRecipient || publicKeys.has(i.tenderId!)) continue;
      const pub = await this.sealer.identityPublicKey(m, i.tenderId!);
      if (!pub) throw new Error(`tender ${i.tenderId} seals identities but has no identity key`);
      publicKeys.set(i.tenderId!, pub);
    }
    const rows: OutboxRowInput[] = [];
    for (const [n, i] of items.entries()) rows.push(await this.outboxRow(i, toSeal[n] ? (publicKeys.get(i.tenderId!) ?? null) : null));
    const ids = await this.notifications.insertMany(m, rows);
    for (const id of ids) {
      await runAfterCommit(m, () => this.jobs.add({ name: JobName.DeliverNotification, data: { notificationId: id } }, { jobId: `notify-${id}` }));
    }
    return ids.length;
  }

  /**
   * The row of a message: its recipient in clear, already sealed by the caller (a downloader), or — `identityKey`,
   * a bidder-side recipient before the deadline — sealed here to the tender's identity key with its clear dedupe key.
   */
  private async outboxRow(i: NotificationInput, identityKey: string | null): Promise<OutboxRowInput> {
    const userId = i.recipientUserId ?? null;
    const organizationId = i.recipientOrganizationId ?? null;
    const message = { tenderId: i.tenderId ?? null, topic: i.topic, subject: i.subject, body: i.body };
    if (i.sealedRecipient && i.tenderId) {
      return {
        ...message,
        recipientUserId: null,
        recipientOrganizationId: null,
        dedupeKey: i.dedupeKey, // names no one: `<fact>-recipient-<user blind index>`, already on the row
        recipientSealed: IDENTITY_TIER + i.sealedRecipient.sealed,
        recipientUserBlindIndex: i.sealedRecipient.userIndex,
        recipientOrgBlindIndex: i.sealedRecipient.orgIndex,
      };
    }
    if (!identityKey) {
      return {
        ...message,
        recipientUserId: userId,
        recipientOrganizationId: organizationId,
        dedupeKey: i.dedupeKey,
        recipientSealed: null,
        recipientUserBlindIndex: null,
        recipientOrgBlindIndex: null,
      };
    }
    const s = await this.sealer.sealClearToIdentity(identityKey, i.tenderId!, { userId, organizationId, dedupeKey: i.dedupeKey });
    return {
      ...message,
      recipientUserId: null,
      recipientOrganizationId: null,
      dedupeKey: s.dedupeKey, // the keyed digest: a repeated enqueue of the same fact and recipient is still ignored
      recipientSealed: s.sealed,
      recipientUserBlindIndex: s.userIndex,
      recipientOrgBlindIndex: s.orgIndex,
    };
  }

  /** Sealed identities (issue 17): at the deadline the recipients of the notices sent before it are named again. */
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /** A tender that ended before its deadline: its sealed notices are opened at that deadline all the same. */
  @OnEvent('SealedIdentitiesDue', { order: HandlerOrder.UNSEAL })
  async onSealedIdentitiesDue(m: EntityManager, { tenderId }: DomainEventMap['SealedIdentitiesDue']): Promise<void> {
    await this.unsealTender(m, tenderId);
  }

  /**
   * At the deadline: the tender's sealed notices and their read marks are filled in clear, audited
   * (NOTIFICATION_RECIPIENTS_UNSEALED, naming each recipient). A notice kept in the inbox only before the deadline
   * (INBOX_ONLY) that nobody has read goes to the gateway now (the normal delivery); one already read in the inbox
   * was delivered there and stays INBOX_ONLY. Returns how many notices.
   */
  async unsealTender(m: EntityManager, tenderId: string, actor: Actor = SYSTEM_ACTOR): Promise<number> {
    const rows = await this.notifications.lockSealedOfTender(m, tenderId);
    const reads = await this.notifications.lockSealedReadsOfTender(m, tenderId);
    const recipients: Array<{ notificationId: string; userId: string | null; organizationId: string | null }> = [];
    const fill = async (openIdentity: IdentityOpener | null) => {
      for (const r of rows) {
        const who = isIdentitySealed(r.recipientSealed) ? this.openIdentityRecipient(openIdentity!, tenderId, r) : this.sealer.open(tenderId, r.dedupeKey, r.recipientSealed);
        await this.notifications.unsealRecipient(m, r.id, who);
        recipients.push({ notificationId: r.id, userId: who.userId, organizationId: who.organizationId });
      }
      for (const r of reads) {
        const userId = isIdentitySealed(r.readerSealed)
          ? this.sealer.openReaderWith(openIdentity!, r.notificationId, r.readerBlindIndex, r.readerSealed)
          : this.sealer.openReader(r.notificationId, r.readerBlindIndex, r.readerSealed);
        await this.notifications.unsealRead(m, r.notificationId, r.readerBlindIndex, userId);
      }
    };
    // Operator tier: the identity key is rebuilt from k custodians only when needed.
    if (rows.some((r) => isIdentitySealed(r.recipientSealed)) || reads.some((r) => isIdentitySealed(r.readerSealed))) {
      await this.sealer.withIdentityOpener(m, tenderId, actor, fill);
    } else {
      await fill(null);
    }
    const redeliver = rows.length
      ? await this.notifications.requeueUnreadInboxOnly(
          m,
          rows.map((r) => r.id),
        )
      : [];
    for (const id of redeliver) {
      await runAfterCommit(m, () => this.jobs.add({ name: JobName.DeliverNotification, data: { notificationId: id } }, { jobId: `notify-${id}-unsealed` }));
    }
    if (rows.length) {
      await this.audit.append(m, {
        actor,
        action: 'NOTIFICATION_RECIPIENTS_UNSEALED',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { notices: rows.length, reads: reads.length, recipients, redelivered: redeliver.length },
      });
    }
    return rows.length;
  }

  /**
   * An identity-tier recipient. Sealed here from a clear recipient (its dedupe key the keyed digest): the seal holds the
   * clear dedupe key. A downloader's (pre-sealed by the caller): its dedupe key `<fact>-recipient-<blind index>`
   * becomes `<fact>-user-<id>`.
   */
  private openIdentityRecipient(open: IdentityOpener, tenderId: string, r: SealedNoticeRow): SealedRecipient {
    if (r.dedupeKey.startsWith(DEDUPE_DIGEST_PREFIX)) return this.sealer.openClearWith(open, tenderId, r.dedupeKey, r.recipientSealed);
    const userIndex = r.recipientUserBlindIndex!;
    const who = open<{ userId: string; organizationId: string | null }>(r.recipientSealed.slice(IDENTITY_TIER.length), identityRecipientAad(tenderId, userIndex));
    const suffix = `-recipient-${userIndex}`;
    const dedupeKey = r.dedupeKey.endsWith(suffix) ? `${r.dedupeKey.slice(0, -suffix.length)}-user-${who.userId}` : r.dedupeKey;
    return { userId: who.userId, organizationId: who.organizationId, dedupeKey };
  }

  /** The job: sends a PENDING message once (the row is locked; a second run finds it SENT). */
  async deliver(notificationId: string): Promise<void> {
    let failure: Error | null = null;
    await this.tx.run(async (m) => {
      const n = await this.notifications.lockPending(m, notificationId);
      if (!n) return;
      if (isIdentitySealed(n.recipientSealed)) {
        // Sealed to the identity key (a bidder-side recipient before the deadline, issue 17): the platform cannot name
        // the recipient, so the gateway is skipped (recorded as INBOX_ONLY); the inbox shows it by its blind indexes.
        // The deadline's unsealing hands it to the gateway if no one has read it (unsealTender).
        await this.notifications.markInboxOnly(m, notificationId);
        return;
      }
      await this.notifications.countAttempt(m, notificationId);
      // A former platform-tier recipient (a row written before the move to the identity key) is opened for the gateway
      // only (the outside world is told whom to reach).
      const to = n.recipientSealed ? this.sealer.open(n.tenderId!, n.dedupeKey, n.recipientSealed) : { userId: n.recipientUserId, organizationId: n.recipientOrganizationId };
      try {
        await this.sender.send({
          id: n.id,
          recipientUserId: to.userId,
          recipientOrganizationId: to.organizationId,
          tenderId: n.tenderId,
          topic: n.topic,
          subject: n.subject,
          body: n.body,
        });
      } catch (e) {
        // Keep the attempt (the transaction commits); FAILED after too many, for an operator to look at.
        await this.notifications.failIfExhausted(m, notificationId, OUTBOX_MAX_ATTEMPTS);
        failure = e as Error;
        return;
      }
      await this.notifications.markSent(m, notificationId);
    });
    if (failure) throw failure; // the job is retried by BullMQ, and the sweeper tries again
  }
}
