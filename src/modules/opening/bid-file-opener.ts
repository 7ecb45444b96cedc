import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';
import { isSealedBidError } from 'src/sdk';
import { FileHasher, openBidV2, SuiteId, unwrapEscrowedKeyV2 } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { BidUploadsService } from '../bids/uploads/bid-uploads.service';
import type { DecryptionOutcome } from './bid-decryptor';
import { OpeningBidsRepository } from './opening-bids.repository';

/** A v2 bid as the opening needs it (docs/SEALED_BID_FORMAT.md v2.7). */
export interface SealedFileBid {
  bidId: string;
  tenderId: string;
  bidderOrganizationId: string;
  suite: SuiteId;
  segmentSize: number;
  ciphertextLength: number;
  /** The file hash on the receipt. */
  ciphertextHash: string;
  noncePrefix: Buffer;
  keyCommitment: string;
  escrowedKey: Buffer | null;
  blobKey: string;
}

/**
 * Opens format v2 bids at the opening: streams the sealed file from the blob store segment by segment (never the
 * whole file in memory), with the bidder's revealed key or the key unwrapped from its escrowed copy with the
 * tender's escrow key of the bid's suite. As for v1, a file that no longer matches its receipt is the platform's
 * fault (CIPHERTEXT_DAMAGED), not the bidder's.
 */
@Injectable()
export class BidFileOpener {
  constructor(
    private readonly uploads: BidUploadsService,
    private readonly bids: OpeningBidsRepository,
  ) {}

  /** The v2 bids among `bidIds` (v1 bids are not returned). */
  async load(m: EntityManager, bidIds: string[]): Promise<Map<string, SealedFileBid>> {
    if (!bidIds.length) return new Map();
    const rows = await this.bids.sealedFiles(m, bidIds);
    return new Map(
      rows.map((r) => [
        r.id,
        {
          bidId: r.id,
          tenderId: r.tenderId,
          bidderOrganizationId: r.bidderOrganizationId,
          suite: r.suite,
          segmentSize: r.segmentSize,
          ciphertextLength: Number(r.ciphertextBytes),
          ciphertextHash: r.ciphertextSha256,
          noncePrefix: r.iv,
          keyCommitment: r.keyCommitment,
          escrowedKey: r.escrowedKey,
          blobKey: r.blobKey,
        },
      ]),
    );
  }

  /**
   * The stored file's chunks, each hashed on the way when a hasher is given (damaged(); openWithKey has openBidV2
   * compute the file hash). The chunks may be the store's reused read buffers (BidUploadsService.piecesStream): valid
   * until the next is asked for, which is why the hash is awaited first (FileHasher.update has hashed or copied the
   * chunk when it resolves).
   */
  private async *file(bid: SealedFileBid, hasher?: FileHasher): AsyncGenerator<Uint8Array> {
    const uploadId = bid.blobKey.split('/')[1];
    for await (const chunk of this.uploads.piecesStream(await this.uploads.pieces(uploadId))) {
      if (hasher) await hasher.update(chunk);
      yield chunk;
    }
  }

  private async damaged(bid: SealedFileBid): Promise<boolean> {
    const hasher = new FileHasher(nodeSuite(bid.suite), bid.segmentSize);
    try {
      for await (const chunk of this.file(bid, hasher)) void chunk;
    } catch {
      return true; // a piece missing from the store
    }
    return hasher.bytes !== bid.ciphertextLength || (await hasher.digestHex()) !== bid.ciphertextHash;
  }

  async openWithKey(bid: SealedFileBid, key: Buffer): Promise<DecryptionOutcome> {
    const suite = nodeSuite(bid.suite);
    try {
      const opened = await openBidV2({
        suite,
        tenderId: bid.tenderId,
        bidderOrganizationId: bid.bidderOrganizationId,
        segmentSize: bid.segmentSize,
        ciphertextLength: bid.ciphertextLength,
        noncePrefix: bid.noncePrefix,
        keyCommitment: bid.keyCommitment,
        key,
        sealed: this.file(bid),
        // A large file (INTL-1; GM-1 when node:crypto has SM4 and SM3) is opened on the SDK's segment workers, which
        // also compute the file hash's per-segment digests on the bytes they open: from the filesystem store's reused
        // read buffers always; from the S3 store's new buffer per read for GM-1 only (INTL-1's AES-NI on this thread
        // costs less than the copies; docs/BENCHMARKS.md, eleventh pass). Smaller files are opened here.
        sourceReusesBuffers: this.uploads.piecesReuseBuffers,
        fileHash: true,
      });
      if (opened.ciphertextHash !== bid.ciphertextHash) return { ok: false, code: 'CIPHERTEXT_DAMAGED' };
      return {
        ok: true,
        record: {
          bidId: bid.bidId,
          key: Buffer.from(key),
          price: normalizeMoney(opened.price),
          durationDays: opened.durationDays ?? null,
          attachments: opened.attachments.map((a) => ({ name: a.name, sha256: a.sha256, size: a.size })),
        },
      };
    } catch (e) {
      if (isSealedBidError(e, 'KEY_COMMITMENT_MISMATCH')) return { ok: false, code: 'KEY_COMMITMENT_MISMATCH' };
      if (isSealedBidError(e)) return { ok: false, code: (await this.damaged(bid)) ? 'CIPHERTEXT_DAMAGED' : 'DECRYPTION_FAILED' };
      if ((e as { code?: string }).code === 'BLOB_NOT_FOUND') return { ok: false, code: 'CIPHERTEXT_DAMAGED' };
      throw e;
    }
  }

  async openWithEscrow(bid: SealedFileBid, escrow: { privateKey: Buffer; publicKey: Buffer }): Promise<DecryptionOutcome> {
    if (!bid.escrowedKey) return { ok: false, code: 'NO_ESCROWED_KEY' };
    let key: Uint8Array;
    try {
      key = await unwrapEscrowedKeyV2(nodeSuite(bid.suite), bid.escrowedKey, escrow.privateKey, escrow.publicKey);
    } catch (e) {
      if (isSealedBidError(e)) return { ok: false, code: 'ESCROWED_KEY_INVALID' };
      throw e;
    }
    const buf = Buffer.from(key);
    try {
      return await this.openWithKey(bid, buf);
    } finally {
      buf.fill(0);
    }
  }
}
void createHash;
