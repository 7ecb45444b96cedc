import { Injectable } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { Readable, Transform } from 'stream';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { BlobStore } from 'src/infra/blob-store/blob-store';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ESCROWED_KEY_BYTES_V2, FileHasher, isSuiteId, isValidCiphertextLength, isValidSegmentSize, MAX_BID_FILE_BYTES, SuiteId } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { AuditService } from '../../audit/audit.service';
import { bidAuditScope } from '../bid-audit';
import { BidIdentitySealer, sealedBidderActor } from '../bid-identity-sealer';
import { escrowedKeyPolicy } from '../bid-submission-rules';
import { assertSubmissionOpen, lockTenderForBids, SubmitBidUseCase } from '../use-cases/submit-bid.use-case';
import { BidUploadException } from './bid-upload.exception';
import { CreateBidUploadDto } from './create-bid-upload.dto';

export interface BidUploadRow {
  id: string;
  tender_id: string;
  /** NULL before the opening on a tender that seals identities (issue 17): see bidder_blind_index, sealed_client. */
  bidder_organization_id: string | null;
  bidder_blind_index: string | null;
  sealed_client: string | null;
  submitted_by: string | null;
  status: 'OPEN' | 'FINALIZED' | 'REFUSED' | 'ABANDONED'; // ABANDONED: by the blob hygiene (never finalised), pieces deleted
  suite: SuiteId;
  segment_size: number;
  ciphertext_length: string;
  ciphertext_hash: string;
  nonce_prefix: Buffer;
  key_commitment: string;
  escrowed_key: Buffer | null;
  client: UploadClient | null;
  ip: string | null;
  received_bytes: string;
  bid_id: string | null;
}

export interface UploadClient {
  deviceId: string;
  macAddresses?: string[];
  toolVersion?: string;
  documentAuthor?: string;
}

/** Who started an upload, in clear or unsealed by the platform (the finalisation seals it into the bid's identity). */
export interface UploadSubmitter {
  userId: string;
  ip: string;
  client: UploadClient;
}

