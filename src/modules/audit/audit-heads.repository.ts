import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface StreamHead {
  stream: string;
  seq: number;
  hash: string;
}

export type HeadsReason = 'OPENING' | 'DAILY';

export interface SignedHeadsRow {
  id: string;
  signedAt: Date;
  reason: HeadsReason;
  tenderId: string | null;
  heads: StreamHead[];
  headsSha256: string;
  signature: string;
}

/** A signed (stream, seq, hash) that no longer matches the stored event. */
export interface SignedHeadMismatch {
  stream: string;
  seq: number;
  signedAt: Date;
  /** The event is there, with another hash. */
  found: boolean;
  /** The stream holds sealed events. */
  sealed: boolean;
}

/**
 * Owns `audit_heads` (append-only signed heads) and reads the heads of `audit_events` (the same module's table).
 * Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class AuditHeadsRepository {
  /** The last event of every stream, as this transaction sees them, streams in byte order (loose index scan). */
  async currentHeads(m: EntityManager): Promise<StreamHead[]> {
    const rows: Array<{ stream: string; seq: number; hash: string }> = await m.query(
      `WITH RECURSIVE s AS (
           (SELECT stream FROM audit_events ORDER BY stream LIMIT 1)
           UNION ALL
           SELECT (SELECT stream FROM audit_events WHERE stream > s.stream ORDER BY stream LIMIT 1) FROM s WHERE s.stream IS NOT NULL
         )
         SELECT s.stream, h.stream_seq AS seq, h.hash FROM s
         CROSS JOIN LATERAL (SELECT stream_seq, hash FROM audit_events e WHERE e.stream = s.stream ORDER BY stream_seq DESC LIMIT 1) h
         WHERE s.stream IS NOT NULL ORDER BY s.stream COLLATE "C"`,
    );
    return rows.map((r) => ({ stream: r.stream, seq: Number(r.seq), hash: r.hash }));
  }

  /** The database clock, in milliseconds. */
  async clockMs(m: EntityManager): Promise<Date> {
    const [{ at }]: Array<{ at: Date }> = await m.query(`SELECT date_trunc('milliseconds', clock_timestamp()) AS at`);
    return at;
  }

  /** The database clock. */
  async clock(m: EntityManager): Promise<Date> {
    const [{ now }]: Array<{ now: Date }> = await m.query(`SELECT clock_timestamp() AS now`);
    return now;
  }

  async insert(m: EntityManager, row: Omit<SignedHeadsRow, 'id' | 'signedAt'> & { signedAt: string }): Promise<string> {
    const [r]: Array<{ id: string | number }> = await m.query(
      `INSERT INTO audit_heads (signed_at, reason, tender_id, heads, heads_sha256, signature)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [row.signedAt, row.reason, row.tenderId, JSON.stringify(row.heads), row.headsSha256, row.signature],
    );
    return String(r.id);
  }

  /** One daily signer at a time, across every process, until the caller's transaction ends. */
  async lockDaily(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('audit-heads-daily', 7))`);
  }

  async lastDailySignedAt(m: EntityManager): Promise<Date | null> {
    const [{ last }]: Array<{ last: Date | null }> = await m.query(`SELECT max(signed_at) AS last FROM audit_heads WHERE reason = 'DAILY'`);
    return last;
  }

  /** Up to 500 signed heads after the id `afterId`, in id order. */
  async pageAfter(m: EntityManager, afterId: string): Promise<SignedHeadsRow[]> {
    const rows: Array<{ id: string; signed_at: Date; reason: HeadsReason; tender_id: string | null; heads: StreamHead[]; heads_sha256: string; signature: string }> = await m.query(
      `SELECT id, signed_at, reason, tender_id, heads, heads_sha256, signature FROM audit_heads WHERE id > $1 ORDER BY id LIMIT 500`,
      [afterId],
    );
    return rows.map((r) => ({
      id: String(r.id),
      signedAt: r.signed_at,
      reason: r.reason,
      tenderId: r.tender_id,
      heads: r.heads,
      headsSha256: r.heads_sha256,
      signature: r.signature,
    }));
  }

  /** The first signed entry (oldest signature) whose event is missing (deleted stream, cut-off tail) or changed. */
  async firstMismatch(m: EntityManager): Promise<SignedHeadMismatch | null> {
    const [miss]: Array<{ stream: string; seq: number; signed_at: Date; found: boolean; sealed: boolean }> = await m.query(
      `SELECT x.stream, x.seq, h.signed_at, (e.hash IS NOT NULL) AS found,
              EXISTS (SELECT 1 FROM audit_events s WHERE s.stream = x.stream AND s.sealed_tender_id IS NOT NULL) AS sealed
       FROM audit_heads h CROSS JOIN LATERAL jsonb_to_recordset(h.heads) AS x(stream text, seq int, hash text)
       LEFT JOIN audit_events e ON e.stream = x.stream AND e.stream_seq = x.seq
       WHERE e.hash IS DISTINCT FROM x.hash
       ORDER BY h.id LIMIT 1`,
    );
    return miss ? { stream: miss.stream, seq: Number(miss.seq), signedAt: miss.signed_at, found: miss.found, sealed: miss.sealed } : null;
  }

  /** The latest head signed at the tender's opening (the expert draw's beacon); null when there is none. */
  async latestOpening(m: EntityManager, tenderId: string): Promise<{ id: string; signedAt: Date; headsSha256: string; signature: string } | null> {
    const [head]: Array<{ id: string; signed_at: Date; heads_sha256: string; signature: string }> = await m.query(
      `SELECT id, signed_at, heads_sha256, signature FROM audit_heads WHERE reason = 'OPENING' AND tender_id = $1 ORDER BY id DESC LIMIT 1`,
      [tenderId],
    );
    return head ? { id: String(head.id), signedAt: head.signed_at, headsSha256: head.heads_sha256, signature: head.signature } : null;
  }
}
