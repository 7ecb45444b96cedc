import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** One message to write to the outbox, its recipient in clear or sealed (NoticeRecipientSealer). */
export interface OutboxRowInput {
  recipientUserId: string | null;
  recipientOrganizationId: string | null;
  tenderId: string | null;
  topic: string;
  subject: string;
  body: string;
  dedupeKey: string;
  recipientSealed: string | null;
  recipientUserBlindIndex: string | null;
  recipientOrgBlindIndex: string | null;
}

/** A PENDING message taken for delivery. */
export interface PendingNotification {
  id: string;
  recipientUserId: string | null;
  recipientOrganizationId: string | null;
  tenderId: string | null;
  topic: string;
  subject: string;
  body: string;
  dedupeKey: string;
  recipientSealed: string | null;
}

export interface SealedNoticeRow {
  id: string;
  dedupeKey: string;
  recipientSealed: string;
  recipientUserBlindIndex: string | null;
}

export interface SealedReadRow {
  notificationId: string;
  readerBlindIndex: string;
  readerSealed: string;
}

/** A message of the inbox, as read by one user. */
export interface InboxRow {
  id: string;
  topic: string;
  subject: string;
  body: string;
  tenderId: string | null;
  createdAt: Date;
  readAt: Date | null;
}

/** A message to mark read: in clear, or sealed (then marked under the reader's blind index on its tender). */
export interface NoticeToMark {
  id: string;
  tenderId: string | null;
  recipientSealed: string | null;
}

/**
 * The caller's keys on the inbox, in the order of the statements' parameters: $1 user id, $2 organisation id (or
 * null), $3 user blind indexes, $4 organisation blind indexes, $5 reader blind indexes.
 */
export type InboxParams = [userId: string, organizationId: string | null, userIndexes: string[], orgIndexes: string[], readerIndexes: string[]];

/**
 * Messages addressed to the user, or to the user's organisation (every user of it reads its own copy) — in clear, or
 * (a notice sealed before its tender's deadline, issue 17) by the caller's blind indexes on the tender ($3, $4).
 */
const MINE = `(n.recipient_user_id = $1 OR ($2::uuid IS NOT NULL AND n.recipient_organization_id = $2::uuid)
  OR n.recipient_user_blind_index = ANY($3::text[]) OR n.recipient_org_blind_index = ANY($4::text[]))`;
/** The caller's read mark: by user id, or by its reader blind index on a sealed notice's tender ($5). */
const MY_READ = `r.notification_id = n.id AND (r.user_id = $1 OR r.reader_blind_index = ANY($5::text[]))`;

