import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { AuditHeadsService } from './audit-heads.service';
import { ChainedEvent, chainHash, GENESIS_HASH, StoredEvent, StreamVerifier } from './audit-chain';
import { AuditEventsRepository, AuditEventView, auditStreamLockSql } from './audit-events.repository';

export type { AuditEventView };

export interface AuditInput {
  actor: Actor;
  /** UPPER_SNAKE verb of what happened, e.g. TENDER_PUBLISHED, BID_SUBMITTED, ESCROW_KEY_UNSEALED. */
  action: string;
  objectType: string;
  objectId: string;
  tenderId?: string | null;
  /**
   * The hash chain the event joins. Default: the tender's own stream (`tenderId`), else "platform". A named stream
   * `<kind>:<id>` (`auditStream('bid', bidId)`) gives a busy object a chain of its own: a stream has one writer at a
   * time until commit, so objects that change concurrently (bids, bid-security accounts) must not share one.
   */
  stream?: string;
  /**
   * Seals the event until this tender is opened (TBL Art. 22: before the opening nobody may learn who bid or how
   * many did). The event carries the tender id (so that once opened, `GET /audit?tenderId=` shows it in its order)
   * but no listing, count or verification total shows it while the tender is DRAFT or PUBLISHED (or was cancelled
   * before its deadline, until that deadline). It needs a named stream: in the tender's stream its sequence number
   * would count the sealed events. Every event of a stream carries the same seal (or none).
   */
  sealedUntilOpeningOf?: string;
  /** Never a bid's plaintext, price or key before opening. */
  data?: Record<string, unknown>;
}

export interface AuditVerdict {
  valid: boolean;
  /** Visible events verified (sealed events are verified but not counted). */
  events: number;
  /** SHA-256 over the sorted "stream:head" lines of the visible streams; GENESIS_HASH when there are none. */
  headHash: string;
  /** Visible streams. */
  streams: number;
  /** The first row that breaks a chain; in a sealed stream only that one does, not where. */
  brokenAt?: { stream: string; streamSeq: number; reason: string } | { sealed: true; reason: string } | { reason: string };
  /** Heads signed with the platform key (at every opening and daily), all checked (whole-log verification only). */
  signedHeads?: number;
  latestSignedAt?: string | null;
}

export const PLATFORM_STREAM = 'platform';

/** A named stream: `<kind>:<id>`, e.g. `bid:<bidId>`, `bid-security:<accountId>`. */
export const auditStream = (kind: string, id: string): string => `${kind}:${id}`;
/**
 * The SQL expression (type void) that takes a stream's writer lock, for a caller that takes it inside one of its
 * own statements — one round trip less — and then calls `append(…, { streamLocked: true })`. `param` is the
 * statement's parameter holding the stream's name. Append reads the head in a later statement, whose snapshot sees
 * every event committed before the lock was granted.
 */
export { auditStreamLockSql };

const NAMED_STREAM = /^[a-z][a-z0-9-]*:[A-Za-z0-9-]{1,64}$/;

