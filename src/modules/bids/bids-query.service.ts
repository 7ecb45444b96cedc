import { Injectable } from '@nestjs/common';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { normalizeMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { EntityManager } from 'typeorm';
import { BidPlaintext, openBid } from 'src/sdk';
import { TenderStatus } from '../tenders/tender.enums';
import { BidStatus } from './bid.enums';
import { BidException } from './bid.exception';
import { BidsRepository } from './bids.repository';

/** A bid as the evaluation sees it once the opening is over. */
export interface OpenedBidView {
  bidId: string;
  bidderOrganizationId: string;
  bidderName: string;
  /** Set for DECRYPTED bids only. */
  price: string | null;
  durationDays: number | null;
  attachments: Array<{ name: string; sha256: string }>;
  status: BidStatus;
  receivedAt: string;
}

/** What the collusion screens compare across bidders (regulations.md §2), after opening only. */
export interface BidFingerprintView {
  bidId: string;
  bidderOrganizationId: string;
  status: BidStatus;
  receivedAt: string;
  ip: string;
  deviceId: string;
  macAddresses: string[];
  toolVersion: string | null;
  documentAuthor: string | null;
  attachmentSha256s: string[];
  price: string | null;
}

const SEALED_STATUSES: string[] = [TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.OPENING];

/**
 * The read side other modules call (experts, evaluation, collusion flags). Before the opening is over every read
 * of bid content is refused with SEALED_UNTIL_OPENING.
 */
@Injectable()
export class BidsQueryService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly bids: BidsRepository,
  ) {}

  /** Every bid that was opened at the deadline, in order of receipt; DECRYPTED bids carry their price. */
  async openedBids(tenderId: string, manager?: EntityManager): Promise<OpenedBidView[]> {
    const m = manager ?? this.tx.manager;
    await this.assertOpened(m, tenderId);
    const rows = await this.bids.openedBids(m, tenderId);
    return rows.map((r) => ({
      bidId: r.id,
      bidderOrganizationId: r.bidderOrganizationId,
      bidderName: r.bidderName,
      price: r.price === null ? null : normalizeMoney(r.price),
      durationDays: r.durationDays,
      attachments: (r.attachments ?? []).map((a) => ({ name: a.name, sha256: a.sha256 })),
      status: r.status,
      receivedAt: r.receivedAt.toISOString(),
    }));
  }

  /**
   * The organisations whose bids were opened (for the panel draw's recusal check, EXP26 / TBL Art. 37). Internal
   * only; empty before the deadline, as no bid has been opened then.
   */
  async bidderOrganizationIds(tenderId: string, manager?: EntityManager): Promise<string[]> {
    return this.bids.openedBidderOrganizationIds(manager ?? this.tx.manager, tenderId);
  }

  /** Per opened bid: IP, device, MACs, author, attachment hashes, time and price — for the collusion flags. */
  async fingerprints(tenderId: string, manager?: EntityManager): Promise<BidFingerprintView[]> {
    const m = manager ?? this.tx.manager;
    await this.assertOpened(m, tenderId);
    const rows = await this.bids.fingerprints(m, tenderId);
    return rows.map((r) => ({
      bidId: r.id,
      bidderOrganizationId: r.bidderOrganizationId,
      status: r.status,
      receivedAt: r.receivedAt.toISOString(),
      ip: r.ip,
      deviceId: r.deviceId,
      macAddresses: r.macAddresses,
      toolVersion: r.toolVersion,
      documentAuthor: r.documentAuthor,
      attachmentSha256s: (r.attachments ?? []).map((a) => a.sha256),
      price: r.price === null ? null : normalizeMoney(r.price),
    }));
  }

  /**
   * The full plaintext of a decrypted bid (attachments included), re-opened from the stored ciphertext with the
   * revealed key through the SDK — the attachment contents are not stored twice.
   */
  async decryptedPlaintext(tenderId: string, bidId: string, manager?: EntityManager): Promise<BidPlaintext> {
    const m = manager ?? this.tx.manager;
    await this.assertOpened(m, tenderId);
    const r = await this.bids.findDecrypted(m, tenderId, bidId);
    if (!r || !r.revealedKey) throw new NotFoundException('The decrypted bid');
    return openBid({
      tenderId,
      bidderOrganizationId: r.bidderOrganizationId,
      ciphertext: r.ciphertext,
      iv: r.iv,
      key: r.revealedKey,
      keyCommitment: r.keyCommitment,
    });
  }

  private async assertOpened(m: EntityManager, tenderId: string): Promise<void> {
    const status = await this.bids.tenderStatus(m, tenderId);
    if (status === null) throw new NotFoundException('The tender');
    if (SEALED_STATUSES.includes(status)) throw BidException.sealed();
  }
}
