import { Injectable } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { EntityManager } from 'typeorm';
import { InboxKeys, NoticeRecipientSealer } from './notice-recipient-sealer';

export class InboxQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'true: unread messages only' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
}

export interface InboxItem {
  id: string;
  topic: string;
  subject: string;
  body: string;
  tenderId: string | null;
  createdAt: string;
  readAt: string | null;
}

/**
 * Messages addressed to the user, or to the user's organisation (every user of it reads its own copy) — in clear, or
 * (a notice sealed before its tender's deadline, issue 17) by the caller's blind indexes on the tender ($3, $4).
 */
const MINE = `(n.recipient_user_id = $1 OR ($2::uuid IS NOT NULL AND n.recipient_organization_id = $2::uuid)
  OR n.recipient_user_blind_index = ANY($3::text[]) OR n.recipient_org_blind_index = ANY($4::text[]))`;
/** The caller's read mark: by user id, or by its reader blind index on a sealed notice's tender ($5). */
const MY_READ = `r.notification_id = n.id AND (r.user_id = $1 OR r.reader_blind_index = ANY($5::text[]))`;

/**
 * 站内信: the in-app inbox of each user — the same outbox rows the e-mail/SMS sender delivers, read per user
 * (notification_reads). Nothing here changes delivery: a message is in the inbox from the commit of the fact it
 * announces, whether or not the outside sender has run. A sealed notice (NoticeRecipientSealer) is found by the
 * caller's blind indexes and marked read under a reader blind index, so neither names the recipient in the database.
 */
@Injectable()
export class InboxService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly sealer: NoticeRecipientSealer,
  ) {}

  private async mine(m: EntityManager, actor: Actor): Promise<{ params: unknown[]; keys: InboxKeys }> {
    const keys = await this.sealer.inboxKeys(m, actor.userId, actor.organizationId ?? null);
    return { params: [actor.userId, actor.organizationId ?? null, keys.userIndexes, keys.orgIndexes, keys.readerIndexes], keys };
  }

  async list(q: InboxQueryDto, actor: Actor): Promise<{ items: InboxItem[]; total: number; unread: number }> {
    const m = this.tx.manager;
    const { params } = await this.mine(m, actor);
    const unreadOnly = q.unread ? 'AND r.read_at IS NULL' : '';
    const from = `notifications n LEFT JOIN notification_reads r ON ${MY_READ} WHERE ${MINE}`;
    const [{ total, unread }] = await m.query(
      `SELECT count(*) FILTER (WHERE true ${unreadOnly})::int AS total, count(*) FILTER (WHERE r.read_at IS NULL)::int AS unread FROM ${from}`,
      params,
    );
    const rows: Array<Record<string, string | Date | null>> = await m.query(
      `SELECT n.id, n.topic, n.subject, n.body, n.tender_id, n.created_at, r.read_at FROM ${from} ${unreadOnly}
       ORDER BY n.created_at DESC, n.id LIMIT $6 OFFSET $7`,
      [...params, q.pageSize, (q.page - 1) * q.pageSize],
    );
    return {
      items: rows.map((r) => ({
        id: r.id as string,
        topic: r.topic as string,
        subject: r.subject as string,
        body: r.body as string,
        tenderId: r.tender_id as string | null,
        createdAt: new Date(r.created_at as Date).toISOString(),
        readAt: r.read_at ? new Date(r.read_at as Date).toISOString() : null,
      })),
      total,
      unread,
    };
  }

  async unreadCount(actor: Actor): Promise<{ unread: number }> {
    const m = this.tx.manager;
    const { params } = await this.mine(m, actor);
    const [{ unread }] = await m.query(
      `SELECT count(*)::int AS unread FROM notifications n LEFT JOIN notification_reads r ON ${MY_READ}
       WHERE ${MINE} AND r.read_at IS NULL`,
      params,
    );
    return { unread };
  }

  /** Marks one message read (again: unchanged, same answer); another user's message is 404. */
  async markRead(id: string, actor: Actor): Promise<{ id: string; readAt: string }> {
    return this.tx.run(async (m) => {
      const { params, keys } = await this.mine(m, actor);
      const [n] = await m.query(`SELECT n.id, n.tender_id, n.recipient_sealed FROM notifications n WHERE n.id = $5 AND ${MINE}`, [...params.slice(0, 4), id]);
      if (!n) throw new NotFoundException('The message');
      await this.insertReads(m, actor, keys, [n]);
      const [r] = await m.query(`SELECT r.read_at FROM notification_reads r WHERE r.notification_id = $3 AND (r.user_id = $1 OR r.reader_blind_index = ANY($2::text[]))`, [
        actor.userId,
        keys.readerIndexes,
        id,
      ]);
      return { id, readAt: new Date(r.read_at).toISOString() };
    });
  }

  async markAllRead(actor: Actor): Promise<{ marked: number }> {
    return this.tx.run(async (m) => {
      const { params, keys } = await this.mine(m, actor);
      const unread: Array<{ id: string; tender_id: string | null; recipient_sealed: string | null }> = await m.query(
        `SELECT n.id, n.tender_id, n.recipient_sealed FROM notifications n LEFT JOIN notification_reads r ON ${MY_READ}
         WHERE ${MINE} AND r.read_at IS NULL`,
        params,
      );
      return { marked: await this.insertReads(m, actor, keys, unread) };
    });
  }

  /** Read marks: by user id in clear, or — a sealed notice — under the reader's blind index on its tender, sealed. */
  private async insertReads(
    m: EntityManager,
    actor: Actor,
    keys: InboxKeys,
    notices: Array<{ id: string; tender_id: string | null; recipient_sealed: string | null }>,
  ): Promise<number> {
    const clear = notices.filter((n) => !n.recipient_sealed).map((n) => n.id);
    const sealed = notices.filter((n) => n.recipient_sealed);
    let marked = 0;
    if (clear.length) {
      const rows: unknown[] = await m.query(
        `INSERT INTO notification_reads (notification_id, user_id) SELECT unnest($1::uuid[]), $2::uuid ON CONFLICT DO NOTHING RETURNING notification_id`,
        [clear, actor.userId],
      );
      marked += rows.length;
    }
    if (sealed.length) {
      const readers = sealed.map((n) => keys.readerIndexOf.get(n.tender_id!) ?? this.sealer.readerIndex(n.tender_id!, actor.userId));
      const rows: unknown[] = await m.query(
        `INSERT INTO notification_reads (notification_id, reader_blind_index, reader_sealed)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING RETURNING notification_id`,
        [sealed.map((n) => n.id), readers, sealed.map((n, i) => this.sealer.sealReader(n.id, readers[i], actor.userId))],
      );
      marked += rows.length;
    }
    return marked;
  }
}
