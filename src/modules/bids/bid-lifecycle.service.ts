import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { bidAuditStream } from './bid-audit';
import { BidStatus, BidStatusReason, DecryptedBy } from './bid.enums';

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

/** An opened bid not decrypted yet, locked for the decryption that is about to happen. */
export interface UndecryptedBid {
  bidId: string;
  tenderId: string;
  bidderOrganizationId: string;
  status: BidStatus;
  keyCommitment: string;
  ciphertextSha256: string;
  hasEscrowedKey: boolean;
  price: string | null;
  revealedKey: Buffer | null;
}

/** The sealed parts of a bid, loaded only at the opening. */
export interface SealedParts {
  bidId: string;
  ciphertext: Buffer;
  iv: Buffer;
  escrowedKey: Buffer | null;
}

export interface DecryptedBidRecord {
  bidId: string;
  by: DecryptedBy;
  key: Buffer;
  price: string;
  durationDays: number | null;
  attachments: Array<{ name: string; sha256: string; size: number }>;
}

export interface FailedBidRecord {
  bidId: string;
  status: BidStatus.REVOKED | BidStatus.WITHDRAWN;
  reason: BidStatusReason;
}

/**
 * The bid-row changes of the opening, owned by the bids module and called by the opening module inside its
 * transactions: extraction at the deadline, decryption results, revocation and withdrawal for decryption failures.
 */
@Injectable()
export class BidLifecycleService {
  constructor(private readonly audit: AuditService) {}

