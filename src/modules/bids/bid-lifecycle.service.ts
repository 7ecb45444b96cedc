import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { bidAuditStream } from './bid-audit';
import { BidsRepository, DecryptedBidRecord, FailedBidRecord, SealedParts, UndecryptedBid } from './bids.repository';

/** A bid extracted at the deadline (what the BIDS_OPENED audit event and the opening record list). */
export interface OpenedBidRef {
  bidId: string;
  bidderOrganizationId: string;
  version: number;
  ciphertextSha256: string;
  receivedAt: string;
  /**
   * The head of the bid's own audit stream at the opening (its sealed submissions and replacements): recorded in
   * the tender's chain by BIDS_OPENED, so that a bid stream deleted whole (which leaves no gap) is still detected.
   */
  auditHead: { streamSeq: number; hash: string } | null;
}

export type { DecryptedBidRecord, FailedBidRecord, SealedParts, UndecryptedBid } from './bids.repository';

/**
 * The bid-row changes of the opening, owned by the bids module and called by the opening module inside its
 * transactions: extraction at the deadline, decryption results, revocation and withdrawal for decryption failures.
 */
@Injectable()
export class BidLifecycleService {
  constructor(
    private readonly audit: AuditService,
    private readonly bids: BidsRepository,
  ) {}

  /** Bids currently submitted (not withdrawn) — read only after the deadline, under the tender's lock. */
  async countSubmitted(m: EntityManager, tenderId: string): Promise<number> {
    return this.bids.countSubmitted(m, tenderId);
  }

  /** Submitted bids per lot (标段), for a tender with lots; read under the tender's lock after the deadline. */
  async countSubmittedByLot(m: EntityManager, tenderId: string): Promise<Map<number, number>> {
    return this.bids.countSubmittedByLot(m, tenderId);
  }

  /** 开标: every submitted bid becomes OPENED (EB20 Art. 30 "自动提取所有投标文件"). */
  async markOpened(m: EntityManager, tenderId: string, at: Date, lotNos: number[] | null = null): Promise<OpenedBidRef[]> {
    // `lotNos`: only the bids of these lots (标段 that did not fail at the deadline); null: every lot.
    const rows = await this.bids.markOpened(m, tenderId, at, lotNos);
    // Under the tender's FOR UPDATE: no submission is in flight, so these heads are final.
    const heads = await this.audit.heads(
      m,
      rows.map((r) => bidAuditStream(r.id)),
    );
    return rows
      .map((r) => ({
        bidId: r.id,
        bidderOrganizationId: r.bidderOrganizationId,
        version: r.version,
        ciphertextSha256: r.ciphertextSha256,
        receivedAt: r.receivedAt.toISOString(),
        auditHead: heads.get(bidAuditStream(r.id)) ?? null,
      }))
      .sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.bidId < b.bidId ? -1 : 1));
  }

  /** One opened bid of a tender, locked; null when it does not exist or was never opened. */
  async lockOpenedBid(m: EntityManager, tenderId: string, bidId: string): Promise<UndecryptedBid | null> {
    return this.bids.lockOpenedBid(m, tenderId, bidId);
  }

  /**
   * Every OPENED (not yet decrypted) bid of a tender, in order of receipt. Call it holding the tender FOR UPDATE:
   * every change to an opened bid takes the tender's lock first, so no row lock is needed here.
   */
  async listUndecrypted(m: EntityManager, tenderId: string): Promise<UndecryptedBid[]> {
    return this.bids.listUndecrypted(m, tenderId);
  }

  async countUndecrypted(m: EntityManager, tenderId: string): Promise<number> {
    return this.bids.countUndecrypted(m, tenderId);
  }

  /** The ciphertext, iv and escrowed key of opened bids (never of a bid that has not been opened). */
  async loadSealedParts(m: EntityManager, bidIds: string[]): Promise<SealedParts[]> {
    if (!bidIds.length) return [];
    return this.bids.loadSealedParts(m, bidIds);
  }

  /**
   * Stores decrypted bids in bulk: price, duration, attachment names and digests, and the key (no secret once the
   * bid is opened; with it anyone can re-open the stored ciphertext and check the record).
   */
  async saveDecrypted(m: EntityManager, records: DecryptedBidRecord[], at: Date): Promise<void> {
    if (!records.length) return;
    await this.bids.saveDecrypted(m, records, at);
  }

  /** REVOKED (the bidder's fault) or WITHDRAWN (anyone else's) for bids that could not be decrypted (EB20 Art. 31). */
  async saveFailed(m: EntityManager, records: FailedBidRecord[]): Promise<void> {
    if (!records.length) return;
    await this.bids.saveFailed(m, records);
  }
}
