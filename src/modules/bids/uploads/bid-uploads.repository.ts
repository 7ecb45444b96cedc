import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SuiteId } from 'src/sdk/v2';
import { DEFAULT_LOT_NO } from '../../tenders/tender-lots';

export interface UploadClient {
  deviceId: string;
  macAddresses?: string[];
  toolVersion?: string;
  documentAuthor?: string;
}

/** A `bid_uploads` row. */
export interface BidUploadRow {
  id: string;
  tenderId: string;
  /** Null before the opening on a tender that seals identities (issue 17): see blindIndex, sealedClient. */
  bidderOrganizationId: string | null;
  blindIndex: string | null;
  sealedClient: string | null;
  submittedBy: string | null;
  status: 'OPEN' | 'FINALIZED' | 'REFUSED' | 'ABANDONED'; // ABANDONED: by the blob hygiene (never finalised), pieces deleted
  suite: SuiteId;
  segmentSize: number;
  ciphertextLength: number;
  ciphertextHash: string;
  noncePrefix: Buffer;
  keyCommitment: string;
  escrowedKey: Buffer | null;
  client: UploadClient | null;
  ip: string | null;
  receivedBytes: number;
  bidId: string | null;
  /** 标段: the lot the upload bids for (1 on a tender without lots). */
  lotNo: number;
}

interface BidUploadDbRow {
  id: string;
  tender_id: string;
  bidder_organization_id: string | null;
  bidder_blind_index: string | null;
  sealed_client: string | null;
  submitted_by: string | null;
  status: BidUploadRow['status'];
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
  lot_no: number;
}

const toUpload = (r: BidUploadDbRow): BidUploadRow => ({
  id: r.id,
  tenderId: r.tender_id,
  bidderOrganizationId: r.bidder_organization_id,
  blindIndex: r.bidder_blind_index,
  sealedClient: r.sealed_client,
  submittedBy: r.submitted_by,
  status: r.status,
  suite: r.suite,
  segmentSize: r.segment_size,
  ciphertextLength: Number(r.ciphertext_length), // bigint, at most MAX_BID_FILE_BYTES
  ciphertextHash: r.ciphertext_hash,
  noncePrefix: r.nonce_prefix,
  keyCommitment: r.key_commitment,
  escrowedKey: r.escrowed_key,
  client: r.client,
  ip: r.ip,
  receivedBytes: Number(r.received_bytes),
  bidId: r.bid_id,
  lotNo: Number(r.lot_no),
});

/** At the opening: who started an upload that became a bid, as opened with the tender's identity key. */
export interface UploadSubmitterNaming {
  uploadId: string;
  userId: string;
  ip: string;
  client: UploadClient;
}

/** A new upload. On a tender that seals identities the bidder, submitter, client and IP are null (see `sealedClient`). */
export interface NewBidUploadRow {
  id: string;
  tenderId: string;
  bidderOrganizationId: string | null;
  submittedBy: string | null;
  suite: SuiteId;
  segmentSize: number;
  ciphertextLength: number;
  ciphertextHash: string;
  noncePrefix: Buffer;
  keyCommitment: string;
  escrowedKey: Buffer | null;
  client: UploadClient | null;
  ip: string | null;
  blindIndex: string | null;
  /** The submitter sealed to the tender's identity key (BidIdentitySealer.sealUploadSubmitter). */
  sealedClient: string | null;
  /** 标段: the lot bid for (in clear, as `bids.lot_no`); default 1. */
  lotNo?: number;
}

export interface UploadPieceRow {
  offset: number;
  length: number;
  blobKey: string;
}

/** An OPEN upload the blob hygiene abandons, locked (FOR UPDATE OF u SKIP LOCKED). */
export interface AbandonableUploadRow {
  id: string;
  tenderId: string;
  receivedBytes: number;
  ciphertextHash: string;
  /** The tender's deadline has passed (database clock); otherwise the upload is only too old. */
  deadlinePassed: boolean;
}