/**
 * The append-only, hash-chained audit log (留痕, EB20 Art. 49). `append` must be given the EntityManager of the
 * change it records.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signedHeads: AuditHeadsService,
    private readonly events: AuditEventsRepository,
  ) {}

  /**
   * `streamLocked`: the caller's transaction already holds the stream's writer lock (auditStreamLockSql, in a
   * statement before this call).
   */
  /**
   * Takes the stream's writer lock now, held until commit (append takes it again without waiting). For a caller that
   * takes row locks before it appends: another writer of the stream may hold the stream's lock and want those rows,
   * so the stream's lock first keeps one lock order (no deadlock).
   */
  async lockStream(manager: EntityManager, stream: string): Promise<void> {
    await this.events.lockStream(manager, stream);
  }

  async append(manager: EntityManager, input: AuditInput, opts: { streamLocked?: boolean } = {}): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('audit events are written inside the transaction of the change they record');
    }
    const sealedTenderId = input.sealedUntilOpeningOf ?? null;
    const tenderId = input.tenderId ?? sealedTenderId;
    if (input.stream !== undefined && !NAMED_STREAM.test(input.stream)) {
      throw new Error(`an audit stream is named "<kind>:<id>", not "${input.stream}"`);
    }
    if (sealedTenderId && (input.stream === undefined || tenderId !== sealedTenderId)) {
      throw new Error('a sealed audit event needs a named stream and carries the tender it is sealed for');
    }
    const stream = input.stream ?? tenderId ?? PLATFORM_STREAM;
    // One writer per stream at a time, until commit: the chain never forks. The head is read after the lock.
    if (!opts.streamLocked) await this.events.lockStream(manager, stream);
    const head = await this.events.head(manager, stream);
    // A sealed event among unsealed ones (or another tender's) would show as a gap in the visible sequence numbers.
    if (head.seq !== null && head.sealedTenderId !== sealedTenderId) {
      throw new Error(`audit stream ${stream} holds events of another seal`);
    }
    const prevHash = head.hash ?? GENESIS_HASH;
    const event: ChainedEvent = {
      stream,
      streamSeq: (head.seq ?? 0) + 1,
      occurredAt: new Date(head.ts).toISOString(),
      actorId: input.actor.userId,
      actorRole: String(input.actor.role),
      ip: input.actor.ip || '',
      action: input.action,
      objectType: input.objectType,
      objectId: input.objectId,
      tenderId,
      ...(sealedTenderId ? { sealedUntilOpeningOf: sealedTenderId } : {}),
      data: JSON.parse(
        JSON.stringify(
          input.actor.onBehalfOf
            ? // 招标代理: "agent X for entity Y" on every event an agent's user causes.
              { ...(input.data ?? {}), actingAsAgent: { agentOrganizationId: input.actor.organizationId, onBehalfOfOrganizationId: input.actor.onBehalfOf } }
            : (input.data ?? {}),
        ),
      ),
    };
    const hash = chainHash(prevHash, event);
    await this.events.insert(manager, event, prevHash, hash, sealedTenderId);
  }

  /** The last event of each stream (`null` for an empty one), in the caller's transaction. */
  async heads(manager: EntityManager, streams: string[]): Promise<Map<string, { streamSeq: number; hash: string } | null>> {
    const out = new Map<string, { streamSeq: number; hash: string } | null>(streams.map((s) => [s, null]));
    if (!streams.length) return out;
    for (const r of await this.events.lastOf(manager, streams)) out.set(r.stream, { streamSeq: r.streamSeq, hash: r.hash });
    return out;
  }

  /** The visible events, optionally of one tender or one action, in the order they were written. */
  async list(filter: { tenderId?: string; action?: string; page: number; pageSize: number }): Promise<{
    items: AuditEventView[];
    total: number;
  }> {
    return this.events.pageVisible(this.dataSource.manager, filter);
  }

  /**
   * Recomputes every chain — one tender's (its own stream and the named streams of its events), or all of them —
   * sealed streams included, so that tampering anywhere makes `valid` false. `events`, `streams` and `headHash`
   * cover the visible events only: before the opening they are the same whether a tender has no bid or many, and
   * the place of a break in a sealed stream is not shown. `headHash` is SHA-256 over the sorted "stream:head"
   * lines (head: the last visible event's hash), a value a supervisor can note down and compare later.
   */
  async verify(tenderId?: string): Promise<AuditVerdict> {
    const only: string[] | null = tenderId ? await this.events.streamsOfTender(this.dataSource.manager, tenderId) : null;
    let events = 0;
    const heads: string[] = [];
    let brokenAt: AuditVerdict['brokenAt'];
    let current: { stream: string; v: StreamVerifier; visibleHead: string | null; visible: number; hidden: boolean } | null = null;
    const finish = () => {
      if (!current) return;
      if (current.v.broken && !brokenAt) {
        brokenAt = current.hidden
          ? { sealed: true, reason: 'a sealed stream does not verify; where is shown once its tender is opened' }
          : { stream: current.stream, ...current.v.broken };
      }
      events += current.visible;
      if (current.visibleHead) heads.push(`${current.stream}:${current.visibleHead}`);
    };
    for await (const { row, visible } of this.scan(only)) {
      if (!current || current.stream !== row.stream) {
        finish();
        current = { stream: row.stream, v: new StreamVerifier(), visibleHead: null, visible: 0, hidden: false };
      }
      current.v.push(row);
      if (visible) {
        current.visible++;
        current.visibleHead = row.hash;
      } else current.hidden = true;
    }
    finish();
    heads.sort();
    const headHash = heads.length ? createHash('sha256').update(heads.join('\n')).digest('hex') : GENESIS_HASH;
    // The signed heads: a chain cut below a signed head, or a deleted stream, is consistent in itself but fails here.
    let signed: Pick<AuditVerdict, 'signedHeads' | 'latestSignedAt'> = {};
    if (!tenderId) {
      const h = await this.signedHeads.verify();
      signed = { signedHeads: h.signedHeads, latestSignedAt: h.latestSignedAt };
      if (h.broken && !brokenAt) {
        const b = h.broken;
        brokenAt = b.sealed ? { sealed: true, reason: b.reason } : b.stream ? { stream: b.stream, streamSeq: b.streamSeq!, reason: b.reason } : { reason: b.reason };
      }
    }
    return { valid: !brokenAt, events, headHash, streams: heads.length, ...signed, ...(brokenAt ? { brokenAt } : {}) };
  }

  /** Every row (of the given streams), in (stream, stream_seq) order, in pages, with its visibility. */
  private async *scan(streams: string[] | null): AsyncGenerator<{ row: StoredEvent; visible: boolean }> {
    let after: [string, number] = ['', 0];
    for (;;) {
      const rows = await this.events.scanPage(this.dataSource.manager, after, streams);
      if (!rows.length) return;
      yield* rows;
      const last = rows[rows.length - 1].row;
      after = [last.stream, last.streamSeq];
    }
  }
}
