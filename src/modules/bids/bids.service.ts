import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { normalizeMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { MyBidSummary, MyBidView } from './bid-views';
import { MyBidsQueryDto } from './dto/my-bids-query.dto';
import { Page } from 'src/common/http/page-query.dto';
import { BidIdentitySealer } from './bid-identity-sealer';
import { receiptExtension } from './use-cases/submit-bid.use-case';
import { BidsRepository } from './bids.repository';

/** Reads of a bidder's own bid. Only ever the caller's organisation: another bidder's bid is NOT_FOUND. */
@Injectable()
export class BidsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly identities: BidIdentitySealer,
    private readonly bids: BidsRepository,
  ) {}

  /** The caller's own bids, newest first; only its own organisation's, never another bidder's. */
  async listMine(actor: Actor, q: MyBidsQueryDto): Promise<Page<MyBidSummary>> {
    if (!actor.organizationId) return { items: [], total: 0 };
    const m = this.tx.manager;
    const { rows, total } = await this.bids.listMine(m, {
      organizationId: actor.organizationId,
      tenderId: q.tenderId ?? null,
      limit: q.pageSize,
      offset: (q.page - 1) * q.pageSize,
      blindIndexes: await this.identities.myIndexes(m, actor.organizationId),
    });
    return {
      total,
      items: rows.map((r) => ({
        bidId: r.id,
        tenderId: r.tenderId,
        lotNo: r.lotNo,
        tenderTitle: r.tenderTitle,
        tenderStatus: r.tenderStatus,
        bidDeadline: r.bidDeadline.toISOString(),
        version: r.version,
        status: r.status,
        receivedAt: r.receivedAt.toISOString(),
      })),
    };
  }

  async mine(tenderId: string, actor: Actor, lotNo = 1): Promise<MyBidView> {
    if (!actor.organizationId) throw new NotFoundException('Your bid');
    const m = this.tx.manager;
    const bid = await this.bids.findMine(m, tenderId, actor.organizationId, await this.identities.blindIndex(tenderId, actor.organizationId), lotNo);
    if (!bid) throw new NotFoundException('Your bid');
    const versions = await this.bids.versionsOf(m, bid.id);
    return {
      bidId: bid.id,
      version: bid.version,
      receivedAt: bid.receivedAt.toISOString(),
      ciphertextSha256: bid.ciphertextSha256,
      signature: this.identities.receiptField(bid.signature, bid.id),
      ...receiptExtension({
        envelopeSha256: this.identities.receiptField(bid.envelopeSha256, bid.id),
        envelopeSignature: this.identities.receiptField(bid.envelopeSignature, bid.id),
        escrowedKeyStored: bid.hasEscrowedKey,
      }),
      // Format v2 (additive): ciphertextSha256 is then the suite's file hash, signature the envelope signature.
      ...(bid.formatVersion === 2 ? { formatVersion: 2 as const, suite: bid.suite } : {}),
      ...(bid.envelopeV2
        ? {
            envelope: {
              segmentSize: bid.envelopeV2.segmentSize,
              ciphertextLength: bid.envelopeV2.ciphertextLength,
              noncePrefix: bid.envelopeV2.noncePrefix.toString('base64'),
              escrowedKey: bid.envelopeV2.escrowedKey ? bid.envelopeV2.escrowedKey.toString('base64') : null,
            },
          }
        : {}),
      tenderId: bid.tenderId,
      lotNo,
      bidderOrganizationId: actor.organizationId, // the caller's own: the row may still be sealed
      keyCommitment: bid.keyCommitment,
      status: bid.status,
      withdrawnAt: bid.withdrawnAt ? new Date(bid.withdrawnAt).toISOString() : null,
      hasEscrowedKey: bid.hasEscrowedKey,
      price: bid.price === null ? null : normalizeMoney(bid.price),
      statusReason: bid.statusReason,
      versions: versions.map((v) => ({
        version: v.version,
        receivedAt: v.receivedAt.toISOString(),
        ciphertextSha256: v.ciphertextSha256,
        keyCommitment: v.keyCommitment,
        signature: this.identities.receiptField(v.signature, bid.id),
      })),
    };
  }
}
