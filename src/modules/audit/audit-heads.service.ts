import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from 'src/infra/config/app-config';
import { AUDIT_HEAD_SIGNER, AuditHeadSigner } from './audit-head-signer';
import { DomainEventMap, HandlerOrder, OnEvent } from 'src/common/events/domain-events';

export interface StreamHead {
  stream: string;
  seq: number;
  hash: string;
}

export type HeadsReason = 'OPENING' | 'DAILY';
const DAY_MS = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `audit-heads-v1|<signedAt>|<reason>|<tenderId or empty>|<sha256 of the sorted "stream:seq:hash" lines>`. */
export function headsMessage(signedAt: string, reason: HeadsReason, tenderId: string | null, headsSha256: string): Buffer {
  return Buffer.from(['audit-heads-v1', signedAt, reason, tenderId ?? '', headsSha256].join('|'), 'utf8');
}

export function headsSha256(heads: StreamHead[]): string {
  return createHash('sha256')
    .update(heads.map((h) => `${h.stream}:${h.seq}:${h.hash}`).join('\n'), 'utf8')
    .digest('hex');
}

export interface HeadsVerdict {
  signedHeads: number;
  latestSignedAt: string | null;
  broken?: { reason: string; stream?: string; streamSeq?: number; sealed?: true };
}

/**
 * Signed audit heads (issue: an unkeyed chain cannot show a cut-off tail or a deleted stream): at every opening
 * (a BidDeadlineReached handler, in the opening's transaction) and daily (an in-process timer in every worker; an advisory
 * lock keeps it to one signature a day), the head of every audit stream is signed with the platform's Ed25519 key
 * and stored append-only in audit_heads. `verify()` checks every signature and that every signed (stream, seq,
 * hash) is still there: a stream cut below a signed head, or deleted, fails.
 */
@Injectable()
export class AuditHeadsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditHeadsService.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
  ) {}

  private signer(): AuditHeadSigner {
    // Resolved lazily: the key lives in the bids module, which itself writes audit events.
    return this.moduleRef.get<AuditHeadSigner>(AUDIT_HEAD_SIGNER, { strict: false });
  }

  /** At the opening, after every other write of the deadline's transaction (the opening's own included). */
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.LAST })
  async signAtOpening(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.sign(m, 'OPENING', tenderId);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    await this.signDailyIfDue().catch((e) => this.logger.warn(`daily audit head signature failed: ${(e as Error).message}`));
    this.timer = setInterval(
      () => void this.signDailyIfDue().catch((e) => this.logger.warn(`daily audit head signature failed: ${(e as Error).message}`)),
      Math.max(this.config.sweepIntervalMs, 60_000),
    );
    this.timer.unref?.();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Signs the current head of every stream (as this transaction sees them) and stores it. */
  async sign(m: EntityManager, reason: HeadsReason, tenderId: string | null = null): Promise<{ id: string; heads: number }> {
    const heads: StreamHead[] = (
      await m.query(
        `WITH RECURSIVE s AS (
           (SELECT stream FROM audit_events ORDER BY stream LIMIT 1)
           UNION ALL
           SELECT (SELECT stream FROM audit_events WHERE stream > s.stream ORDER BY stream LIMIT 1) FROM s WHERE s.stream IS NOT NULL
         )
         SELECT s.stream, h.stream_seq AS seq, h.hash FROM s
         CROSS JOIN LATERAL (SELECT stream_seq, hash FROM audit_events e WHERE e.stream = s.stream ORDER BY stream_seq DESC LIMIT 1) h
         WHERE s.stream IS NOT NULL ORDER BY s.stream COLLATE "C"`,
      )
    ).map((r: { stream: string; seq: number; hash: string }) => ({ stream: r.stream, seq: Number(r.seq), hash: r.hash }));
    const [{ at }] = await m.query(`SELECT date_trunc('milliseconds', clock_timestamp()) AS at`);
    const signedAt = new Date(at).toISOString();
    const sha = headsSha256(heads);
    const signature = this.signer().signBytes(headsMessage(signedAt, reason, tenderId, sha));
    const [row] = await m.query(
      `INSERT INTO audit_heads (signed_at, reason, tender_id, heads, heads_sha256, signature)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [signedAt, reason, tenderId, JSON.stringify(heads), sha, signature],
    );
    return { id: String(row.id), heads: heads.length };
  }

  /** The daily signature, once a day across every process (advisory lock + re-check). */
  async signDailyIfDue(): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('audit-heads-daily', 7))`);
      const [{ last }] = await m.query(`SELECT max(signed_at) AS last FROM audit_heads WHERE reason = 'DAILY'`);
      const [{ now }] = await m.query(`SELECT clock_timestamp() AS now`);
      if (last && new Date(now).getTime() - new Date(last).getTime() < DAY_MS) return false;
      await this.sign(m, 'DAILY');
      return true;
    });
  }

  /** Checks every signed head: its signature, and that each (stream, seq, hash) it names is still stored. */
  async verify(): Promise<HeadsVerdict> {
    let signedHeads = 0;
    let latestSignedAt: string | null = null;
    let afterId = '0';
    const signer = this.signer();
    for (;;) {
      const rows: Array<{ id: string; signed_at: Date; reason: HeadsReason; tender_id: string | null; heads: StreamHead[]; heads_sha256: string; signature: string }> =
        await this.dataSource.query(`SELECT id, signed_at, reason, tender_id, heads, heads_sha256, signature FROM audit_heads WHERE id > $1 ORDER BY id LIMIT 500`, [afterId]);
      if (!rows.length) break;
      for (const r of rows) {
        signedHeads++;
        const signedAt = new Date(r.signed_at).toISOString();
        latestSignedAt = signedAt;
        if (headsSha256(r.heads) !== r.heads_sha256 || !signer.verifyBytes(headsMessage(signedAt, r.reason, r.tender_id, r.heads_sha256), r.signature)) {
          return { signedHeads, latestSignedAt, broken: { reason: `the signed audit head of ${signedAt} does not verify` } };
        }
      }
      afterId = String(rows[rows.length - 1].id);
    }
    // One query over every signed entry: missing (deleted stream, cut-off tail) or changed.
    const [miss]: Array<{ stream: string; seq: number; signed_at: Date; found: boolean; sealed: boolean }> = await this.dataSource.query(
      `SELECT x.stream, x.seq, h.signed_at, (e.hash IS NOT NULL) AS found,
              EXISTS (SELECT 1 FROM audit_events s WHERE s.stream = x.stream AND s.sealed_tender_id IS NOT NULL) AS sealed
       FROM audit_heads h CROSS JOIN LATERAL jsonb_to_recordset(h.heads) AS x(stream text, seq int, hash text)
       LEFT JOIN audit_events e ON e.stream = x.stream AND e.stream_seq = x.seq
       WHERE e.hash IS DISTINCT FROM x.hash
       ORDER BY h.id LIMIT 1`,
    );
    if (miss) {
      const what = miss.found ? 'was changed' : 'is missing (a cut-off tail or a deleted stream)';
      // Only the platform's and tenders' streams are named (a bid's stream name would tell that a bid exists).
      const nameable = !miss.sealed && (miss.stream === 'platform' || UUID.test(miss.stream));
      return {
        signedHeads,
        latestSignedAt,
        broken: nameable
          ? { stream: miss.stream, streamSeq: Number(miss.seq), reason: `event ${miss.seq} of a head signed ${new Date(miss.signed_at).toISOString()} ${what}` }
          : { sealed: true, reason: `an event of a head signed ${new Date(miss.signed_at).toISOString()} ${what}` },
      };
    }
    return { signedHeads, latestSignedAt };
  }
}