/**
 * Owns `bid_uploads` and `bid_upload_pieces` (format v2 resumable uploads). Declared read models over other modules'
 * tables: `tenderFileLimits` (tenders), `abandonableForUpdate` (joined to tenders), `hygienePlanned`
 * (scheduled_events). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class BidUploadsRepository {
  /** Read model (tenders): the suites a tender accepts and its file size limit (null: the platform's). */
  async tenderFileLimits(m: EntityManager, tenderId: string): Promise<{ acceptedSuites: string[]; maxBidFileBytes: number | null }> {
    const [t]: Array<{ accepted_suites: string[]; max_bid_file_bytes: string | null }> = await m.query(`SELECT accepted_suites, max_bid_file_bytes FROM tenders WHERE id = $1`, [
      tenderId,
    ]);
    return { acceptedSuites: t.accepted_suites, maxBidFileBytes: t.max_bid_file_bytes === null ? null : Number(t.max_bid_file_bytes) };
  }

  async insert(m: EntityManager, u: NewBidUploadRow): Promise<void> {
    await m.query(
      `INSERT INTO bid_uploads (id, tender_id, bidder_organization_id, submitted_by, suite, segment_size, ciphertext_length, ciphertext_hash,
                                  nonce_prefix, key_commitment, escrowed_key, client, ip, bidder_blind_index, sealed_client, lot_no)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [
        u.id,
        u.tenderId,
        u.bidderOrganizationId,
        u.submittedBy,
        u.suite,
        u.segmentSize,
        u.ciphertextLength,
        u.ciphertextHash,
        u.noncePrefix,
        u.keyCommitment,
        u.escrowedKey,
        u.client === null ? null : JSON.stringify(u.client),
        u.ip,
        u.blindIndex,
        u.sealedClient,
        u.lotNo ?? DEFAULT_LOT_NO,
      ],
    );
  }

  /** The bidder's upload (found in clear or by its blind index); `lock`: FOR UPDATE. Null when it is not the bidder's. */
  async findOwn(m: EntityManager, q: { uploadId: string; tenderId: string; organizationId: string | null; blindIndex: string | null }, lock = false): Promise<BidUploadRow | null> {
    const rows: BidUploadDbRow[] = await m.query(
      `SELECT * FROM bid_uploads WHERE id = $1 AND tender_id = $2 AND (bidder_organization_id = $3 OR bidder_blind_index = $4) ${lock ? 'FOR UPDATE' : ''}`,
      [q.uploadId, q.tenderId, q.organizationId, q.blindIndex],
    );
    return rows.length ? toUpload(rows[0]) : null;
  }

  /** One stored piece, and the upload's received bytes moved past it. */
  async addPiece(m: EntityManager, uploadId: string, offset: number, length: number, blobKey: string): Promise<void> {
    await m.query(`INSERT INTO bid_upload_pieces (upload_id, "offset", length, blob_key) VALUES ($1, $2, $3, $4)`, [uploadId, offset, length, blobKey]);
    await m.query(`UPDATE bid_uploads SET received_bytes = $2, updated_at = clock_timestamp() WHERE id = $1`, [uploadId, offset + length]);
  }

  /** The upload's pieces, in order. */
  async pieces(m: EntityManager, uploadId: string): Promise<UploadPieceRow[]> {
    const rows: Array<{ offset: string; length: number; blob_key: string }> = await m.query(
      `SELECT "offset", length, blob_key FROM bid_upload_pieces WHERE upload_id = $1 ORDER BY "offset"`,
      [uploadId],
    );
    return rows.map((r) => ({ offset: Number(r.offset), length: r.length, blobKey: r.blob_key }));
  }

  /** The blob-store keys of the upload's pieces (any order). */
  async pieceKeys(m: EntityManager, uploadId: string): Promise<string[]> {
    const pieces: Array<{ blob_key: string }> = await m.query(`SELECT blob_key FROM bid_upload_pieces WHERE upload_id = $1`, [uploadId]);
    return pieces.map((p) => p.blob_key);
  }

  async deletePieces(m: EntityManager, uploadId: string): Promise<void> {
    await m.query(`DELETE FROM bid_upload_pieces WHERE upload_id = $1`, [uploadId]);
  }

  /** The file's hash is not the one stated at creation: the upload is refused (nothing becomes a bid). */
  async markRefusedHashMismatch(m: EntityManager, uploadId: string): Promise<void> {
    await m.query(`UPDATE bid_uploads SET status = 'REFUSED', refused_reason = 'UPLOAD_HASH_MISMATCH', updated_at = clock_timestamp() WHERE id = $1`, [uploadId]);
  }

  async markFinalized(m: EntityManager, uploadId: string, bidId: string): Promise<void> {
    await m.query(`UPDATE bid_uploads SET status = 'FINALIZED', bid_id = $2, updated_at = clock_timestamp() WHERE id = $1`, [uploadId, bidId]);
  }

  /**
   * At the opening: the uploads of the tender that became bids are named again, their organisation from their bids
   * (by blind index), their submitter, IP and client from `submitters` (opened with the identity key).
   */
  async nameFinalizedUploads(m: EntityManager, tenderId: string, submitters: UploadSubmitterNaming[] = []): Promise<void> {
    await m.query(
      `UPDATE bid_uploads u SET bidder_organization_id = b.bidder_organization_id
       FROM bids b WHERE u.tender_id = $1 AND u.bidder_organization_id IS NULL AND b.tender_id = u.tender_id AND b.bidder_blind_index = u.bidder_blind_index`,
      [tenderId],
    );
    if (!submitters.length) return;
    await m.query(
      `UPDATE bid_uploads u SET submitted_by = x.usr, ip = x.ip, client = x.client
       FROM jsonb_to_recordset($2::jsonb) AS x(id uuid, usr uuid, ip text, client jsonb)
       WHERE u.tender_id = $1 AND u.id = x.id AND u.status = 'FINALIZED' AND u.submitted_by IS NULL`,
      [tenderId, JSON.stringify(submitters.map((s) => ({ id: s.uploadId, usr: s.userId, ip: s.ip, client: s.client })))],
    );
  }

  // ——— blob hygiene ———

  /** One planning of the blob hygiene at a time (several processes start together). */
  async lockHygienePlanning(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('bid-blob-hygiene', 11))`);
  }

  /** Read model (scheduled_events): whether a timed event of the kind is PENDING. */
  async hygienePlanned(m: EntityManager, kind: string): Promise<boolean> {
    const [pending]: unknown[] = await m.query(`SELECT 1 FROM scheduled_events WHERE kind = $1 AND status = 'PENDING' LIMIT 1`, [kind]);
    return Boolean(pending);
  }

  /** The database clock `delayMs` from now. */
  async clockIn(m: EntityManager, delayMs: number): Promise<Date> {
    const [{ at }]: Array<{ at: Date }> = await m.query(`SELECT clock_timestamp() + make_interval(secs => $1::float8 / 1000) AS at`, [delayMs]);
    return new Date(at);
  }

  /**
   * Read model (bid_uploads, tenders): OPEN uploads whose tender's deadline has passed or untouched for
   * `maxAgeHours` (database clock), oldest first, at most `limit`, locked FOR UPDATE OF u SKIP LOCKED (an upload
   * being finalised or receiving a piece is left to the next run).
   */
  async abandonableForUpdate(m: EntityManager, maxAgeHours: number, limit: number): Promise<AbandonableUploadRow[]> {
    const rows: Array<{ id: string; tender_id: string; received_bytes: string; ciphertext_hash: string; deadline_passed: boolean }> = await m.query(
      `SELECT u.id, u.tender_id, u.received_bytes, u.ciphertext_hash, (t.bid_deadline <= clock_timestamp()) AS deadline_passed
       FROM bid_uploads u JOIN tenders t ON t.id = u.tender_id
       WHERE u.status = 'OPEN'
         AND (t.bid_deadline <= clock_timestamp() OR u.updated_at < clock_timestamp() - make_interval(hours => $1))
       ORDER BY u.updated_at
       LIMIT $2
       FOR UPDATE OF u SKIP LOCKED`,
      [maxAgeHours, limit],
    );
    return rows.map((r) => ({ id: r.id, tenderId: r.tender_id, receivedBytes: Number(r.received_bytes), ciphertextHash: r.ciphertext_hash, deadlinePassed: r.deadline_passed }));
  }

  async markAbandoned(m: EntityManager, uploadId: string, reason: 'DEADLINE_PASSED' | 'EXPIRED'): Promise<void> {
    await m.query(
      `UPDATE bid_uploads SET status = 'ABANDONED', abandoned_reason = $2, blobs_deleted_at = clock_timestamp(), updated_at = clock_timestamp()
         WHERE id = $1`,
      [uploadId, reason],
    );
  }

  /** The upload's pieces are gone from the blob store (first time only). */
  async markBlobsDeleted(m: EntityManager, uploadId: string): Promise<void> {
    await m.query(`UPDATE bid_uploads SET blobs_deleted_at = clock_timestamp() WHERE id = $1 AND blobs_deleted_at IS NULL`, [uploadId]);
  }
}
