import { Injectable } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';

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

/** Messages addressed to the user, or to the user's organisation (every user of it reads its own copy). */
const MINE = `(n.recipient_user_id = $1 OR ($2::uuid IS NOT NULL AND n.recipient_organization_id = $2::uuid))`;

/**
 * 站内信: the in-app inbox of each user — the same outbox rows the e-mail/SMS sender delivers, read per user
 * (notification_reads). Nothing here changes delivery: a message is in the inbox from the commit of the fact it
 * announces, whether or not the outside sender has run.
 */
@Injectable()
export class InboxService {
  constructor(private readonly tx: TransactionRunner) {}

  async list(q: InboxQueryDto, actor: Actor): Promise<{ items: InboxItem[]; total: number; unread: number }> {
    const m = this.tx.manager;
    const params: unknown[] = [actor.userId, actor.organizationId];
    const unreadOnly = q.unread ? 'AND r.read_at IS NULL' : '';
    const from = `notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $1 WHERE ${MINE}`;
    const [{ total, unread }] = await m.query(
      `SELECT count(*) FILTER (WHERE true ${unreadOnly})::int AS total, count(*) FILTER (WHERE r.read_at IS NULL)::int AS unread FROM ${from}`,
      params,
    );
    const rows: Array<Record<string, string | Date | null>> = await m.query(
      `SELECT n.id, n.topic, n.subject, n.body, n.tender_id, n.created_at, r.read_at FROM ${from} ${unreadOnly}
       ORDER BY n.created_at DESC, n.id LIMIT $3 OFFSET $4`,
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
    const [{ unread }] = await this.tx.manager.query(
      `SELECT count(*)::int AS unread FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id = $1
       WHERE ${MINE} AND r.read_at IS NULL`,
      [actor.userId, actor.organizationId],
    );
    return { unread };
  }

  /** Marks one message read (again: unchanged, same answer); another user's message is 404. */
  async markRead(id: string, actor: Actor): Promise<{ id: string; readAt: string }> {
    return this.tx.run(async (m) => {
      const [n] = await m.query(`SELECT n.id FROM notifications n WHERE n.id = $3 AND ${MINE}`, [actor.userId, actor.organizationId, id]);
      if (!n) throw new NotFoundException('The message');
      await m.query(`INSERT INTO notification_reads (notification_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [id, actor.userId]);
      const [r] = await m.query(`SELECT read_at FROM notification_reads WHERE notification_id = $1 AND user_id = $2`, [id, actor.userId]);
      return { id, readAt: new Date(r.read_at).toISOString() };
    });
  }

  async markAllRead(actor: Actor): Promise<{ marked: number }> {
    return this.tx.run(async (m) => {
      const rows: unknown[] = await m.query(
        `INSERT INTO notification_reads (notification_id, user_id)
         SELECT n.id, $1 FROM notifications n WHERE ${MINE}
         ON CONFLICT DO NOTHING RETURNING notification_id`,
        [actor.userId, actor.organizationId],
      );
      return { marked: rows.length };
    });
  }
}