/**
 * Owns `notifications` (the outbox) and `notification_reads` (the inbox's read marks). One statement is a read model
 * over another module's table, declared as such: `tendersSealing` (tenders). Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class NotificationsRepository {
  // ---- the outbox ----

  /** PENDING messages written at least `graceSeconds` ago (their job may be lost), oldest first. */
  async pendingIds(m: EntityManager, graceSeconds: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM notifications
       WHERE status = 'PENDING' AND created_at <= clock_timestamp() - make_interval(secs => $1)
       ORDER BY created_at LIMIT $2`,
      [graceSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Writes the messages in one statement; a dedupe key already present is skipped. Returns the ids written. */
  async insertMany(m: EntityManager, rowsIn: OutboxRowInput[]): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO notifications (recipient_user_id, recipient_organization_id, tender_id, topic, subject, body, dedupe_key,
                                  recipient_sealed, recipient_user_blind_index, recipient_org_blind_index)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        rowsIn.map((r) => r.recipientUserId),
        rowsIn.map((r) => r.recipientOrganizationId),
        rowsIn.map((r) => r.tenderId),
        rowsIn.map((r) => r.topic),
        rowsIn.map((r) => r.subject),
        rowsIn.map((r) => r.body),
        rowsIn.map((r) => r.dedupeKey),
        rowsIn.map((r) => r.recipientSealed),
        rowsIn.map((r) => r.recipientUserBlindIndex),
        rowsIn.map((r) => r.recipientOrgBlindIndex),
      ],
    );
    return rows.map((r) => r.id);
  }

  /** The message if still PENDING, locked; null when sent, or taken by another worker (SKIP LOCKED). */
  async lockPending(m: EntityManager, id: string): Promise<PendingNotification | null> {
    const rows: Array<{
      id: string;
      recipient_user_id: string | null;
      recipient_organization_id: string | null;
      tender_id: string | null;
      topic: string;
      subject: string;
      body: string;
      dedupe_key: string;
      recipient_sealed: string | null;
    }> = await m.query(
      `SELECT id, recipient_user_id, recipient_organization_id, tender_id, topic, subject, body, dedupe_key, recipient_sealed
         FROM notifications WHERE id = $1 AND status = 'PENDING' FOR UPDATE SKIP LOCKED`,
      [id],
    );
    const n = rows[0];
    if (!n) return null;
    return {
      id: n.id,
      recipientUserId: n.recipient_user_id,
      recipientOrganizationId: n.recipient_organization_id,
      tenderId: n.tender_id,
      topic: n.topic,
      subject: n.subject,
      body: n.body,
      dedupeKey: n.dedupe_key,
      recipientSealed: n.recipient_sealed,
    };
  }

  async countAttempt(m: EntityManager, id: string): Promise<void> {
    await m.query(`UPDATE notifications SET attempts = attempts + 1 WHERE id = $1`, [id]);
  }

  /** After a failed send: FAILED once the attempts reach `maxAttempts`, else still PENDING. */
  async failIfExhausted(m: EntityManager, id: string, maxAttempts: number): Promise<void> {
    await m.query(`UPDATE notifications SET status = CASE WHEN attempts >= $2 THEN 'FAILED' ELSE status END WHERE id = $1`, [id, maxAttempts]);
  }

  /** A message whose recipient the platform cannot name (sealed to the identity key): shown in the inbox only, no gateway. */
  async markInboxOnly(m: EntityManager, id: string): Promise<void> {
    await m.query(`UPDATE notifications SET status = 'INBOX_ONLY' WHERE id = $1`, [id]);
  }

  /**
   * After the deadline's unsealing: the notices among `ids` kept in the inbox only (INBOX_ONLY) that no one has read
   * become PENDING again, for the gateway. Returns their ids.
   */
  async requeueUnreadInboxOnly(m: EntityManager, ids: string[]): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `UPDATE notifications n SET status = 'PENDING'
         WHERE n.id = ANY($1::uuid[]) AND n.status = 'INBOX_ONLY' AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id)
       RETURNING n.id`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  async markSent(m: EntityManager, id: string): Promise<void> {
    await m.query(`UPDATE notifications SET status = 'SENT', sent_at = clock_timestamp() WHERE id = $1`, [id]);
  }

  // ---- sealed recipients (issue 17) ----

  /** The tender's notices with a sealed recipient, locked, in the order they were written. */
  async lockSealedOfTender(m: EntityManager, tenderId: string): Promise<SealedNoticeRow[]> {
    const rows: Array<{ id: string; dedupe_key: string; recipient_sealed: string; recipient_user_blind_index: string | null }> = await m.query(
      `SELECT id, dedupe_key, recipient_sealed, recipient_user_blind_index FROM notifications
       WHERE tender_id = $1 AND recipient_sealed IS NOT NULL ORDER BY created_at, id FOR UPDATE`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, dedupeKey: r.dedupe_key, recipientSealed: r.recipient_sealed, recipientUserBlindIndex: r.recipient_user_blind_index }));
  }

  /** Names the recipient in clear; the clear dedupe key again, unless a message with it was written meanwhile (then the digest stays: unique). */
  async unsealRecipient(m: EntityManager, id: string, who: { userId: string | null; organizationId: string | null; dedupeKey: string }): Promise<void> {
    await m.query(
      `UPDATE notifications SET recipient_user_id = $2, recipient_organization_id = $3,
           dedupe_key = CASE WHEN EXISTS (SELECT 1 FROM notifications x WHERE x.dedupe_key = $4) THEN dedupe_key ELSE $4 END,
           recipient_sealed = NULL, recipient_user_blind_index = NULL, recipient_org_blind_index = NULL
         WHERE id = $1`,
      [id, who.userId, who.organizationId, who.dedupeKey],
    );
  }

  /** The sealed read marks of the tender's notices, locked. */
  async lockSealedReadsOfTender(m: EntityManager, tenderId: string): Promise<SealedReadRow[]> {
    const rows: Array<{ notification_id: string; reader_blind_index: string; reader_sealed: string }> = await m.query(
      `SELECT r.notification_id, r.reader_blind_index, r.reader_sealed FROM notification_reads r JOIN notifications n ON n.id = r.notification_id
       WHERE n.tender_id = $1 AND r.reader_sealed IS NOT NULL FOR UPDATE OF r`,
      [tenderId],
    );
    return rows.map((r) => ({ notificationId: r.notification_id, readerBlindIndex: r.reader_blind_index, readerSealed: r.reader_sealed }));
  }

  /** A sealed read mark becomes the reader's in clear (unless the reader already has one), the sealed one is removed. */
  async unsealRead(m: EntityManager, notificationId: string, readerBlindIndex: string, userId: string): Promise<void> {
    await m.query(
      `UPDATE notification_reads SET user_id = $3, reader_blind_index = NULL, reader_sealed = NULL
         WHERE notification_id = $1 AND reader_blind_index = $2
           AND NOT EXISTS (SELECT 1 FROM notification_reads x WHERE x.notification_id = $1 AND x.user_id = $3)`,
      [notificationId, readerBlindIndex, userId],
    );
    await m.query(`DELETE FROM notification_reads WHERE notification_id = $1 AND reader_blind_index = $2`, [notificationId, readerBlindIndex]);
  }

  /** The tenders having sealed notices or sealed read marks (few: those before their deadline). */
  async tendersWithSealedNotices(m: EntityManager): Promise<string[]> {
    const rows: Array<{ tender_id: string }> = await m.query(
      `SELECT tender_id FROM notifications WHERE recipient_sealed IS NOT NULL
       UNION
       SELECT n.tender_id FROM notification_reads r JOIN notifications n ON n.id = r.notification_id WHERE r.reader_sealed IS NOT NULL`,
    );
    return rows.map((r) => r.tender_id);
  }

  /**
   * Read model (tenders): each tender's procuring entity, and whether it seals identities now (an identity key, and
   * the database clock before its bid deadline), and the bid deadline.
   */
  async tendersSealing(m: EntityManager, tenderIds: string[]): Promise<Array<{ id: string; procuringEntityId: string; sealed: boolean; bidDeadline: Date }>> {
    const rows: Array<{ id: string; procuring_entity_id: string; sealed: boolean; bid_deadline: Date }> = await m.query(
      `SELECT id, procuring_entity_id, (identity_public_key IS NOT NULL AND clock_timestamp() < bid_deadline) AS sealed, bid_deadline
         FROM tenders WHERE id = ANY($1::uuid[])`,
      [tenderIds],
    );
    return rows.map((r) => ({ id: r.id, procuringEntityId: r.procuring_entity_id, sealed: r.sealed, bidDeadline: r.bid_deadline }));
  }

  // ---- the inbox ----

  /** The caller's messages (all, or unread only) and how many are unread. */
  async inboxCounts(m: EntityManager, params: InboxParams, unreadOnly: boolean): Promise<{ total: number; unread: number }> {
    const from = `notifications n LEFT JOIN notification_reads r ON ${MY_READ} WHERE ${MINE}`;
    const filter = unreadOnly ? 'AND r.read_at IS NULL' : '';
    const [{ total, unread }]: Array<{ total: number; unread: number }> = await m.query(
      `SELECT count(*) FILTER (WHERE true ${filter})::int AS total, count(*) FILTER (WHERE r.read_at IS NULL)::int AS unread FROM ${from}`,
      params,
    );
    return { total, unread };
  }

  /** One page of the caller's messages, newest first. */
  async inboxPage(m: EntityManager, params: InboxParams, unreadOnly: boolean, limit: number, offset: number): Promise<InboxRow[]> {
    const from = `notifications n LEFT JOIN notification_reads r ON ${MY_READ} WHERE ${MINE}`;
    const filter = unreadOnly ? 'AND r.read_at IS NULL' : '';
    const rows: Array<{ id: string; topic: string; subject: string; body: string; tender_id: string | null; created_at: Date; read_at: Date | null }> = await m.query(
      `SELECT n.id, n.topic, n.subject, n.body, n.tender_id, n.created_at, r.read_at FROM ${from} ${filter}
       ORDER BY n.created_at DESC, n.id LIMIT $6 OFFSET $7`,
      [...params, limit, offset],
    );
    return rows.map((r) => ({ id: r.id, topic: r.topic, subject: r.subject, body: r.body, tenderId: r.tender_id, createdAt: r.created_at, readAt: r.read_at }));
  }

  async unreadCount(m: EntityManager, params: InboxParams): Promise<number> {
    const [{ unread }]: Array<{ unread: number }> = await m.query(
      `SELECT count(*)::int AS unread FROM notifications n LEFT JOIN notification_reads r ON ${MY_READ}
       WHERE ${MINE} AND r.read_at IS NULL`,
      params,
    );
    return unread;
  }

  /** The caller's message with this id, or null (someone else's is as unknown). */
  async findMine(m: EntityManager, params: InboxParams, id: string): Promise<NoticeToMark | null> {
    const [n]: Array<{ id: string; tender_id: string | null; recipient_sealed: string | null }> = await m.query(
      `SELECT n.id, n.tender_id, n.recipient_sealed FROM notifications n WHERE n.id = $5 AND ${MINE}`,
      [...params.slice(0, 4), id],
    );
    return n ? { id: n.id, tenderId: n.tender_id, recipientSealed: n.recipient_sealed } : null;
  }

  async unreadOfMine(m: EntityManager, params: InboxParams): Promise<NoticeToMark[]> {
    const rows: Array<{ id: string; tender_id: string | null; recipient_sealed: string | null }> = await m.query(
      `SELECT n.id, n.tender_id, n.recipient_sealed FROM notifications n LEFT JOIN notification_reads r ON ${MY_READ}
         WHERE ${MINE} AND r.read_at IS NULL`,
      params,
    );
    return rows.map((n) => ({ id: n.id, tenderId: n.tender_id, recipientSealed: n.recipient_sealed }));
  }

  /** When the user read the message (by user id, or under one of its reader blind indexes), or null. */
  async readAt(m: EntityManager, id: string, userId: string, readerIndexes: string[]): Promise<Date | null> {
    const [r]: Array<{ read_at: Date }> = await m.query(
      `SELECT r.read_at FROM notification_reads r WHERE r.notification_id = $3 AND (r.user_id = $1 OR r.reader_blind_index = ANY($2::text[]))`,
      [userId, readerIndexes, id],
    );
    return r ? r.read_at : null;
  }

  /** Read marks in clear; an existing one is kept. Returns how many were new. */
  async insertClearReads(m: EntityManager, notificationIds: string[], userId: string): Promise<number> {
    const rows: unknown[] = await m.query(
      `INSERT INTO notification_reads (notification_id, user_id) SELECT unnest($1::uuid[]), $2::uuid ON CONFLICT DO NOTHING RETURNING notification_id`,
      [notificationIds, userId],
    );
    return rows.length;
  }

  /** Read marks under reader blind indexes, the reader sealed; an existing one is kept. Returns how many were new. */
  async insertSealedReads(m: EntityManager, marks: Array<{ notificationId: string; readerBlindIndex: string; readerSealed: string }>): Promise<number> {
    const rows: unknown[] = await m.query(
      `INSERT INTO notification_reads (notification_id, reader_blind_index, reader_sealed)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING RETURNING notification_id`,
      [marks.map((x) => x.notificationId), marks.map((x) => x.readerBlindIndex), marks.map((x) => x.readerSealed)],
    );
    return rows.length;
  }
}