  /** Bids currently submitted (not withdrawn) — read only after the deadline, under the tender's lock. */
  async countSubmitted(m: EntityManager, tenderId: string): Promise<number> {
    const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1 AND status = 'SUBMITTED'`, [tenderId]);
    return n;
  }

  /** Submitted bids per lot (标段), for a tender with lots; read under the tender's lock after the deadline. */
  async countSubmittedByLot(m: EntityManager, tenderId: string): Promise<Map<number, number>> {
    const rows: Array<{ lot_no: number; n: number }> = await m.query(
      `SELECT l.lot_no, count(b.id)::int AS n FROM tender_lots l
       LEFT JOIN bids b ON b.tender_id = l.tender_id AND b.lot_no = l.lot_no AND b.status = 'SUBMITTED'
       WHERE l.tender_id = $1 GROUP BY l.lot_no ORDER BY l.lot_no`,
      [tenderId],
    );
    return new Map(rows.map((r) => [Number(r.lot_no), r.n]));
  }

  /** 开标: every submitted bid becomes OPENED (EB20 Art. 30 "自动提取所有投标文件"). */
  async markOpened(m: EntityManager, tenderId: string, at: Date, lotNos: number[] | null = null): Promise<OpenedBidRef[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected]. `lotNos`: only the bids of these lots (标段 that
    // did not fail at the deadline); null: every lot.
    const [rows]: [Array<{ id: string; bidder_organization_id: string; version: number; ciphertext_sha256: string; received_at: Date }>, number] = await m.query(
      `UPDATE bids SET status = 'OPENED', opened_at = $2, updated_at = clock_timestamp()
         WHERE tender_id = $1 AND status = 'SUBMITTED' AND ($3::int[] IS NULL OR lot_no = ANY($3::int[]))
         RETURNING id, bidder_organization_id, version, ciphertext_sha256, received_at`,
      [tenderId, at, lotNos],
    );
    // Under the tender's FOR UPDATE: no submission is in flight, so these heads are final.
    const heads = await this.audit.heads(
      m,
      rows.map((r) => bidAuditStream(r.id)),
    );
    return rows
      .map((r) => ({
        bidId: r.id,
        bidderOrganizationId: r.bidder_organization_id,
        version: r.version,
        ciphertextSha256: r.ciphertext_sha256,
        receivedAt: new Date(r.received_at).toISOString(),
        auditHead: heads.get(bidAuditStream(r.id)) ?? null,
      }))
      .sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.bidId < b.bidId ? -1 : 1));
  }

  /** One opened bid of a tender, locked; null when it does not exist or was never opened. */
  async lockOpenedBid(m: EntityManager, tenderId: string, bidId: string): Promise<UndecryptedBid | null> {
    const rows = await m.query(`${SELECT_UNDECRYPTED} WHERE tender_id = $1 AND id = $2 AND opened_at IS NOT NULL FOR UPDATE`, [tenderId, bidId]);
    return rows.length ? toUndecrypted(rows[0]) : null;
  }

  /**
   * Every OPENED (not yet decrypted) bid of a tender, in order of receipt. Call it holding the tender FOR UPDATE:
   * every change to an opened bid takes the tender's lock first, so no row lock is needed here.
   */
  async listUndecrypted(m: EntityManager, tenderId: string): Promise<UndecryptedBid[]> {
    const rows = await m.query(`${SELECT_UNDECRYPTED} WHERE tender_id = $1 AND status = 'OPENED' ORDER BY received_at, id`, [tenderId]);
    return rows.map(toUndecrypted);
  }

  async countUndecrypted(m: EntityManager, tenderId: string): Promise<number> {
    const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1 AND status = 'OPENED'`, [tenderId]);
    return n;
  }

  /** The ciphertext, iv and escrowed key of opened bids (never of a bid that has not been opened). */
  async loadSealedParts(m: EntityManager, bidIds: string[]): Promise<SealedParts[]> {
    if (!bidIds.length) return [];
    // base64 on the wire: a third of hex's size, and decoded faster (the pg driver reads bytea as hex text).
    const rows: Array<{ id: string; ciphertext: string; iv: Buffer; escrowed_key: Buffer | null }> = await m.query(
      `SELECT id, encode(ciphertext, 'base64') AS ciphertext, iv, escrowed_key FROM bids
       WHERE id = ANY($1::uuid[]) AND opened_at IS NOT NULL`,
      [bidIds],
    );
    return rows.map((r) => ({ bidId: r.id, ciphertext: Buffer.from(r.ciphertext, 'base64'), iv: r.iv, escrowedKey: r.escrowed_key }));
  }

  /**
   * Stores decrypted bids in bulk: price, duration, attachment names and digests, and the key (no secret once the
   * bid is opened; with it anyone can re-open the stored ciphertext and check the record).
   */
  async saveDecrypted(m: EntityManager, records: DecryptedBidRecord[], at: Date): Promise<void> {
    if (!records.length) return;
    await m.query(
      `UPDATE bids b SET status = 'DECRYPTED', decrypted_at = $1, decrypted_by = v.by, revealed_key = v.key,
              price = v.price::numeric, duration_days = v.dur, attachments = v.att::jsonb,
              status_reason = NULL, updated_at = clock_timestamp()
       FROM unnest($2::uuid[], $3::text[], $4::bytea[], $5::text[], $6::int[], $7::text[])
            AS v(id, by, key, price, dur, att)
       WHERE b.id = v.id AND b.status = 'OPENED'`,
      [
        at,
        records.map((r) => r.bidId),
        records.map((r) => r.by),
        records.map((r) => r.key),
        records.map((r) => r.price),
        records.map((r) => r.durationDays),
        records.map((r) => JSON.stringify(r.attachments.map((a) => ({ name: a.name, sha256: a.sha256, size: a.size })))),
      ],
    );
  }

  /** REVOKED (the bidder's fault) or WITHDRAWN (anyone else's) for bids that could not be decrypted (EB20 Art. 31). */
  async saveFailed(m: EntityManager, records: FailedBidRecord[]): Promise<void> {
    if (!records.length) return;
    await m.query(
      `UPDATE bids b SET status = v.status, status_reason = v.reason, updated_at = clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, status, reason)
       WHERE b.id = v.id AND b.status = 'OPENED'`,
      [records.map((r) => r.bidId), records.map((r) => r.status), records.map((r) => r.reason)],
    );
  }
}

const SELECT_UNDECRYPTED = `SELECT id, tender_id, bidder_organization_id, status, key_commitment, ciphertext_sha256,
  (escrowed_key IS NOT NULL) AS has_escrowed_key, price, revealed_key FROM bids`;

function toUndecrypted(r: {
  id: string;
  tender_id: string;
  bidder_organization_id: string;
  status: BidStatus;
  key_commitment: string;
  ciphertext_sha256: string;
  has_escrowed_key: boolean;
  price: string | null;
  revealed_key: Buffer | null;
}): UndecryptedBid {
  return {
    bidId: r.id,
    tenderId: r.tender_id,
    bidderOrganizationId: r.bidder_organization_id,
    status: r.status,
    keyCommitment: r.key_commitment,
    ciphertextSha256: r.ciphertext_sha256,
    hasEscrowedKey: r.has_escrowed_key,
    price: r.price,
    revealedKey: r.revealed_key,
  };
}
