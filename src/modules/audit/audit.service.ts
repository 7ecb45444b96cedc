import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { AuditHeadsService } from './audit-heads.service';
import { ChainedEvent, chainHash, GENESIS_HASH, StoredEvent, StreamVerifier } from './audit-chain';

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

/** An event as GET /audit shows it: its hashed content and its two hashes (enough to recompute the chain). */
export interface AuditEventView extends ChainedEvent {
  prevHash: string;
  hash: string;
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
export const auditStreamLockSql = (param: string): string => `pg_advisory_xact_lock(hashtextextended(${param}, 7))`;

const NAMED_STREAM = /^[a-z][a-z0-9-]*:[A-Za-z0-9-]{1,64}$/;

/**
 * Whether a row of `audit_events e` (joined to `tenders t` on its sealed tender) may be shown: unsealed, or its
 * tender is past the opening — the status has left DRAFT/PUBLISHED and the deadline has passed (database clock),
 * the same rule as the bid-security module's "opened". A missing tender keeps it hidden (fail closed).
 */
const VISIBLE = `(e.sealed_tender_id IS NULL OR (t.status NOT IN ('DRAFT', 'PUBLISHED') AND t.bid_deadline <= now()))`;
const FROM_VISIBLE = `audit_events e LEFT JOIN tenders t ON t.id = e.sealed_tender_id`;

interface Row {
  stream: string;
  stream_seq: number;
  prev_hash: string;
  hash: string;
  occurred_at: Date;
  actor_id: string;
  actor_role: string;
  ip: string;
  action: string;
  object_type: string;
  object_id: string;
  tender_id: string | null;
  sealed_tender_id: string | null;
  data: Record<string, unknown>;
}

const COLUMNS = `e.stream, e.stream_seq, e.prev_hash, e.hash, e.occurred_at, e.actor_id, e.actor_role, e.ip, e.action,
  e.object_type, e.object_id, e.tender_id, e.sealed_tender_id, e.data`;

const toView = (r: Row): AuditEventView => ({
  stream: r.stream,
  streamSeq: r.stream_seq,
  prevHash: r.prev_hash,
  hash: r.hash,
  occurredAt: new Date(r.occurred_at).toISOString(),
  actorId: r.actor_id,
  actorRole: r.actor_role,
  ip: r.ip,
  action: r.action,
  objectType: r.object_type,
  objectId: r.object_id,
  tenderId: r.tender_id,
  ...(r.sealed_tender_id ? { sealedUntilOpeningOf: r.sealed_tender_id } : {}),
  data: r.data,
});

/**
 * The append-only, hash-chained audit log (留痕, EB20 Art. 49). `append` must be given the EntityManager of the
 * change it records.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly signedHeads: AuditHeadsService,
  ) {}

  /**
   * `streamLocked`: the caller's transaction already holds the stream's writer lock (auditStreamLockSql, in a
   * statement before this call).
   */
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
    if (!opts.streamLocked) await manager.query(`SELECT ${auditStreamLockSql('$1')}`, [stream]);
    const [head]: Array<{ seq: number | null; hash: string | null; sealed: string | null; ts: Date }> = await manager.query(
      `SELECT h.stream_seq AS seq, h.hash, h.sealed_tender_id AS sealed, date_trunc('milliseconds', clock_timestamp()) AS ts
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT stream_seq, hash, sealed_tender_id FROM audit_events WHERE stream = $1
                          ORDER BY stream_seq DESC LIMIT 1) h ON true`,
      [stream],
    );
    // A sealed event among unsealed ones (or another tender's) would show as a gap in the visible sequence numbers.
    if (head.seq !== null && head.sealed !== sealedTenderId) {
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
    await manager.query(
      `INSERT INTO audit_events (stream, stream_seq, prev_hash, hash, occurred_at, actor_id, actor_role, ip, action,
                                 object_type, object_id, tender_id, sealed_tender_id, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        event.stream,
        event.streamSeq,
        prevHash,
        hash,
        event.occurredAt,
        event.actorId,
        event.actorRole,
        event.ip,
        event.action,
        event.objectType,
        event.objectId,
        event.tenderId,
        sealedTenderId,
        JSON.stringify(event.data),
      ],
    );
  }

  /** The last event of each stream (`null` for an empty one), in the caller's transaction. */
  async heads(manager: EntityManager, streams: string[]): Promise<Map<string, { streamSeq: number; hash: string } | null>> {
    const out = new Map<string, { streamSeq: number; hash: string } | null>(streams.map((s) => [s, null]));
    if (!streams.length) return out;
    const rows: Array<{ stream: string; stream_seq: number; hash: string }> = await manager.query(
      `SELECT DISTINCT ON (stream) stream, stream_seq, hash FROM audit_events WHERE stream = ANY($1::text[])
       ORDER BY stream, stream_seq DESC`,
      [streams],
    );
    for (const r of rows) out.set(r.stream, { streamSeq: r.stream_seq, hash: r.hash });
    return out;
  }

  /** The visible events, optionally of one tender or one action, in the order they were written. */
  async list(filter: { tenderId?: string; action?: string; page: number; pageSize: number }): Promise<{
    items: AuditEventView[];
    total: number;
  }> {
    const where: string[] = [VISIBLE];
    const params: unknown[] = [];
    if (filter.tenderId) where.push(`e.tender_id = $${params.push(filter.tenderId)}`);
    if (filter.action) where.push(`e.action = $${params.push(filter.action)}`);
    const w = `WHERE ${where.join(' AND ')}`;
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM ${FROM_VISIBLE} ${w}`, params);
    // The storage id is not shown: its gaps would count the sealed events written in between.
    const rows: Row[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM ${FROM_VISIBLE} ${w} ORDER BY e.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      filter.pageSize,
      (filter.page - 1) * filter.pageSize,
    ]);
    return { items: rows.map(toView), total };
  }

  /**
   * Recomputes every chain — one tender's (its own stream and the named streams of its events), or all of them —
   * sealed streams included, so that tampering anywhere makes `valid` false. `events`, `streams` and `headHash`
   * cover the visible events only: before the opening they are the same whether a tender has no bid or many, and
   * the place of a break in a sealed stream is not shown. `headHash` is SHA-256 over the sorted "stream:head"
   * lines (head: the last visible event's hash), a value a supervisor can note down and compare later.
   */
  async verify(tenderId?: string): Promise<AuditVerdict> {
    const only: string[] | null = tenderId
      ? (await this.dataSource.query(`SELECT $1::text AS stream UNION SELECT DISTINCT stream FROM audit_events WHERE tender_id = $1::uuid`, [tenderId])).map(
          (r: { stream: string }) => r.stream,
        )
      : null;
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
      const rows: Array<Row & { visible: boolean }> = await this.dataSource.query(
        `SELECT ${COLUMNS}, ${VISIBLE} AS visible FROM ${FROM_VISIBLE}
         WHERE (e.stream, e.stream_seq) > ($1, $2) ${streams ? 'AND e.stream = ANY($3::text[])' : ''}
         ORDER BY e.stream, e.stream_seq LIMIT 5000`,
        streams ? [...after, streams] : after,
      );
      if (!rows.length) return;
      for (const r of rows) yield { row: toView(r), visible: r.visible };
      const last = rows[rows.length - 1];
      after = [last.stream, last.stream_seq];
    }
  }
}
