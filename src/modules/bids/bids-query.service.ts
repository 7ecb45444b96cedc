import { Injectable } from '@nestjs/common';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { normalizeMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { EntityManager } from 'typeorm';
import { BidPlaintext, openBid } from 'src/sdk';
import { TenderStatus } from '../tenders/tender.enums';
import { BidStatus } from './bid.enums';
import { BidException } from './bid.exception';

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
  constructor(private readonly tx: TransactionRunner) {}

  /** Every bid that was opened at the deadline, in order of receipt; DECRYPTED bids carry their price. */
  async openedBids(tenderId: string, manager?: EntityManager): Promise<OpenedBidView[]> {
    const m = manager ?? this.tx.manager;
    await this.assertOpened(m, tenderId);
    const rows: Array<{
      id: string;
      bidder_organization_id: string;
      name: string;
      price: string | null;
      duration_days: number | null;
      attachments: Array<{ name: string; sha256: string }> | null;
      status: BidStatus;
      received_at: Date;
    }> = await m.query(
      `SELECT b.id, b.bidder_organization_id, o.name, b.price, b.duration_days, b.attachments, b.status, b.received_at
       FROM bids b JOIN organizations o ON o.id = b.bidder_organization_id
       WHERE b.tender_id = $1 AND b.opened_at IS NOT NULL
       ORDER BY b.received_at, b.id`,
      [tenderId],
    );
    return rows.map((r) => ({
      bidId: r.id,
      bidderOrganizationId: r.bidder_organization_id,
      bidderName: r.name,
      price: r.price === null ? null : normalizeMoney(r.price),
      durationDays: r.duration_days,
      attachments: (r.attachments ?? []).map((a) => ({ name: a.name, sha256: a.sha256 })),
      status: r.status,
      receivedAt: new Date(r.received_at).toISOString(),
    }));
  }

  /**
   * The organisations whose bids were opened (for the panel draw's recusal check, EXP26 / TBL Art. 37). Internal
   * only; empty before the deadline, as no bid has been opened then.
   */
  async bidderOrganizationIds(tenderId: string, manager?: EntityManager): Promise<string[]> {
    const rows: Array<{ bidder_organization_id: string }> = await (manager ?? this.tx.manager).query(
      `SELECT DISTINCT bidder_organization_id FROM bids WHERE tender_id = $1 AND opened_at IS NOT NULL ORDER BY 1`,
      [tenderId],
    );
    return rows.map((r) => r.bidder_organization_id);
  }

  /** Per opened bid: IP, device, MACs, author, attachment hashes, time and price — for the collusion flags. */
  async fingerprints(tenderId: string, manager?: EntityManager): Promise<BidFingerprintView[]> {
    const m = manager ?? this.tx.manager;
    await this.assertOpened(m, tenderId);
    const rows: Array<{
      id: string;
      bidder_organization_id: string;
      status: BidStatus;
      received_at: Date;
      ip: string;
      device_id: string;
      mac_addresses: string[];
      tool_version: string | null;
      document_author: string | null;
      attachments: Array<{ sha256: string }> | null;
      price: string | null;
    }> = await m.query(
      `SELECT id, bidder_organization_id, status, received_at, ip, device_id, mac_addresses, tool_version, document_author,
              attachments, price
       FROM bids WHERE tender_id = $1 AND opened_at IS NOT NULL ORDER BY received_at, id`,
      [tenderId],
    );
    return rows.map((r) => ({
      bidId: r.id,
      bidderOrganizationId: r.bidder_organization_id,
      status: r.status,
      receivedAt: new Date(r.received_at).toISOString(),
      ip: r.ip,
      deviceId: r.device_id,
      macAddresses: r.mac_addresses,
      toolVersion: r.tool_version,
      documentAuthor: r.document_author,
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
    const rows: Array<{ bidder_organization_id: string; ciphertext: Buffer; iv: Buffer; revealed_key: Buffer | null; key_commitment: string }> = await m.query(
      `SELECT bidder_organization_id, ciphertext, iv, revealed_key, key_commitment FROM bids
         WHERE id = $1 AND tender_id = $2 AND status = 'DECRYPTED'`,
      [bidId, tenderId],
    );
    const r = rows[0];
    if (!r || !r.revealed_key) throw new NotFoundException('The decrypted bid');
    return openBid({
      tenderId,
      bidderOrganizationId: r.bidder_organization_id,
      ciphertext: r.ciphertext,
      iv: r.iv,
      key: r.revealed_key,
      keyCommitment: r.key_commitment,
    });
  }

  private async assertOpened(m: EntityManager, tenderId: string): Promise<void> {
    const rows: Array<{ status: TenderStatus }> = await m.query(`SELECT status FROM tenders WHERE id = $1`, [tenderId]);
    if (!rows.length) throw new NotFoundException('The tender');
    if (SEALED_STATUSES.includes(rows[0].status)) throw BidException.sealed();
  }
}
