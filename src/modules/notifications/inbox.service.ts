import { Injectable } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { PageQueryDto } from 'src/common/http/page-query.dto';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { EntityManager } from 'typeorm';
import { InboxKeys, isIdentitySealed, NoticeRecipientSealer } from './notice-recipient-sealer';
import { InboxParams, NoticeToMark, NotificationsRepository } from './notifications.repository';

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
    private readonly notifications: NotificationsRepository,
  ) {}

  private async mine(m: EntityManager, actor: Actor): Promise<{ params: InboxParams; keys: InboxKeys }> {
    const keys = await this.sealer.inboxKeys(m, actor.userId, actor.organizationId ?? null);
    return { params: [actor.userId, actor.organizationId ?? null, keys.userIndexes, keys.orgIndexes, keys.readerIndexes], keys };
  }

  async list(q: InboxQueryDto, actor: Actor): Promise<{ items: InboxItem[]; total: number; unread: number }> {
    const m = this.tx.manager;
    const { params } = await this.mine(m, actor);
    const unreadOnly = !!q.unread;
    const { total, unread } = await this.notifications.inboxCounts(m, params, unreadOnly);
    const rows = await this.notifications.inboxPage(m, params, unreadOnly, q.pageSize, (q.page - 1) * q.pageSize);
    return {
      items: rows.map((r) => ({
        id: r.id,
        topic: r.topic,
        subject: r.subject,
        body: r.body,
        tenderId: r.tenderId,
        createdAt: new Date(r.createdAt).toISOString(),
        readAt: r.readAt ? new Date(r.readAt).toISOString() : null,
      })),
      total,
      unread,
    };
  }

  async unreadCount(actor: Actor): Promise<{ unread: number }> {
    const m = this.tx.manager;
    const { params } = await this.mine(m, actor);
    return { unread: await this.notifications.unreadCount(m, params) };
  }

  /** Marks one message read (again: unchanged, same answer); another user's message is 404. */
  async markRead(id: string, actor: Actor): Promise<{ id: string; readAt: string }> {
    return this.tx.run(async (m) => {
      const { params, keys } = await this.mine(m, actor);
      const n = await this.notifications.findMine(m, params, id);
      if (!n) throw new NotFoundException('The message');
      await this.insertReads(m, actor, keys, [n]);
      const readAt = await this.notifications.readAt(m, id, actor.userId, keys.readerIndexes);
      return { id, readAt: new Date(readAt!).toISOString() };
    });
  }

  async markAllRead(actor: Actor): Promise<{ marked: number }> {
    return this.tx.run(async (m) => {
      const { params, keys } = await this.mine(m, actor);
      const unread = await this.notifications.unreadOfMine(m, params);
      return { marked: await this.insertReads(m, actor, keys, unread) };
    });
  }

  /** Read marks: by user id in clear, or — a sealed notice — under the reader's blind index on its tender, sealed. */
  private async insertReads(m: EntityManager, actor: Actor, keys: InboxKeys, notices: NoticeToMark[]): Promise<number> {
    const clear = notices.filter((n) => !n.recipientSealed).map((n) => n.id);
    const sealed = notices.filter((n) => n.recipientSealed);
    let marked = 0;
    if (clear.length) marked += await this.notifications.insertClearReads(m, clear, actor.userId);
    if (sealed.length) {
      const rows = [];
      for (const n of sealed) {
        const reader = keys.readerIndexOf.get(n.tenderId!) ?? (await this.sealer.readerIndex(n.tenderId!, actor.userId));
        // A downloader's notice (identity tier, issue 17): its read mark names the reader to the identity key only.
        const pub = isIdentitySealed(n.recipientSealed) ? await this.sealer.identityPublicKey(m, n.tenderId!) : null;
        const readerSealed = pub ? this.sealer.sealReaderToIdentity(pub, n.id, reader, actor.userId) : this.sealer.sealReader(n.id, reader, actor.userId);
        rows.push({ notificationId: n.id, readerBlindIndex: reader, readerSealed });
      }
      marked += await this.notifications.insertSealedReads(m, rows);
    }
    return marked;
  }
}
