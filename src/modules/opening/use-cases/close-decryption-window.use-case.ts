import { Injectable, Logger } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { decodeBase64Strict, x25519PublicFromPrivate } from 'src/sdk';
import { AuditService } from '../../audit/audit.service';
import { BidStatus } from '../../bids/bid.enums';
import { BidLifecycleService, DecryptedBidRecord, FailedBidRecord, UndecryptedBid } from '../../bids/bid-lifecycle.service';
import { EscrowKeyService } from '../../tenders/escrow-key.service';
import { TenderEntity } from '../../tenders/tender.entity';
import { TenderStatus } from '../../tenders/tender.enums';
import { TenderStateMachine } from '../../tenders/tender-state-machine';
import { failureStatus } from '../bid-decryptor';
import { BidFileOpener, SealedFileBid } from '../bid-file-opener';
import { EscrowDecryptionPool } from '../escrow-decryption.pool';
import { GmEscrowKeyService } from '../../tenders/gm-escrow-key.service';
import { OpeningRecordService } from '../opening-record.service';
import { OpeningRecordsRepository } from '../opening-records.repository';
import { OpeningBidsRepository } from '../opening-bids.repository';
import { InCallerTransaction, UseCase } from 'src/common/use-case';

/** Bids loaded and decrypted per round trip: bounds the memory held by ciphertexts (each up to 20 MB). */
const BATCH = 200;

export const NO_BID_DECRYPTED = 'NO_BID_DECRYPTED';

interface Outcome {
  bidId: string;
  status: BidStatus;
  reason?: string;
  by?: 'ESCROW';
  price?: string;
}

/**
 * The DECRYPTION_WINDOW_CLOSE event (or the last bidder's decryption, which closes it early): in the escrow modes
 * the platform decrypts every bid still OPENED with the tender's escrow key (unsealed now, audited); in BIDDER mode
 * they are revoked. Failures follow EB20 Art. 31 (the bidder's fault → REVOKED, the platform's → WITHDRAWN) and the
 * other bids are opened on. Then the opening record (JSON + PDF) is written and the tender moves to EVALUATION
 * (FAILED when no bid at all could be decrypted). Idempotent: anything but an OPENING tender is left alone.
 */
export interface CloseDecryptionWindowCommand extends InCallerTransaction {
  tenderId: string;
}

@Injectable()
export class CloseDecryptionWindowUseCase implements UseCase<CloseDecryptionWindowCommand, void> {
  private readonly logger = new Logger(CloseDecryptionWindowUseCase.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly bids: BidLifecycleService,
    private readonly stateMachine: TenderStateMachine,
    private readonly escrowKeys: EscrowKeyService,
    private readonly records: OpeningRecordService,
    private readonly pool: EscrowDecryptionPool,
    private readonly files: BidFileOpener,
    private readonly gmEscrowKeys: GmEscrowKeyService,
    private readonly recordRows: OpeningRecordsRepository,
    private readonly bidRows: OpeningBidsRepository,
  ) {}

  async execute({ manager: m, tenderId }: CloseDecryptionWindowCommand): Promise<void> {
    const tender = await this.stateMachine.lock(m, tenderId);
    if (tender.status !== TenderStatus.OPENING) return;
    const started = Date.now();
    const now = await this.tx.now(m);
    const pending = await this.bids.listUndecrypted(m, tenderId); // under the tender's FOR UPDATE
    const outcomes = await this.decide(m, tender, pending, now);
    await this.persistOutcomes(m, tender, pending, outcomes, now);

    const decryptedMs = Date.now() - started;
    const hashes = await this.records.write(m, tender, now);
    // After the opening: counts and timings are no secret any more.
    this.logger.log(
      `opening of tender ${tenderId} closed: ${pending.length} bid(s) left to ${tender.decryptionMode === 'BIDDER' ? 'revoke' : 'decrypt by escrow'} in ${decryptedMs} ms, record written at ${Date.now() - started} ms`,
    );
    await this.conclude(m, tender, now, hashes.recordSha256);
  }

  /** What becomes of each bid still OPENED: revoked in BIDDER mode, decrypted by escrow otherwise. */
  private async decide(m: EntityManager, tender: TenderEntity, pending: UndecryptedBid[], now: Date): Promise<Outcome[]> {
    if (pending.length === 0) return [];
    // EB20 Art. 31: not decrypted within the window through the bidder's own fault → revoked.
    if (tender.decryptionMode === 'BIDDER') return pending.map((b) => ({ bidId: b.bidId, ...failureStatus('NOT_DECRYPTED_BY_BIDDER') }));
    return this.decryptByEscrow(m, tender, pending, now);
  }

