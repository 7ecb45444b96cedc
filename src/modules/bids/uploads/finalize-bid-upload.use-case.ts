import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { BlobStore } from 'src/infra/blob-store/blob-store';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { toHex } from 'src/sdk/core/bytes';
import { BidReceiptV2, envelopeV2Bytes } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { AuditService } from '../../audit/audit.service';
import { bidAuditScope } from '../bid-audit';
import { BidIdentitySealer, SealingContext, sealedBidderActor } from '../bid-identity-sealer';
import { BidStatus } from '../bid.enums';
import { escrowedKeyPolicy } from '../bid-submission-rules';
import { PlatformKeyService } from '../platform-key.service';
import { BidsRepository, BidVersionV2Row, TenderForBids } from '../bids.repository';
import { assertSubmissionOpen, lockTenderForBids, SubmitBidUseCase } from '../use-cases/submit-bid.use-case';
import { BidUploadException } from './bid-upload.exception';
import { BidUploadsRepository } from './bid-uploads.repository';
import { BidUploadRow, BidUploadsService } from './bid-uploads.service';
import { GmReceiptKeyService } from './gm-receipt-key.service';
import type { UseCase } from 'src/common/use-case';

export type BidReceiptV2View = BidReceiptV2 & { tenderId: string; bidderOrganizationId: string; keyCommitment: string; status: BidStatus; lotNo: number };

/** The locked, complete upload whose file hash is the one stated: about to become a bid version. */
interface Finalisation {
  tenderId: string;
  actor: Actor;
  organizationId: string;
  tender: TenderForBids;
  now: Date;
  u: BidUploadRow;
}

/** What the checks decided: the bid the upload becomes (new, or the next version of the bidder's bid). */
interface Decision {
  sealing: SealingContext | null;
  storedEscrowedKey: Buffer | null;
  bidId: string;
  version: number;
  isNew: boolean;
}

type LockedOutcome = { receipt: BidReceiptV2View } | { refused: true } | { finalisation: Finalisation };

export interface FinalizeBidUploadCommand {
  tenderId: string;
  uploadId: string;
  actor: Actor;
}

/**
 * 递交投标文件, format v2: the moment that counts is this finalisation, on the database clock and under the same
 * tender lock as a v1 submission (EB20 Art. 27; TBL Art. 28): an upload incomplete then is not a bid, a file whose
 * hash is not the one stated is refused, and nothing is stored in either case. The bid (a new one, or the next
 * version of the bidder's v1 or v2 bid, TBL Art. 29) points at the upload's pieces in the blob store, and the receipt
 * signs the whole envelope with the suite's algorithm.
 */