const uploadAad = (tenderId: string, uploadId: string) => `bid-upload-submitter|${tenderId}|${uploadId}`;

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
  ) {}

  /** The upload's submitter (unsealed by the platform when the tender seals identities). */
  submitter(u: BidUploadRow): UploadSubmitter {
    if (u.sealed_client) return this.identities.openForPlatform<UploadSubmitter>(u.sealed_client, uploadAad(u.tender_id, u.id));
    return { userId: u.submitted_by!, ip: u.ip ?? '', client: u.client! };
  }

  async create(tenderId: string, actor: Actor, dto: CreateBidUploadDto): Promise<BidUploadView> {
    const organizationId = actor.organizationId;
    if (!organizationId) throw new NotFoundException('The tender');
    return this.tx.run(async (m) => {
      const { tender, now } = await lockTenderForBids(m, tenderId);
      assertSubmissionOpen(tender, now);
      const [t]: Array<{ accepted_suites: string[]; max_bid_file_bytes: string | null }> = await m.query(`SELECT accepted_suites, max_bid_file_bytes FROM tenders WHERE id = $1`, [
        tenderId,
      ]);
      if (!isSuiteId(dto.suite) || !t.accepted_suites.includes(dto.suite)) throw BidUploadException.unsupportedSuite(dto.suite, t.accepted_suites);
      if (!isValidSegmentSize(dto.segmentSize)) throw BidUploadException.invalidLength('segmentSize must be a power of two from 4096 to 16777216');
      if (!isValidCiphertextLength(dto.ciphertextLength, dto.segmentSize)) {
        throw BidUploadException.invalidLength(`ciphertextLength ${dto.ciphertextLength} is not a valid sealed length for segmentSize ${dto.segmentSize}`);
      }
      const limit = Math.min(t.max_bid_file_bytes === null ? MAX_BID_FILE_BYTES : Number(t.max_bid_file_bytes), MAX_BID_FILE_BYTES);
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
      // Sealed identities (issue 17): the upload row names no bidder until the opening; it is found by its blind index.
      const sealing = this.identities.contextOf(tender, organizationId);
      const submitter: UploadSubmitter = { userId: actor.userId, ip: actor.ip ?? '', client: { ...dto.client } };
      await m.query(
        `INSERT INTO bid_uploads (id, tender_id, bidder_organization_id, submitted_by, suite, segment_size, ciphertext_length, ciphertext_hash,
                                  nonce_prefix, key_commitment, escrowed_key, client, ip, bidder_blind_index, sealed_client)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          id,
          tenderId,
          sealing ? null : organizationId,
          sealing ? null : actor.userId,
          dto.suite,
          dto.segmentSize,
          dto.ciphertextLength,
          dto.ciphertextHash,
          Buffer.from(dto.noncePrefix, 'base64'),
          dto.keyCommitment,
          escrowedKey,
          sealing ? null : JSON.stringify(dto.client),
          sealing ? null : (actor.ip ?? ''),
          sealing?.blindIndex ?? null,
          sealing ? this.identities.sealForPlatform(submitter, uploadAad(tenderId, id)) : null,
        ],
      );
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
    const rows: BidUploadRow[] = await m.query(
      `SELECT * FROM bid_uploads WHERE id = $1 AND tender_id = $2 AND (bidder_organization_id = $3 OR bidder_blind_index = $4) ${lock ? 'FOR UPDATE' : ''}`,
      [uploadId, tenderId, actor.organizationId, actor.organizationId ? this.identities.blindIndex(tenderId, actor.organizationId) : null],
    );
    if (!rows.length) throw new NotFoundException('The upload');
    return rows[0];
  }

  async status(tenderId: string, uploadId: string, actor: Actor): Promise<BidUploadView> {
    const u = await this.tx.run((m) => this.load(m, tenderId, uploadId, actor));
    return { uploadId: u.id, status: u.status, offset: Number(u.received_bytes), length: Number(u.ciphertext_length) };
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
      const { tender, now } = await lockTenderForBids(m, tenderId);
      assertSubmissionOpen(tender, now); // nothing more is taken after the deadline
      return row;
    });
    if (u.status !== 'OPEN') throw BidUploadException.closed(u.status);
    const received = Number(u.received_bytes);
    const total = Number(u.ciphertext_length);
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
        // INTL-1 on Node hashes each chunk in place (no segment buffers, no promise per chunk).
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
      if (row.status !== 'OPEN' || Number(row.received_bytes) !== offset) return null;
      await m.query(`INSERT INTO bid_upload_pieces (upload_id, "offset", length, blob_key) VALUES ($1, $2, $3, $4)`, [uploadId, offset, length, key]);
      await m.query(`UPDATE bid_uploads SET received_bytes = $2, updated_at = clock_timestamp() WHERE id = $1`, [uploadId, offset + length]);
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
    const hasher = new FileHasher(nodeSuite(u.suite), u.segment_size);
    for await (const chunk of this.piecesStream(await this.pieces(u.id))) await hasher.update(chunk as Buffer);
    if (hasher.bytes !== offset) throw new Error(`upload ${u.id}: stored pieces hold ${hasher.bytes} bytes, not ${offset}`);
    this.hashers.set(u.id, { offset, hasher });
    return hasher;
  }

  async pieces(uploadId: string, m?: EntityManager): Promise<Array<{ offset: number; length: number; blob_key: string }>> {
    const rows: Array<{ offset: string; length: number; blob_key: string }> = await (m ?? this.tx.manager).query(
      `SELECT "offset", length, blob_key FROM bid_upload_pieces WHERE upload_id = $1 ORDER BY "offset"`,
      [uploadId],
    );
    return rows.map((r) => ({ offset: Number(r.offset), length: r.length, blob_key: r.blob_key }));
  }

  /** The pieces, in order, as one stream (opening reads a v2 bid file through this). */
  async *piecesStream(pieces: Array<{ blob_key: string }>): AsyncGenerator<Uint8Array> {
    for (const p of pieces) for await (const chunk of await this.blobs.get(p.blob_key)) yield chunk as Buffer;
  }

  forget(uploadId: string): void {
    this.hashers.delete(uploadId);
  }
}
