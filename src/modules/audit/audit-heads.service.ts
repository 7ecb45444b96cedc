import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from 'src/infra/config/app-config';
import { AUDIT_HEAD_SIGNER, AuditHeadSigner } from './audit-head-signer';
import { DomainEventMap, HandlerOrder, OnEvent } from 'src/common/events/domain-events';
import { AuditHeadsRepository, HeadsReason, StreamHead } from './audit-heads.repository';

export type { HeadsReason, StreamHead };
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
    private readonly repo: AuditHeadsRepository,
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
    const heads = await this.repo.currentHeads(m);
    const signedAt = new Date(await this.repo.clockMs(m)).toISOString();
    const sha = headsSha256(heads);
    const signature = this.signer().signBytes(headsMessage(signedAt, reason, tenderId, sha));
    const id = await this.repo.insert(m, { signedAt, reason, tenderId, heads, headsSha256: sha, signature });
    return { id, heads: heads.length };
  }

  /** The daily signature, once a day across every process (advisory lock + re-check). */
  async signDailyIfDue(): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      await this.repo.lockDaily(m);
      const last = await this.repo.lastDailySignedAt(m);
      const now = await this.repo.clock(m);
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
      const rows = await this.repo.pageAfter(this.dataSource.manager, afterId);
      if (!rows.length) break;
      for (const r of rows) {
        signedHeads++;
        const signedAt = new Date(r.signedAt).toISOString();
        latestSignedAt = signedAt;
        if (headsSha256(r.heads) !== r.headsSha256 || !signer.verifyBytes(headsMessage(signedAt, r.reason, r.tenderId, r.headsSha256), r.signature)) {
          return { signedHeads, latestSignedAt, broken: { reason: `the signed audit head of ${signedAt} does not verify` } };
        }
      }
      afterId = rows[rows.length - 1].id;
    }
    // One query over every signed entry: missing (deleted stream, cut-off tail) or changed.
    const miss = await this.repo.firstMismatch(this.dataSource.manager);
    if (miss) {
      const what = miss.found ? 'was changed' : 'is missing (a cut-off tail or a deleted stream)';
      // Only the platform's and tenders' streams are named (a bid's stream name would tell that a bid exists).
      const nameable = !miss.sealed && (miss.stream === 'platform' || UUID.test(miss.stream));
      return {
        signedHeads,
        latestSignedAt,
        broken: nameable
          ? { stream: miss.stream, streamSeq: Number(miss.seq), reason: `event ${miss.seq} of a head signed ${new Date(miss.signedAt).toISOString()} ${what}` }
          : { sealed: true, reason: `an event of a head signed ${new Date(miss.signedAt).toISOString()} ${what}` },
      };
    }
    return { signedHeads, latestSignedAt };
  }
}
