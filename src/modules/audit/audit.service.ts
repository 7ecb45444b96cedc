import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { ChainedEvent, chainHash, ChainVerdict, GENESIS_HASH, verifyStream } from './audit-chain';

export interface AuditInput {
  actor: Actor;
  /** UPPER_SNAKE verb of what happened, e.g. TENDER_PUBLISHED, BID_SUBMITTED, ESCROW_KEY_UNSEALED. */
  action: string;
  objectType: string;
  objectId: string;
  tenderId?: string | null;
  /** Never a bid's plaintext, price or key before opening. */
  data?: Record<string, unknown>;
}

export interface AuditEventView extends ChainedEvent {
  id: string;
  prevHash: string;
  hash: string;
}

export const PLATFORM_STREAM = 'platform';

interface Row {
  id: string;
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
  data: Record<string, unknown>;
}

const toView = (r: Row): AuditEventView => ({
  id: String(r.id),
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
  data: r.data,
});

/** The append-only, hash-chained audit log. `append` must be given the EntityManager of the change it records. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async append(manager: EntityManager, input: AuditInput): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('audit events are written inside the transaction of the change they record');
    }
    const stream = input.tenderId ?? PLATFORM_STREAM;
    // One writer per stream at a time, until commit: the chain never forks.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [stream]);
    const head: Array<{ seq: number | null; hash: string | null; ts: Date }> = await manager.query(
      `SELECT (SELECT stream_seq FROM audit_events WHERE stream = $1 ORDER BY stream_seq DESC LIMIT 1) AS seq,
              (SELECT hash FROM audit_events WHERE stream = $1 ORDER BY stream_seq DESC LIMIT 1) AS hash,
              date_trunc('milliseconds', clock_timestamp()) AS ts`,
      [stream],
    );
    const prevHash = head[0].hash ?? GENESIS_HASH;
    const event: ChainedEvent = {
      stream,
      streamSeq: (head[0].seq ?? 0) + 1,
      occurredAt: new Date(head[0].ts).toISOString(),
      actorId: input.actor.userId,
      actorRole: String(input.actor.role),
      ip: input.actor.ip || '',
      action: input.action,
      objectType: input.objectType,
      objectId: input.objectId,
      tenderId: input.tenderId ?? null,
      data: JSON.parse(JSON.stringify(input.data ?? {})),
    };
    const hash = chainHash(prevHash, event);
    await manager.query(
      `INSERT INTO audit_events (stream, stream_seq, prev_hash, hash, occurred_at, actor_id, actor_role, ip, action,
                                 object_type, object_id, tender_id, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        event.stream, event.streamSeq, prevHash, hash, event.occurredAt, event.actorId, event.actorRole, event.ip,
        event.action, event.objectType, event.objectId, event.tenderId, JSON.stringify(event.data),
      ],
    );
  }

  async list(filter: { tenderId?: string; action?: string; page: number; pageSize: number }): Promise<{
    items: AuditEventView[];
    total: number;
  }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.tenderId) where.push(`tender_id = $${params.push(filter.tenderId)}`);
    if (filter.action) where.push(`action = $${params.push(filter.action)}`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query(`SELECT count(*)::int AS total FROM audit_events ${w}`, params);
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM audit_events ${w} ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    return { items: rows.map(toView), total };
  }

  /**
   * Verifies one tender's chain, or every chain. `headHash` of all chains is SHA-256 over the sorted
   * "stream:head" lines, a single value a supervisor can note down and compare later.
   */
  async verify(tenderId?: string): Promise<ChainVerdict & { streams: number }> {
    const streams: string[] = tenderId
      ? [tenderId]
      : (await this.dataSource.query(`SELECT DISTINCT stream FROM audit_events ORDER BY stream`)).map(
          (r: { stream: string }) => r.stream,
        );
    let events = 0;
    const heads: string[] = [];
    for (const stream of streams) {
      const rows = await this.readStream(stream);
      if (rows.length === 0) continue;
      const verdict = verifyStream(rows);
      events += verdict.events;
      if (!verdict.valid) return { ...verdict, events, streams: streams.length };
      heads.push(`${stream}:${verdict.headHash}`);
    }
    const headHash = tenderId
      ? (heads[0]?.split(':')[1] ?? GENESIS_HASH)
      : createHash('sha256').update(heads.join('\n')).digest('hex');
    return { valid: true, events, headHash, streams: heads.length };
  }

  private async readStream(stream: string): Promise<AuditEventView[]> {
    const out: AuditEventView[] = [];
    let after = 0;
    for (;;) {
      const rows: Row[] = await this.dataSource.query(
        `SELECT * FROM audit_events WHERE stream = $1 AND stream_seq > $2 ORDER BY stream_seq LIMIT 5000`,
        [stream, after],
      );
      if (rows.length === 0) return out;
      out.push(...rows.map(toView));
      after = rows[rows.length - 1].stream_seq;
    }
  }
}