@Injectable()
export class FinalizeBidUploadUseCase implements UseCase<FinalizeBidUploadCommand, BidReceiptV2View> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly uploads: BidUploadsService,
    private readonly submit: SubmitBidUseCase,
    private readonly audit: AuditService,
    private readonly ed25519: PlatformKeyService,
    private readonly sm2: GmReceiptKeyService,
    private readonly blobs: BlobStore,
    private readonly identities: BidIdentitySealer,
    private readonly bids: BidsRepository,
    private readonly uploadRows: BidUploadsRepository,
  ) {}

  async execute({ tenderId, uploadId, actor }: FinalizeBidUploadCommand): Promise<BidReceiptV2View> {
    const organizationId = actor.organizationId;
    if (!organizationId) throw new NotFoundException('The tender');
    // The file hash is computed outside the transaction (it may have to re-read the pieces).
    const first = await this.tx.run((m) => this.uploads.load(m, tenderId, uploadId, actor));
    if (first.status === 'FINALIZED') return this.tx.run((m) => this.existingReceipt(m, first, organizationId));
    if (first.status !== 'OPEN') throw BidUploadException.closed(first.status);
    const received = first.receivedBytes;
    const fileHash = received === first.ciphertextLength ? await (await this.uploads.hasherAt(first, received)).clone().digestHex() : null;

    const outcome = await this.tx.run(async (m) => {
      const loaded = await this.load(m, tenderId, uploadId, actor, organizationId, received, fileHash);
      if (!('finalisation' in loaded)) return loaded;
      const f = loaded.finalisation;
      const d = await this.decide(m, f);
      const receipt = await this.persist(m, f, d);
      await this.announce(m, f, d);
      return { receipt };
    });
    if ('refused' in outcome) {
      await this.discardPieces(uploadId);
      throw BidUploadException.hashMismatch();
    }
    this.uploads.forget(uploadId);
    return outcome.receipt;
  }

  /**
   * Under the tender's lock and the upload's row lock: a finalisation already done answers its receipt; an upload
   * not OPEN, incomplete, or changed since its hash was computed is refused with nothing stored; a file whose hash is
   * not the one stated refuses the upload (recorded and audited, then its pieces are discarded).
   */
  private async load(
    m: EntityManager,
    tenderId: string,
    uploadId: string,
    actor: Actor,
    organizationId: string,
    received: number,
    fileHash: string | null,
  ): Promise<LockedOutcome> {
    const { tender, now } = await lockTenderForBids(this.bids, m, tenderId);
    const u = await this.uploads.load(m, tenderId, uploadId, actor, true);
    if (u.status === 'FINALIZED') return { receipt: await this.existingReceipt(m, u, organizationId) };
    if (u.status !== 'OPEN') throw BidUploadException.closed(u.status);
    assertSubmissionOpen(tender, now); // the deadline rule, on the database clock
    if (u.receivedBytes !== u.ciphertextLength) throw BidUploadException.incomplete(u.receivedBytes, u.ciphertextLength);
    if (fileHash === null || u.receivedBytes !== received) throw BidUploadException.offsetMismatch(u.receivedBytes);
    if (fileHash !== u.ciphertextHash) {
      await this.uploadRows.markRefusedHashMismatch(m, u.id);
      await this.audit.append(m, {
        actor,
        action: 'BID_UPLOAD_REFUSED',
        objectType: 'bid_upload',
        objectId: u.id,
        ...bidAuditScope(tenderId, u.id),
        data: { uploadId: u.id, code: 'UPLOAD_HASH_MISMATCH', stated: u.ciphertextHash, received: fileHash },
      });
      return { refused: true };
    }
    return { finalisation: { tenderId, actor, organizationId, tender, now, u } };
  }

  /** The rules a v1 submission applies too (invitation, debarment, bid security), and the bid it becomes. */
  private async decide(m: EntityManager, f: Finalisation): Promise<Decision> {
    const { tenderId, organizationId, tender, u } = f;
    const policy = escrowedKeyPolicy(tender.decryptionMode);
    const storedEscrowedKey = policy === 'DISCARDED' ? null : u.escrowedKey;
    await this.submit.assertInvited(m, tender, organizationId);
    await this.submit.assertNotDebarred(m, organizationId);
    // 标段: the upload is for one lot (chosen at its creation): the bidder's slot of that lot, its bid there (only
    // that one is replaced), and that lot's own security, as a v1 submission to the lot.
    const lotNo = u.lotNo;
    await this.bids.lockBidderSlot(m, tenderId, organizationId, lotNo);
    // Sealed identities (issue 17): the bid row names no bidder until the opening; it is found by its blind index.
    const sealing = await this.identities.contextOf(tender, organizationId);
    const existing = await this.bids.findV2TargetForUpdate(m, tenderId, organizationId, lotNo, sealing?.blindIndex ?? null);
    await this.submit.assertSecurityPaid(m, tender, organizationId, lotNo);
    return {
      sealing,
      storedEscrowedKey,
      bidId: existing?.id ?? this.uploadBidId(u),
      version: existing ? existing.version + 1 : 1,
      isNew: !existing,
    };
  }

  /** Signs the envelope, writes the bid row (new or next version, TBL Art. 29) and its version row, closes the upload. */
  private async persist(m: EntityManager, f: Finalisation, d: Decision): Promise<BidReceiptV2View> {
    const { tenderId, organizationId, now, u } = f;
    const { bidId, version, storedEscrowedKey } = d;
    const receivedAt = now.toISOString();
    const suite = nodeSuite(u.suite);
    const envelope = envelopeV2Bytes({
      bidId,
      version,
      tenderId,
      bidderOrganizationId: organizationId,
      suite: u.suite,
      segmentSize: u.segmentSize,
      ciphertextLength: u.ciphertextLength,
      ciphertextHash: u.ciphertextHash,
      noncePrefix: u.noncePrefix,
      keyCommitment: u.keyCommitment,
      escrowedKey: storedEscrowedKey,
      receivedAt,
    });
    const envelopeHash = toHex(await suite.hash(envelope));
    const envelopeSignature = u.suite === 'GM-1' ? this.sm2.sign(envelope) : this.ed25519.signBytes(Buffer.from(envelope));
    const row: BidVersionV2Row = {
      bidId,
      version,
      tenderId,
      receivedAt: now,
      keyCommitment: u.keyCommitment,
      escrowedKey: storedEscrowedKey,
      ciphertextSha256: u.ciphertextHash,
      ciphertextBytes: u.ciphertextLength,
      noncePrefix: u.noncePrefix,
      suite: u.suite,
      segmentSize: u.segmentSize,
      blobKey: `uploads/${u.id}`,
      lotNo: u.lotNo,
      // Sealed identities (issue 17): nothing is opened here; the upload's submitter, sealed to the identity key at
      // its creation, goes into the version's sealed identity as it is and is opened at the opening.
      identity: this.identities.toStore(d.sealing, bidId, version, this.uploads.identityOf(u, organizationId, f.actor), {
        signature: envelopeSignature,
        envelopeSha256: envelopeHash,
        envelopeSignature,
      }),
    };
    if (d.isNew) await this.bids.insertV2(m, row);
    else await this.bids.replaceV2(m, row);
    await this.bids.insertVersionV2(m, row);
    await this.uploadRows.markFinalized(m, u.id, bidId);
    return {
      bidId,
      version,
      receivedAt,
      formatVersion: 2,
      suite: u.suite,
      ciphertextHash: u.ciphertextHash,
      ciphertextLength: u.ciphertextLength,
      envelopeHash,
      envelopeSignature,
      escrowedKeyStored: storedEscrowedKey !== null,
      tenderId,
      bidderOrganizationId: organizationId,
      keyCommitment: u.keyCommitment,
      status: BidStatus.SUBMITTED,
      lotNo: u.lotNo,
    };
  }

  /** The bid's own audit stream, sealed until the opening (as a v1 submission's). */
  private async announce(m: EntityManager, f: Finalisation, d: Decision): Promise<void> {
    const { u } = f;
    await this.audit.append(m, {
      actor: d.sealing ? sealedBidderActor(f.actor) : f.actor, // the submitter is in the sealed identity until the opening
      action: 'BID_SUBMITTED',
      objectType: 'bid',
      objectId: d.bidId,
      ...bidAuditScope(f.tenderId, d.bidId),
      data: {
        bidId: d.bidId,
        version: d.version,
        lotNo: u.lotNo, // the lot in the hash-chained record too (as a v1 submission's)
        formatVersion: 2,
        suite: u.suite,
        ciphertextHash: u.ciphertextHash,
        ciphertextBytes: u.ciphertextLength,
        escrowed: d.storedEscrowedKey !== null,
      },
    });
    // No metric here: bids_received_total is counted when the tender's deadline passes (issue 17).
  }

  /** A new bid's id: derived from nothing secret, fresh per upload. */
  private uploadBidId(u: BidUploadRow): string {
    return u.id;
  }

  private async discardPieces(uploadId: string): Promise<void> {
    const pieces = await this.uploads.pieces(uploadId);
    await this.tx.run((m) => this.uploadRows.deletePieces(m, uploadId));
    for (const p of pieces) await this.blobs.delete(p.blobKey).catch(() => undefined);
    this.uploads.forget(uploadId);
  }

  /** Finalising again returns the receipt of the version it created. */
  private async existingReceipt(m: EntityManager, u: BidUploadRow, organizationId: string): Promise<BidReceiptV2View> {
    const r = await this.bids.findUploadVersion(m, u.bidId, `uploads/${u.id}`);
    const status = await this.bids.statusOf(m, u.bidId);
    if (!r || !status) throw new Error(`upload ${u.id}: FINALIZED without its bid version`); // the finalisation wrote both
    return {
      bidId: r.bidId,
      version: r.version,
      receivedAt: r.receivedAt.toISOString(),
      formatVersion: 2,
      suite: u.suite,
      ciphertextHash: u.ciphertextHash,
      ciphertextLength: u.ciphertextLength,
      envelopeHash: this.identities.receiptField(r.envelopeSha256, r.bidId),
      envelopeSignature: this.identities.receiptField(r.envelopeSignature, r.bidId),
      escrowedKeyStored: r.hasEscrowedKey,
      tenderId: u.tenderId,
      bidderOrganizationId: organizationId, // the caller's own: the upload row may still be sealed
      keyCommitment: u.keyCommitment,
      status,
      lotNo: u.lotNo,
    };
  }
}