  /** The failed bids saved, the escrow's attempts recorded, the closing audited, and each failure announced. */
  private async persistOutcomes(m: EntityManager, tender: TenderEntity, pending: UndecryptedBid[], outcomes: Outcome[], now: Date): Promise<void> {
    const tenderId = tender.id;
    const failed = outcomes.filter((o) => o.status !== BidStatus.DECRYPTED) as FailedBidRecord[];
    await this.bids.saveFailed(
      m,
      failed.map((f) => ({ bidId: f.bidId, status: f.status, reason: f.reason })),
    );
    if (outcomes.length && tender.decryptionMode !== 'BIDDER') {
      // The platform's own attempts with the escrow key (BIDDER mode makes none: those bids simply were not decrypted).
      await this.recordRows.insertEscrowAttempts(
        m,
        tenderId,
        outcomes.map((o) => ({ bidId: o.bidId, outcome: o.reason ?? 'DECRYPTED' })),
      );
    }
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'DECRYPTION_WINDOW_CLOSED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { mode: tender.decryptionMode, closedAt: now.toISOString(), outcomes },
    });
    const byId = new Map(pending.map((b) => [b.bidId, b]));
    for (const f of failed) {
      const payload = { tenderId, bidId: f.bidId, bidderOrganizationId: byId.get(f.bidId)!.bidderOrganizationId };
      await this.events.emit(m, f.status === BidStatus.REVOKED ? 'BidRevoked' : 'BidWithdrawn', payload, SYSTEM_ACTOR);
    }
  }

  /** EVALUATION when at least one bid is decrypted (the window's end moved to now if it closed early); FAILED otherwise. */
  private async conclude(m: EntityManager, tender: TenderEntity, now: Date, openingRecordSha256: string): Promise<void> {
    const tenderId = tender.id;
    const decrypted = await this.bidRows.countDecrypted(m, tenderId);
    const closedEarly = tender.decryptionWindowEndsAt && now < tender.decryptionWindowEndsAt;
    if (decrypted === 0) {
      await this.stateMachine.transition(m, tenderId, TenderStatus.FAILED, SYSTEM_ACTOR, {
        from: [TenderStatus.OPENING],
        reason: NO_BID_DECRYPTED,
        data: { openingRecordSha256 },
      });
      await this.events.emit(m, 'TenderFailed', { tenderId, reason: NO_BID_DECRYPTED }, SYSTEM_ACTOR);
      return;
    }
    await this.stateMachine.transition(m, tenderId, TenderStatus.EVALUATION, SYSTEM_ACTOR, {
      from: [TenderStatus.OPENING],
      patch: closedEarly ? { decryptionWindowEndsAt: now } : {},
      data: { decrypted, openingRecordSha256 },
    });
    await this.events.emit(m, 'TenderEnteredEvaluation', { tenderId }, SYSTEM_ACTOR);
  }

  private async decryptByEscrow(m: EntityManager, tender: TenderEntity, all: UndecryptedBid[], now: Date): Promise<Outcome[]> {
    // Format v2 bids (files in the blob store) are opened as streams, one by one; v1 bids go on to the worker pool.
    const files = await this.files.load(
      m,
      all.map((b) => b.bidId),
    );
    const pending = all.filter((b) => !files.has(b.bidId));
    const fileOutcomes = files.size ? await this.decryptFilesByEscrow(m, tender, [...files.values()], now) : [];
    if (!pending.length) return fileOutcomes;
    return [...fileOutcomes, ...(await this.decryptV1ByEscrow(m, tender, pending, now))];
  }

  /** v2 bid files: the escrow key of each bid's suite (unsealed once, audited), the file streamed from the store. */
  private async decryptFilesByEscrow(m: EntityManager, tender: TenderEntity, bids: SealedFileBid[], now: Date): Promise<Outcome[]> {
    const keys = new Map<string, { privateKey: Buffer; publicKey: Buffer } | null>();
    const outcomes: Outcome[] = [];
    try {
      for (const bid of bids) {
        if (!keys.has(bid.suite)) keys.set(bid.suite, bid.suite === 'GM-1' ? await this.unsealGmEscrowKey(m, tender) : await this.unsealEscrowKey(m, tender));
        const escrow = keys.get(bid.suite)!;
        if (!escrow) {
          outcomes.push({ bidId: bid.bidId, ...failureStatus('ESCROW_KEY_UNAVAILABLE') });
          continue;
        }
        const r = await this.files.openWithEscrow(bid, escrow);
        if (r.ok) {
          await this.bids.saveDecrypted(m, [{ ...r.record, by: 'ESCROW' }], now);
          outcomes.push({ bidId: bid.bidId, status: BidStatus.DECRYPTED, by: 'ESCROW', price: r.record.price });
        } else {
          outcomes.push({ bidId: bid.bidId, ...failureStatus(r.code) });
        }
      }
    } finally {
      for (const k of keys.values()) k?.privateKey.fill(0);
    }
    return outcomes;
  }

  private async unsealGmEscrowKey(m: EntityManager, tender: TenderEntity): Promise<{ privateKey: Buffer; publicKey: Buffer } | null> {
    try {
      return await this.gmEscrowKeys.unseal(m, tender.id, SYSTEM_ACTOR);
    } catch (e) {
      if (e instanceof QueryFailedError) throw e;
      this.logger.error(`tender ${tender.id}: the SM2 escrow key cannot be used (${(e as Error).message}); its undecrypted bids are treated as withdrawn`);
      return null;
    }
  }

  private async decryptV1ByEscrow(m: EntityManager, tender: TenderEntity, pending: UndecryptedBid[], now: Date): Promise<Outcome[]> {
    const escrow = await this.unsealEscrowKey(m, tender);
    if (!escrow) return pending.map((b) => ({ bidId: b.bidId, ...failureStatus('ESCROW_KEY_UNAVAILABLE') }));
    const outcomes: Outcome[] = [];
    const batches: UndecryptedBid[][] = [];
    for (let i = 0; i < pending.length; i += BATCH) batches.push(pending.slice(i, i + BATCH));
    const load = (b: UndecryptedBid[] | undefined) =>
      b
        ? this.bids.loadSealedParts(
            m,
            b.map((x) => x.bidId),
          )
        : Promise.resolve([]);
    try {
      const prefetch = (b: UndecryptedBid[] | undefined) => {
        const p = load(b);
        p.catch(() => undefined); // awaited below; never an unhandled rejection if this loop stops early
        return p;
      };
      let next = prefetch(batches[0]);
      for (let i = 0; i < batches.length; i++) {
        const parts = new Map((await next).map((p) => [p.bidId, p]));
        next = prefetch(batches[i + 1]); // the database reads the next batch while this one is decrypted
        const results = await this.pool.decrypt(
          escrow,
          batches[i].map((bid) => ({ bid, parts: parts.get(bid.bidId)! })),
        );
        const decrypted: DecryptedBidRecord[] = [];
        batches[i].forEach((bid, j) => {
          const r = results[j];
          if (r.ok) {
            decrypted.push({ ...r.record, by: 'ESCROW' });
            outcomes.push({ bidId: bid.bidId, status: BidStatus.DECRYPTED, by: 'ESCROW', price: r.record.price });
          } else {
            outcomes.push({ bidId: bid.bidId, ...failureStatus(r.code) });
          }
        });
        await this.bids.saveDecrypted(m, decrypted, now);
      }
    } finally {
      escrow.privateKey.fill(0);
    }
    return outcomes;
  }

  /**
   * The escrow private key, unsealed (and audited) by the tenders module. A failure that is no database error is
   * the platform's (a changed master key, a damaged row): null, and the bids are treated as withdrawn (EB20 Art. 31).
   */
  private async unsealEscrowKey(m: EntityManager, tender: TenderEntity): Promise<{ privateKey: Buffer; publicKey: Buffer } | null> {
    try {
      const privateKey = await this.escrowKeys.unseal(m, tender.id, SYSTEM_ACTOR);
      const publicKey = decodeBase64Strict(tender.escrowPublicKey ?? '');
      if (!publicKey || !x25519PublicFromPrivate(privateKey).equals(publicKey)) {
        throw new Error('the unsealed escrow private key does not match the published escrow public key');
      }
      return { privateKey, publicKey };
    } catch (e) {
      if (e instanceof QueryFailedError) throw e; // transient: the event is retried
      this.logger.error(`tender ${tender.id}: the escrow key cannot be used (${(e as Error).message}); undecrypted bids are treated as withdrawn`);
      return null;
    }
  }
}
