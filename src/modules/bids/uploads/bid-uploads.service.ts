import { Injectable } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { Readable, Transform } from 'stream';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { BlobStore } from 'src/infra/blob-store/blob-store';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ESCROWED_KEY_BYTES_V2, FileHasher, isSuiteId, isValidCiphertextLength, isValidSegmentSize, MAX_BID_FILE_BYTES } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { AuditService } from '../../audit/audit.service';
import { bidAuditScope } from '../bid-audit';
import { BidIdentity, BidIdentitySealer, sealedBidderActor, UploadSubmitter } from '../bid-identity-sealer';
import { escrowedKeyPolicy } from '../bid-submission-rules';
import { assertSubmissionOpen, lockTenderForBids, SubmitBidUseCase } from '../use-cases/submit-bid.use-case';
import { BidUploadException } from './bid-upload.exception';
import { CreateBidUploadDto } from './create-bid-upload.dto';
import { BidsRepository } from '../bids.repository';
import { BidUploadRow, BidUploadsRepository, UploadPieceRow } from './bid-uploads.repository';

export type { BidUploadRow, UploadClient } from './bid-uploads.repository';
export type { UploadSubmitter } from '../bid-identity-sealer';

export interface BidUploadView {
  uploadId: string;
  status: string;
  offset: number;
  length: number;
}

/** One piece's largest size: the server never holds more than a segment of it in memory, but a piece is the unit of resumption. */
export const MAX_UPLOAD_PIECE_BYTES = 64 * 1024 * 1024;

/**
 * Resumable uploads of v2 sealed bid files (docs/SEALED_BID_FORMAT.md v2.6): creation checks the envelope against
 * the tender; each piece is streamed into the blob store and hashed on the way (never a whole file in memory); the
 * running file hash is kept per upload in this process and rebuilt from the stored pieces when another process
 * received the earlier ones.
 */
