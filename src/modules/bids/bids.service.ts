import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { normalizeMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { BidStatus } from './bid.enums';
import { MyBidSummary, MyBidView } from './bid-views';
import { MyBidsQueryDto } from './dto/my-bids-query.dto';
import { Page } from 'src/common/http/page-query.dto';
import { BidIdentitySealer } from './bid-identity-sealer';
import { receiptExtension } from './use-cases/submit-bid.use-case';

interface MyBidRow {
  id: string;
  tender_id: string;
  bidder_organization_id: string;
  version: number;
  status: BidStatus;
  received_at: Date;
  ciphertext_sha256: string;
  key_commitment: string;
  signature: string;
  envelope_sha256: string | null;
  envelope_signature: string | null;
  format_version: number;
  suite: string | null;
  withdrawn_at: Date | null;
  has_escrowed_key: boolean;
  price: string | null;
  status_reason: string | null;
}

/** Reads of a bidder's own bid. Only ever the caller's organisation: another bidder's bid is NOT_FOUND. */
@Injectable()
export class BidsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly identities: BidIdentitySealer,
  ) {}

  /** The caller's own bids, newest first; only its own organisation's, never another bidder's. */
  async listMine(actor: Actor, q: MyBidsQueryDto): Promise<Page<MyBidSummary>> {
    if (!actor.organizationId) return { items: [], total: 0 };
    const rows: Array<{
      id: string;
      tender_id: string;
      lot_no: number;
      title: string;
      tender_status: string;
      bid_deadline: Date;
      version: number;
      status: BidStatus;
      received_at: Date;
      total: string;
    }> = await this.tx.manager.query(
      `SELECT b.id, b.tender_id, b.lot_no, t.title, t.status AS tender_status, t.bid_deadline, b.version, b.status, b.received_at,
              count(*) OVER () AS total
       FROM bids b JOIN tenders t ON t.id = b.tender_id
       WHERE (b.bidder_organization_id = $1 OR b.bidder_blind_index = ANY($5::text[]))
         AND t.status <> 'DRAFT' AND ($2::uuid IS NULL OR b.tender_id = $2::uuid)
       ORDER BY b.received_at DESC, b.id
       LIMIT $3 OFFSET $4`,
      [actor.organizationId, q.tenderId ?? null, q.pageSize, (q.page - 1) * q.pageSize, await this.identities.myIndexes(this.tx.manager, actor.organizationId)],
    );
    return {
      total: rows.length ? Number(rows[0].total) : 0,
      items: rows.map((r) => ({
        bidId: r.id,
        tenderId: r.tender_id,
        lotNo: r.lot_no,
        tenderTitle: r.title,
        tenderStatus: r.tender_status,
        bidDeadline: new Date(r.bid_deadline).toISOString(),
        version: r.version,
        status: r.status,
        receivedAt: new Date(r.received_at).toISOString(),
      })),
    };
  }

  async mine(tenderId: string, actor: Actor, lotNo = 1): Promise<MyBidView> {
    if (!actor.organizationId) throw new NotFoundException('Your bid');
    const m = this.tx.manager;
    const rows: MyBidRow[] = await m.query(
      `SELECT b.id, b.tender_id, b.bidder_organization_id, b.version, b.status, b.received_at, b.ciphertext_sha256,
              b.key_commitment, b.signature, b.withdrawn_at, (b.escrowed_key IS NOT NULL) AS has_escrowed_key,
              b.price, b.status_reason, b.envelope_sha256, b.envelope_signature, b.format_version, b.suite
       FROM bids b JOIN tenders t ON t.id = b.tender_id
       WHERE b.tender_id = $1 AND (b.bidder_organization_id = $2 OR b.bidder_blind_index = $3) AND b.lot_no = $4 AND t.status <> 'DRAFT'`,
      [tenderId, actor.organizationId, this.identities.blindIndex(tenderId, actor.organizationId), lotNo],
    );
    const bid = rows[0];
    if (!bid) throw new NotFoundException('Your bid');
    const versions: Array<{ version: number; received_at: Date; ciphertext_sha256: string; key_commitment: string; signature: string }> = await m.query(
      `SELECT version, received_at, ciphertext_sha256, key_commitment, signature FROM bid_versions
         WHERE bid_id = $1 ORDER BY version`,
      [bid.id],
    );
    return {
      bidId: bid.id,
      version: bid.version,
      receivedAt: new Date(bid.received_at).toISOString(),
      ciphertextSha256: bid.ciphertext_sha256,
      signature: this.identities.receiptField(bid.signature, bid.id),
      ...receiptExtension({
        envelopeSha256: this.identities.receiptField(bid.envelope_sha256, bid.id),
        envelopeSignature: this.identities.receiptField(bid.envelope_signature, bid.id),
        escrowedKeyStored: bid.has_escrowed_key,
      }),
      // Format v2 (additive): ciphertextSha256 is then the suite's file hash, signature the envelope signature.
      ...(bid.format_version === 2 ? { formatVersion: 2 as const, suite: bid.suite } : {}),
      tenderId: bid.tender_id,
      lotNo,
      bidderOrganizationId: actor.organizationId, // the caller's own: the row may still be sealed
      keyCommitment: bid.key_commitment,
      status: bid.status,
      withdrawnAt: bid.withdrawn_at ? new Date(bid.withdrawn_at).toISOString() : null,
      hasEscrowedKey: bid.has_escrowed_key,
      price: bid.price === null ? null : normalizeMoney(bid.price),
      statusReason: bid.status_reason,
      versions: versions.map((v) => ({
        version: v.version,
        receivedAt: new Date(v.received_at).toISOString(),
        ciphertextSha256: v.ciphertext_sha256,
        keyCommitment: v.key_commitment,
        signature: this.identities.receiptField(v.signature, bid.id),
      })),
    };
  }
}
