import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type NotificationStatus = 'PENDING' | 'SENT' | 'FAILED';

/**
 * One message of the outbox (e-mail / SMS / in-platform message), written in the transaction of the fact it
 * announces and delivered after commit by the DeliverNotification job through the NotificationSender.
 */
@Entity('notifications')
@Index('IDX_NOTIFICATIONS_PENDING', ['status', 'createdAt'])
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', nullable: true })
  recipientUserId: string | null;

  @Column({ type: 'uuid', nullable: true })
  recipientOrganizationId: string | null;

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  /**
   * Sealed identities (issue 17): a notice about a tender that seals identities, to a bidder-side party, names no
   * recipient in clear before the deadline — user and organisation are NULL, sealed here (platform tier, with the
   * dedupe key) and found by the inbox through the blind indexes (HMAC of tender|id); filled in clear at the deadline.
   */
  @Column({ type: 'text', nullable: true })
  recipientSealed: string | null;

  @Column({ type: 'text', nullable: true })
  recipientUserBlindIndex: string | null;

  @Column({ type: 'text', nullable: true })
  recipientOrgBlindIndex: string | null;

  /** e.g. TENDER_AMENDED, TENDER_CANCELLED, OBJECTION_FILED, OBJECTION_ANSWERED. */
  @Column({ type: 'text' })
  topic: string;

  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'text' })
  body: string;

  /** One message per fact and recipient: a repeated request or a job that runs twice adds nothing (keyed digest while sealed). */
  @Column({ type: 'text', unique: true })
  dedupeKey: string;

  @Column({ type: 'text', default: 'PENDING' })
  status: NotificationStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}