@Injectable()
export class BidUploadsService {
  private readonly hashers = new Map<string, { offset: number; hasher: FileHasher }>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly tx: TransactionRunner,
    private readonly crypto: CryptoService,
    private readonly blobs: BlobStore,
    private readonly submit: SubmitBidUseCase,
    private readonly audit: AuditService,
    private readonly identities: BidIdentitySealer,
    private readonly bids: BidsRepository,
    private readonly repo: BidUploadsRepository,
  ) {}

  /**
   * The identity the finalisation seals into the bid version (BidIdentitySealer.uploadIdentity): on a tender that
   * seals identities the upload's submitter stays sealed to the identity key, copied unopened.
   */
  identityOf(u: BidUploadRow, organizationId: string, finaliser: Actor): BidIdentity {
    return this.identities.uploadIdentity(u, organizationId, finaliser);
  }

  async create(tenderId: string, actor: Actor, dto: CreateBidUploadDto): Promise<BidUploadView> {
    const organizationId = actor.organizationId;
    if (!organizationId) throw new NotFoundException('The tender');
    return this.tx.run(async (m) => {
      const { tender, now } = await lockTenderForBids(this.bids, m, tenderId);
      assertSubmissionOpen(tender, now);
      const t = await this.repo.tenderFileLimits(m, tenderId);
      if (!isSuiteId(dto.suite) || !t.acceptedSuites.includes(dto.suite)) throw BidUploadException.unsupportedSuite(dto.suite, t.acceptedSuites);
      if (!isValidSegmentSize(dto.segmentSize)) throw BidUploadException.invalidLength('segmentSize must be a power of two from 4096 to 16777216');
      if (!isValidCiphertextLength(dto.ciphertextLength, dto.segmentSize)) {
        throw BidUploadException.invalidLength(`ciphertextLength ${dto.ciphertextLength} is not a valid sealed length for segmentSize ${dto.segmentSize}`);
      }
      const limit = Math.min(t.maxBidFileBytes === null ? MAX_BID_FILE_BYTES : t.maxBidFileBytes, MAX_BID_FILE_BYTES);
      if (dto.ciphertextLength > limit) throw BidUploadException.tooLarge(limit);
      const escrowedKey = dto.escrowedKey === undefined ? null : Buffer.from(dto.escrowedKey, 'base64');
      if (escrowedKey && escrowedKey.length !== ESCROWED_KEY_BYTES_V2[dto.suite]) {
        throw new ValidationFailedException([{ field: 'escrowedKey', errors: [`escrowedKey must be base64 of ${ESCROWED_KEY_BYTES_V2[dto.suite]} bytes for ${dto.suite}`] }]);
      }
      // EB20 Art. 26: a bid not encrypted as the tender requires is refused (as for v1).
      const policy = escrowedKeyPolicy(tender.decryptionMode);
      if (policy === 'REQUIRED' && !escrowedKey) {
        throw new ValidationFailedException([{ field: 'escrowedKey', errors: ['escrowedKey is required: this tender is decrypted with its escrow key (ESCROW mode)'] }]);
      }
      await this.submit.assertInvited(m, tender, organizationId);
      await this.submit.assertNotDebarred(m, organizationId);
      const id = this.crypto.uuid();
      // Sealed identities (issue 17): the upload row names no bidder until the opening; it is found by its blind index,
      // and who started it (user, IP, client) is sealed to the tender's identity key: no platform-held key opens it.
      const sealing = await this.identities.contextOf(tender, organizationId);
      const submitter: UploadSubmitter = { userId: actor.userId, ip: actor.ip ?? '', client: { ...dto.client } };
      await this.repo.insert(m, {
        id,
        tenderId,
        bidderOrganizationId: sealing ? null : organizationId,
        submittedBy: sealing ? null : actor.userId,
        suite: dto.suite,
        segmentSize: dto.segmentSize,
        ciphertextLength: dto.ciphertextLength,
        ciphertextHash: dto.ciphertextHash,
        noncePrefix: Buffer.from(dto.noncePrefix, 'base64'),
        keyCommitment: dto.keyCommitment,
        escrowedKey,
        client: sealing ? null : dto.client,
        ip: sealing ? null : (actor.ip ?? ''),
        blindIndex: sealing?.blindIndex ?? null,
        sealedClient: sealing ? this.identities.sealUploadSubmitter(sealing, id, submitter) : null,
      });
      // The upload's own audit stream, sealed until the opening like a bid's (no count of bidders leaks).
      await this.audit.append(m, {
        actor: sealing ? sealedBidderActor(actor) : actor,
        action: 'BID_UPLOAD_STARTED',
        objectType: 'bid_upload',
        objectId: id,
        ...bidAuditScope(tenderId, id),
        data: { uploadId: id, suite: dto.suite, segmentSize: dto.segmentSize, ciphertextLength: dto.ciphertextLength, ciphertextHash: dto.ciphertextHash },
      });
      this.hashers.set(id, { offset: 0, hasher: new FileHasher(nodeSuite(dto.suite), dto.segmentSize) });
      return { uploadId: id, status: 'OPEN', offset: 0, length: dto.ciphertextLength };
    });
  }

  /** The caller's own upload (anyone else's is NOT_FOUND, so nothing about other bidders leaks). */
  async load(m: EntityManager, tenderId: string, uploadId: string, actor: Actor, lock = false): Promise<BidUploadRow> {
    const row = await this.repo.findOwn(
      m,
      { uploadId, tenderId, organizationId: actor.organizationId, blindIndex: actor.organizationId ? await this.identities.blindIndex(tenderId, actor.organizationId) : null },
      lock,
    );
    if (!row) throw new NotFoundException('The upload');
    return row;
  }

  async status(tenderId: string, uploadId: string, actor: Actor): Promise<BidUploadView> {
    const u = await this.tx.run((m) => this.load(m, tenderId, uploadId, actor));
    return { uploadId: u.id, status: u.status, offset: u.receivedBytes, length: u.ciphertextLength };
  }

  /** One piece at `offset` (it must equal the bytes stored so far), streamed into the blob store and hashed. */
  append(tenderId: string, uploadId: string, actor: Actor, offset: number, length: number, body: Readable): Promise<BidUploadView> {
    // One piece at a time per upload in this process; another process is caught by the offset check at commit.
    const prev = this.queues.get(uploadId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.appendNow(tenderId, uploadId, actor, offset, length, body));
    this.queues.set(uploadId, next);
    void next
      .finally(() => {
        if (this.queues.get(uploadId) === next) this.queues.delete(uploadId);
      })
      .catch(() => undefined);
    return next;
  }

  private async appendNow(tenderId: string, uploadId: string, actor: Actor, offset: number, length: number, body: Readable): Promise<BidUploadView> {
    const u = await this.tx.run(async (m) => {
      const row = await this.load(m, tenderId, uploadId, actor);
      const { tender, now } = await lockTenderForBids(this.bids, m, tenderId);
      assertSubmissionOpen(tender, now); // nothing more is taken after the deadline
      return row;
    });
    if (u.status !== 'OPEN') throw BidUploadException.closed(u.status);
    const received = u.receivedBytes;
    const total = u.ciphertextLength;
    if (offset !== received) throw BidUploadException.offsetMismatch(received);
    if (!Number.isSafeInteger(length) || length <= 0 || length > MAX_UPLOAD_PIECE_BYTES) {
      throw BidUploadException.invalidLength(`a piece is 1 to ${MAX_UPLOAD_PIECE_BYTES} bytes with its Content-Length`);
    }
    if (offset + length > total) throw BidUploadException.invalidLength(`the piece ends at ${offset + length}, past the file's ${total} bytes`);

    const base = await this.hasherAt(u, received);
    const hasher = base.clone();
    let hashing: Promise<void> = Promise.resolve();
    const tap = new Transform({
      // 1 MiB of buffering each side: fewer, larger writes to the store than the 16 KiB default.
      highWaterMark: 1 << 20,
      transform(chunk: Buffer, _e, cb) {
        // INTL-1 (and GM-1 on node:crypto's SM3) hashes each chunk in place (no segment buffers, no promise per chunk).
        if (hasher.updateSync(chunk)) return cb(null, chunk);
        hashing = hashing.then(() => hasher.update(chunk));
        hashing.then(() => cb(null, chunk), cb);
      },
    });
    body.on('error', (e) => tap.destroy(e));
    body.pipe(tap);
    const key = `uploads/${uploadId}/${String(offset).padStart(16, '0')}-${randomBytes(4).toString('hex')}`;
    try {
      await this.blobs.put(key, tap, length); // rejects (and the piece is dropped) when the connection breaks
      await hashing;
    } catch (e) {
      if (body.destroyed || (e as Error)?.message === 'aborted' || /expected \d+ bytes/.test((e as Error)?.message ?? '')) {
        throw BidUploadException.pieceIncomplete(); // the client's connection, not the platform: a 4xx, nothing stored
      }
      throw e;
    }
    const stored = await this.tx.run(async (m) => {
      const row = await this.load(m, tenderId, uploadId, actor, true);
      if (row.status !== 'OPEN' || row.receivedBytes !== offset) return null;
      await this.repo.addPiece(m, uploadId, offset, length, key);
      return true;
    });
    if (!stored) {
      await this.blobs.delete(key).catch(() => undefined);
      throw BidUploadException.offsetMismatch((await this.status(tenderId, uploadId, actor)).offset);
    }
    this.hashers.set(uploadId, { offset: offset + length, hasher });
    return { uploadId, status: 'OPEN', offset: offset + length, length: total };
  }

  /** The running file hash after `offset` bytes: this process's, or rebuilt by streaming the stored pieces. */
  async hasherAt(u: BidUploadRow, offset: number): Promise<FileHasher> {
    const cached = this.hashers.get(u.id);
    if (cached && cached.offset === offset) return cached.hasher;
    const hasher = new FileHasher(nodeSuite(u.suite), u.segmentSize);
    // Each chunk is hashed before the next is read (the stream reuses its buffers).
    for await (const chunk of this.piecesStream(await this.pieces(u.id))) await hasher.update(chunk);
    if (hasher.bytes !== offset) throw new Error(`upload ${u.id}: stored pieces hold ${hasher.bytes} bytes, not ${offset}`);
    this.hashers.set(u.id, { offset, hasher });
    return hasher;
  }

  async pieces(uploadId: string, m?: EntityManager): Promise<UploadPieceRow[]> {
    return this.repo.pieces(m ?? this.tx.manager, uploadId);
  }

  /**
   * The pieces, in order, as one stream (the opening and the file hash read a v2 bid file through this), read into
   * buffers the store reuses (BlobStore.chunks): **a chunk is valid only until the next one is asked for**. The
   * callers are done with each chunk by then (FileHasher.update hashes or copies it before it resolves; openBidV2
   * with sourceReusesBuffers copies what it keeps); a new caller that keeps bytes must copy them, and this stream
   * must never be piped to a consumer that queues chunks (an HTTP response).
   */
  piecesStream(pieces: Array<{ blobKey: string }>): AsyncGenerator<Uint8Array> {
    return this.blobs.chunks(pieces.map((p) => p.blobKey));
  }

  /** Whether piecesStream reads into reused buffers (the filesystem store) rather than a new buffer per read (S3). */
  get piecesReuseBuffers(): boolean {
    return this.blobs.chunksReuseBuffers;
  }

  forget(uploadId: string): void {
    this.hashers.delete(uploadId);
  }
}
