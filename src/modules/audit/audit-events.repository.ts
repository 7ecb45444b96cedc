import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChainedEvent } from './audit-chain';

/** An event as GET /audit shows it: its hashed content and its two hashes (enough to recompute the chain). */
export interface AuditEventView extends ChainedEvent {
  prevHash: string;
  hash: string;
}

/** The last event of a stream, and the database clock (milliseconds) to stamp the next one with. */
export interface StreamHeadRow {
  /** null: the stream is empty. */
  seq: number | null;
  hash: string | null;
  sealedTenderId: string | null;
  ts: Date;
}

/**
 * The SQL expression (type void) that takes a stream's writer lock, for a caller that takes it inside one of its
 * own statements. `param` is the statement's parameter holding the stream's name.
 */
export const auditStreamLockSql = (param: string): string => `pg_advisory_xact_lock(hashtextextended(${param}, 7))`;

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
 * Owns `audit_events` (append-only, hash-chained). The visibility of sealed events reads `tenders` (status and
 * deadline): `count`, `page` and `scan` are read models over it, declared as such. Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class AuditEventsRepository {
  /** One writer per stream at a time, until the caller's transaction ends. */
  async lockStream(m: EntityManager, stream: string): Promise<void> {
    await m.query(`SELECT ${auditStreamLockSql('$1')}`, [stream]);
  }

  /** The stream's last event (seq null when empty) and the database clock, in milliseconds. */
  async head(m: EntityManager, stream: string): Promise<StreamHeadRow> {
    const [head]: Array<{ seq: number | null; hash: string | null; sealed: string | null; ts: Date }> = await m.query(
      `SELECT h.stream_seq AS seq, h.hash, h.sealed_tender_id AS sealed, date_trunc('milliseconds', clock_timestamp()) AS ts
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT stream_seq, hash, sealed_tender_id FROM audit_events WHERE stream = $1
                          ORDER BY stream_seq DESC LIMIT 1) h ON true`,
      [stream],
    );
    return { seq: head.seq, hash: head.hash, sealedTenderId: head.sealed, ts: head.ts };
  }

  async insert(m: EntityManager, event: ChainedEvent, prevHash: string, hash: string, sealedTenderId: string | null): Promise<void> {
    await m.query(
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

  /** The last event of each of these streams (streams without events are left out). */
  async lastOf(m: EntityManager, streams: string[]): Promise<Array<{ stream: string; streamSeq: number; hash: string }>> {
    const rows: Array<{ stream: string; stream_seq: number; hash: string }> = await m.query(
      `SELECT DISTINCT ON (stream) stream, stream_seq, hash FROM audit_events WHERE stream = ANY($1::text[])
       ORDER BY stream, stream_seq DESC`,
      [streams],
    );
    return rows.map((r) => ({ stream: r.stream, streamSeq: r.stream_seq, hash: r.hash }));
  }

  /** Read model (tenders): one page of the visible events, optionally of one tender or one action, in the order written, and their total. */
  async pageVisible(m: EntityManager, filter: { tenderId?: string; action?: string; page: number; pageSize: number }): Promise<{ items: AuditEventView[]; total: number }> {
    const where: string[] = [VISIBLE];
    const params: unknown[] = [];
    if (filter.tenderId) where.push(`e.tender_id = $${params.push(filter.tenderId)}`);
    if (filter.action) where.push(`e.action = $${params.push(filter.action)}`);
    const w = `WHERE ${where.join(' AND ')}`;
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total FROM ${FROM_VISIBLE} ${w}`, params);
    // The storage id is not shown: its gaps would count the sealed events written in between.
    const rows: Row[] = await m.query(`SELECT ${COLUMNS} FROM ${FROM_VISIBLE} ${w} ORDER BY e.id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      filter.pageSize,
      (filter.page - 1) * filter.pageSize,
    ]);
    return { items: rows.map(toView), total };
  }

  /** The tender's own stream and every stream holding an event of the tender. */
  async streamsOfTender(m: EntityManager, tenderId: string): Promise<string[]> {
    const rows: Array<{ stream: string }> = await m.query(`SELECT $1::text AS stream UNION SELECT DISTINCT stream FROM audit_events WHERE tender_id = $1::uuid`, [tenderId]);
    return rows.map((r) => r.stream);
  }

  /**
   * Read model (tenders): up to 5000 rows after (stream, streamSeq) `after`, of the given streams (null: all), in
   * (stream, stream_seq) order, each with its visibility.
   */
  async scanPage(m: EntityManager, after: [string, number], streams: string[] | null): Promise<Array<{ row: AuditEventView; visible: boolean }>> {
    const rows: Array<Row & { visible: boolean }> = await m.query(
      `SELECT ${COLUMNS}, ${VISIBLE} AS visible FROM ${FROM_VISIBLE}
         WHERE (e.stream, e.stream_seq) > ($1, $2) ${streams ? 'AND e.stream = ANY($3::text[])' : ''}
         ORDER BY e.stream, e.stream_seq LIMIT 5000`,
      streams ? [...after, streams] : after,
    );
    return rows.map((r) => ({ row: toView(r), visible: r.visible }));
  }

  /** Whether the tender's secret was deposited with the escrow custodians (its ESCROW_SHARES_DEPOSITED event). */
  async escrowDeposited(m: EntityManager, tenderId: string, secretId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = $2 LIMIT 1`, [
      tenderId,
      secretId,
    ]);
    return rows.length > 0;
  }

  /**
   * The deposit id of the secret's committed ESCROW_SHARES_DEPOSITED event (the last one): the deposit the tender uses.
   * undefined: never deposited, or deposited before deposit ids (the custodians' legacy share).
   */
  async escrowDepositId(m: EntityManager, tenderId: string, secretId: string): Promise<string | undefined> {
    const [row]: Array<{ deposit_id: string | null }> = await m.query(
      `SELECT data->>'depositId' AS deposit_id FROM audit_events
       WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = $2 ORDER BY id DESC LIMIT 1`,
      [tenderId, secretId],
    );
    return row?.deposit_id ?? undefined;
  }
}
