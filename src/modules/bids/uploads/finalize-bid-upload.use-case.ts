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
import { BidIdentitySealer, sealedBidderActor } from '../bid-identity-sealer';
import { BidStatus } from '../bid.enums';
import { escrowedKeyPolicy } from '../bid-submission-rules';
import { PlatformKeyService } from '../platform-key.service';
import { assertSubmissionOpen, lockBidderSlot, lockTenderForBids, SubmitBidUseCase } from '../use-cases/submit-bid.use-case';
import { BidUploadException } from './bid-upload.exception';
import { BidUploadRow, BidUploadsService } from './bid-uploads.service';
import { GmReceiptKeyService } from './gm-receipt-key.service';
import type { UseCase } from 'src/common/use-case';

export type BidReceiptV2View = BidReceiptV2 & { tenderId: string; bidderOrganizationId: string; keyCommitment: string; status: BidStatus };

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
  ) {}

  async execute({ tenderId, uploadId, actor }: FinalizeBidUploadCommand): Promise<BidReceiptV2View> {
    const organizationId = actor.organizationId;
    if (!organizationId) throw new NotFoundException('The tender');
    // The file hash is computed outside the transaction (it may have to re-read the pieces).
    const first = await this.tx.run((m) => this.uploads.load(m, tenderId, uploadId, actor));
    if (first.status === 'FINALIZED') return this.tx.run((m) => this.existingReceipt(m, first, organizationId));
    if (first.status !== 'OPEN') throw BidUploadException.closed(first.status);
    const received = Number(first.received_bytes);
    const fileHash = received === Number(first.ciphertext_length) ? await (await this.uploads.hasherAt(first, received)).clone().digestHex() : null;

    const outcome = await this.tx.run(async (m) => {
      const { tender, now } = await lockTenderForBids(m, tenderId);
      const u = await this.uploads.load(m, tenderId, uploadId, actor, true);
      if (u.status === 'FINALIZED') return { receipt: await this.existingReceipt(m, u, organizationId) };
      if (u.status !== 'OPEN') throw BidUploadException.closed(u.status);
      assertSubmissionOpen(tender, now); // the deadline rule, on the database clock
      if (Number(u.received_bytes) !== Number(u.ciphertext_length)) throw BidUploadException.incomplete(Number(u.received_bytes), Number(u.ciphertext_length));
      if (fileHash === null || Number(u.received_bytes) !== received) throw BidUploadException.offsetMismatch(Number(u.received_bytes));
      if (fileHash !== u.ciphertext_hash) {
        await m.query(`UPDATE bid_uploads SET status = 'REFUSED', refused_reason = 'UPLOAD_HASH_MISMATCH', updated_at = clock_timestamp() WHERE id = $1`, [u.id]);
        await this.audit.append(m, {
          actor,
          action: 'BID_UPLOAD_REFUSED',
          objectType: 'bid_upload',
          objectId: u.id,
          ...bidAuditScope(tenderId, u.id),
          data: { uploadId: u.id, code: 'UPLOAD_HASH_MISMATCH', stated: u.ciphertext_hash, received: fileHash },
        });
        return { refused: true as const };
      }
      const policy = escrowedKeyPolicy(tender.decryptionMode);
      const storedEscrowedKey = policy === 'DISCARDED' ? null : u.escrowed_key;
      await this.submit.assertInvited(m, tender, organizationId);
      await this.submit.assertNotDebarred(m, organizationId);
      await lockBidderSlot(m, tenderId, organizationId, 1);
      // Sealed identities (issue 17): the bid row names no bidder until the opening; it is found by its blind index.
      const sealing = this.identities.contextOf(tender, organizationId);
      const existing: Array<{ id: string; version: number }> = await m.query(
        // Format v2 uploads are for lot 1 (a tender without lots); lots of several are bid through format v1 for now.
        `SELECT id, version FROM bids WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $3) AND lot_no = 1 FOR UPDATE`,
        [tenderId, organizationId, sealing?.blindIndex ?? null],
      );
      await this.submit.assertSecurityPaid(m, tender, organizationId, 1);
      const bidId = existing[0]?.id ?? this.uploadBidId(u);
      const version = existing.length ? existing[0].version + 1 : 1;
      const receivedAt = now.toISOString();
      const suite = nodeSuite(u.suite);
      const envelope = envelopeV2Bytes({
        bidId,
        version,
        tenderId,
        bidderOrganizationId: organizationId,
        suite: u.suite,
        segmentSize: u.segment_size,
        ciphertextLength: Number(u.ciphertext_length),
        ciphertextHash: u.ciphertext_hash,
        noncePrefix: u.nonce_prefix,
        keyCommitment: u.key_commitment,
        escrowedKey: storedEscrowedKey,
        receivedAt,
      });
      const envelopeHash = toHex(await suite.hash(envelope));
      const envelopeSignature = u.suite === 'GM-1' ? this.sm2.sign(envelope) : this.ed25519.signBytes(Buffer.from(envelope));
      const blobKey = `uploads/${u.id}`;
      const who = this.uploads.submitter(u);
      const c = who.client;
      const x = this.identities.toStore(
        sealing,
        bidId,
        version,
        {
          organizationId,
          userId: who.userId,
          ip: who.ip,
          deviceId: c.deviceId,
          macAddresses: c.macAddresses ?? [],
          toolVersion: c.toolVersion ?? null,
          documentAuthor: c.documentAuthor ?? null,
        },
        { signature: envelopeSignature, envelopeSha256: envelopeHash, envelopeSignature },
      );
      const fingerprint = [x.ip, x.deviceId, x.macAddresses, x.toolVersion, x.documentAuthor];
      const v = {
        keyCommitment: u.key_commitment,
        escrowedKey: storedEscrowedKey,
        hash: u.ciphertext_hash,
        length: Number(u.ciphertext_length),
      };
      if (!existing.length) {
        await m.query(
          `INSERT INTO bids (id, tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment,
                             escrowed_key, ciphertext_sha256, ciphertext_bytes, received_at, signature,
                             ip, device_id, mac_addresses, tool_version, document_author, envelope_sha256, envelope_signature,
                             format_version, suite, segment_size, blob_key, bidder_blind_index, sealed_identity)
           VALUES ($1, $2, $3, $4, 1, 'SUBMITTED', '\\x', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 2, $19, $20, $21, $22, $23)`,
          [
            bidId,
            tenderId,
            x.organizationId,
            x.userId,
            u.nonce_prefix,
            v.keyCommitment,
            v.escrowedKey,
            v.hash,
            v.length,
            now,
            x.signature,
            ...fingerprint,
            x.envelopeSha256,
            x.envelopeSignature,
            u.suite,
            u.segment_size,
            blobKey,
            x.blindIndex,
            x.sealedIdentity,
          ],
        );
      } else {
        await m.query(
          `UPDATE bids SET version = $2, status = 'SUBMITTED', submitted_by = $3, ciphertext = '\\x', iv = $4, key_commitment = $5,
                  escrowed_key = $6, ciphertext_sha256 = $7, ciphertext_bytes = $8, received_at = $9, signature = $10,
                  ip = $11, device_id = $12, mac_addresses = $13, tool_version = $14, document_author = $15,
                  envelope_sha256 = $16, envelope_signature = $17, format_version = 2, suite = $18, segment_size = $19, blob_key = $20,
                  sealed_identity = $21, withdrawn_at = NULL, status_reason = NULL, updated_at = clock_timestamp()
           WHERE id = $1`,
          [
            bidId,
            version,
            x.userId,
            u.nonce_prefix,
            v.keyCommitment,
            v.escrowedKey,
            v.hash,
            v.length,
            now,
            x.signature,
            ...fingerprint,
            x.envelopeSha256,
            x.envelopeSignature,
            u.suite,
            u.segment_size,
            blobKey,
            x.sealedIdentity,
          ],
        );
      }
      await m.query(
        `INSERT INTO bid_versions (bid_id, version, tender_id, bidder_organization_id, submitted_by, received_at, ciphertext_sha256,
                                   ciphertext_bytes, key_commitment, has_escrowed_key, signature, ip, device_id, mac_addresses,
                                   tool_version, document_author, envelope_sha256, envelope_signature, format_version, suite, segment_size, blob_key,
                                   bidder_blind_index, sealed_identity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 2, $19, $20, $21, $22, $23)`,
        [
          bidId,
          version,
          tenderId,
          x.organizationId,
          x.userId,
          now,
          u.ciphertext_hash,
          Number(u.ciphertext_length),
          u.key_commitment,
          storedEscrowedKey !== null,
          x.signature,
          ...fingerprint,
          x.envelopeSha256,
          x.envelopeSignature,
          u.suite,
          u.segment_size,
          blobKey,
          x.blindIndex,
          x.sealedIdentity,
        ],
      );
      await m.query(`UPDATE bid_uploads SET status = 'FINALIZED', bid_id = $2, updated_at = clock_timestamp() WHERE id = $1`, [u.id, bidId]);
      await this.audit.append(m, {
        actor: sealing ? sealedBidderActor(actor) : actor, // the submitter is in the sealed identity until the opening
        action: 'BID_SUBMITTED',
        objectType: 'bid',
        objectId: bidId,
        ...bidAuditScope(tenderId, bidId),
        data: {
          bidId,
          version,
          formatVersion: 2,
          suite: u.suite,
          ciphertextHash: u.ciphertext_hash,
          ciphertextBytes: Number(u.ciphertext_length),
          escrowed: storedEscrowedKey !== null,
        },
      });
      // No metric here: bids_received_total is counted when the tender's deadline passes (issue 17).
      const receipt: BidReceiptV2View = {
        bidId,
        version,
        receivedAt,
        formatVersion: 2,
        suite: u.suite,
        ciphertextHash: u.ciphertext_hash,
        ciphertextLength: Number(u.ciphertext_length),
        envelopeHash,
        envelopeSignature,
        escrowedKeyStored: storedEscrowedKey !== null,
        tenderId,
        bidderOrganizationId: organizationId,
        keyCommitment: u.key_commitment,
        status: BidStatus.SUBMITTED,
      };
      return { receipt };
    });
    if ('refused' in outcome) {
      await this.discardPieces(uploadId);
      throw BidUploadException.hashMismatch();
    }
    this.uploads.forget(uploadId);
    return outcome.receipt;
  }

  /** A new bid's id: derived from nothing secret, fresh per upload. */
  private uploadBidId(u: BidUploadRow): string {
    return u.id;
  }

  private async discardPieces(uploadId: string): Promise<void> {
    const pieces = await this.uploads.pieces(uploadId);
    await this.tx.run((m) => m.query(`DELETE FROM bid_upload_pieces WHERE upload_id = $1`, [uploadId]));
    for (const p of pieces) await this.blobs.delete(p.blob_key).catch(() => undefined);
    this.uploads.forget(uploadId);
  }

  /** Finalising again returns the receipt of the version it created. */
  private async existingReceipt(m: EntityManager, u: BidUploadRow, organizationId: string): Promise<BidReceiptV2View> {
    const rows: Array<{ bid_id: string; version: number; received_at: Date; envelope_sha256: string; envelope_signature: string; has_escrowed_key: boolean }> = await m.query(
      `SELECT bid_id, version, received_at, envelope_sha256, envelope_signature, has_escrowed_key FROM bid_versions
         WHERE bid_id = $1 AND blob_key = $2 ORDER BY version DESC LIMIT 1`,
      [u.bid_id, `uploads/${u.id}`],
    );
    const r = rows[0];
    const [b]: Array<{ status: BidStatus }> = await m.query(`SELECT status FROM bids WHERE id = $1`, [u.bid_id]);
    return {
      bidId: r.bid_id,
      version: r.version,
      receivedAt: new Date(r.received_at).toISOString(),
      formatVersion: 2,
      suite: u.suite,
      ciphertextHash: u.ciphertext_hash,
      ciphertextLength: Number(u.ciphertext_length),
      envelopeHash: this.identities.receiptField(r.envelope_sha256, r.bid_id),
      envelopeSignature: this.identities.receiptField(r.envelope_signature, r.bid_id),
      escrowedKeyStored: r.has_escrowed_key,
      tenderId: u.tender_id,
      bidderOrganizationId: organizationId, // the caller's own: the upload row may still be sealed
      keyCommitment: u.key_commitment,
      status: b.status,
    };
  }
}
