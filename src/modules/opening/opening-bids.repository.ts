import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SuiteId } from 'src/sdk/v2';
import { BidStatus } from '../bids/bid.enums';

/** A bid's outcome after a decryption: its status, price and duration. */
export interface DecryptionResultRow {
  id: string;
  status: BidStatus;
  price: string;
  durationDays: number | null;
}

/** A format v2 bid as stored: what the opening needs to stream and open its file. */
export interface SealedFileBidRow {
  id: string;
  tenderId: string;
  bidderOrganizationId: string;
  suite: SuiteId;
  segmentSize: number;
  ciphertextBytes: string | number;
  ciphertextSha256: string;
  iv: Buffer;
  keyCommitment: string;
  escrowedKey: Buffer | null;
  blobKey: string;
}

/** An opened bid as the opening hall shows it, with its bidder's name. */
export interface HallBidRow {
  id: string;
  bidderOrganizationId: string;
  name: string;
  status: BidStatus;
  decryptedAt: Date | null;
  price: string | null;
  /** 标段 (1 on a tender without lots). */
  lotNo: number;
  /** The tender has lots (标段). */
  hasLots: boolean;
}

/**
 * Read model (bids, organizations): what the opening reads of the bids module's table (owned by BidsModule, which
 * changes bids through BidLifecycleService). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class OpeningBidsRepository {
  /** Read model (bids): whether the organization has a bid of the tender that was opened. */
  async hasOpenedBid(m: EntityManager, tenderId: string, organizationId: string): Promise<boolean> {
    const bids: unknown[] = await m.query(`SELECT 1 FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 AND opened_at IS NOT NULL`, [tenderId, organizationId]);
    return bids.length > 0;
  }

  /** Read model (bids): the bid's status when it is the bidder's own (by organization, or by blind index while sealed); null otherwise. */
  async ownBidStatus(m: EntityManager, tenderId: string, bidId: string, organizationId: string, blindIndex: string): Promise<BidStatus | null> {
    const own: Array<{ id: string; status: BidStatus }> = await m.query(
      `SELECT id, status FROM bids
         WHERE id = $1 AND tender_id = $2 AND (bidder_organization_id = $3 OR bidder_blind_index = $4)`,
      [bidId, tenderId, organizationId, blindIndex],
    );
    return own.length ? own[0].status : null;
  }

  /** Read model (bids): a bid's status, price and duration. */
  async decryptionResult(m: EntityManager, bidId: string): Promise<DecryptionResultRow | null> {
    const [r]: Array<{ id: string; status: BidStatus; price: string; duration_days: number | null }> = await m.query(
      `SELECT id, status, price, duration_days FROM bids WHERE id = $1`,
      [bidId],
    );
    return r ? { id: r.id, status: r.status, price: r.price, durationDays: r.duration_days } : null;
  }

  /** Read model (bids): how many of the tender's bids are DECRYPTED. */
  async countDecrypted(m: EntityManager, tenderId: string): Promise<number> {
    const [{ decrypted }]: Array<{ decrypted: number }> = await m.query(`SELECT count(*)::int AS decrypted FROM bids WHERE tender_id = $1 AND status = 'DECRYPTED'`, [tenderId]);
    return decrypted;
  }

  /** Read model (bids): the format v2 bids among these (v1 bids are not returned). */
  async sealedFiles(m: EntityManager, bidIds: string[]): Promise<SealedFileBidRow[]> {
    const rows: Array<{
      id: string;
      tender_id: string;
      bidder_organization_id: string;
      suite: SuiteId;
      segment_size: number;
      ciphertext_bytes: string | number;
      ciphertext_sha256: string;
      iv: Buffer;
      key_commitment: string;
      escrowed_key: Buffer | null;
      blob_key: string;
    }> = await m.query(
      `SELECT id, tender_id, bidder_organization_id, suite, segment_size, ciphertext_bytes, ciphertext_sha256, iv, key_commitment, escrowed_key, blob_key
       FROM bids WHERE id = ANY($1::uuid[]) AND format_version = 2`,
      [bidIds],
    );
    return rows.map((r) => ({
      id: r.id,
      tenderId: r.tender_id,
      bidderOrganizationId: r.bidder_organization_id,
      suite: r.suite,
      segmentSize: r.segment_size,
      ciphertextBytes: r.ciphertext_bytes,
      ciphertextSha256: r.ciphertext_sha256,
      iv: r.iv,
      keyCommitment: r.key_commitment,
      escrowedKey: r.escrowed_key ?? null,
      blobKey: r.blob_key,
    }));
  }

  /** Read model (bids, organizations, tender_lots): the tender's opened bids in order of receipt, with their bidders' names and lots. */
  async hallBids(m: EntityManager, tenderId: string): Promise<HallBidRow[]> {
    const rows: Array<{
      id: string;
      bidder_organization_id: string;
      name: string;
      status: BidStatus;
      decrypted_at: Date | null;
      price: string | null;
      lot_no: number;
      has_lots: boolean;
    }> = await m.query(
      `SELECT b.id, b.bidder_organization_id, o.name, b.status, b.decrypted_at, b.price, b.lot_no,
              EXISTS (SELECT 1 FROM tender_lots l WHERE l.tender_id = b.tender_id) AS has_lots
       FROM bids b JOIN organizations o ON o.id = b.bidder_organization_id
       WHERE b.tender_id = $1 AND b.opened_at IS NOT NULL
       ORDER BY b.received_at, b.id`,
      [tenderId],
    );
    return rows.map((r) => ({
      id: r.id,
      bidderOrganizationId: r.bidder_organization_id,
      name: r.name,
      status: r.status,
      decryptedAt: r.decrypted_at,
      price: r.price,
      lotNo: Number(r.lot_no),
      hasLots: r.has_lots,
    }));
  }
}
