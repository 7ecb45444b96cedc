import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SuiteId } from 'src/sdk/v2';
import { auditStreamLockSql } from '../audit/audit.service';
import { DEFAULT_LOT_NO } from '../tenders/tender-lots';
import { DecryptionMode, TenderMethod, TenderStatus } from '../tenders/tender.enums';
import type { StoredIdentity } from './bid-identity-sealer';
import { BidStatus, BidStatusReason, DecryptedBy } from './bid.enums';

/** The tender row as a submission sees it, locked FOR SHARE for the whole transaction (read model of `tenders`). */
export interface TenderForBids {
  id: string;
  status: TenderStatus;
  bidDeadline: Date;
  method: TenderMethod;
  decryptionMode: DecryptionMode;
  /** As the database has it (normalised by the caller). */
  bidSecurityAmount: string;
  /** While an objection to the documents is unanswered (TBR Art. 22). */
  suspended: boolean;
  /** Sealed identities (issue 17): the tender's identity public key (base64), null when published before them. */
  identityPublicKey: string | null;
  /** The sealed-bid suites the tender accepts (docs/SEALED_BID_FORMAT.md v2.1); format v1 is INTL-1's algorithms. */
  acceptedSuites: string[];
}

/** One submitted version of a bid: what the bid row and its bid_versions row both store (identity as toStore gives it). */
export interface BidVersionRow {
  bidId: string;
  version: number;
  tenderId: string;
  /** On the database clock, read under the tender's lock. */
  receivedAt: Date;
  keyCommitment: string;
  escrowedKey: Buffer | null;
  /** Format v1: SHA-256 of the ciphertext; format v2: the suite's file hash. */
  ciphertextSha256: string;
  ciphertextBytes: number;
  identity: StoredIdentity;
}

/** A format v1 version: the ciphertext is stored in the row. */
export interface BidVersionV1Row extends BidVersionRow {
  ciphertext: Buffer;
  iv: Buffer;
}

/** A bidder's first bid on a lot, format v1. */
export interface NewBidRow extends BidVersionV1Row {
  lotNo: number;
}

/** A format v2 version: the file is the upload's pieces in the blob store (`blobKey`). */
export interface BidVersionV2Row extends BidVersionRow {
  noncePrefix: Buffer;
  suite: SuiteId;
  segmentSize: number;
  blobKey: string;
  /** 标段: the lot of the upload (a new bid's lot; a next version keeps its bid's, the same). Default 1. */
  lotNo?: number;
}

/** The bidder's current bid on a lot, as a resubmission compares and replaces it (locked FOR UPDATE). */
export interface CurrentBidRow {
  id: string;
  version: number;
  status: BidStatus;
  ciphertextSha256: string;
  keyCommitment: string;
  iv: Buffer;
  escrowedKey: Buffer | null;
  receivedAt: Date;
  /** As stored: sealed (`sealed1:`) on a tender that seals identities, until the opening. */
  signature: string;
  envelopeSha256: string | null;
  envelopeSignature: string | null;
}

/** The receipt fields of the version a v2 upload created. */
export interface UploadVersionRow {
  bidId: string;
  version: number;
  receivedAt: Date;
  envelopeSha256: string;
  envelopeSignature: string;
  hasEscrowedKey: boolean;
}

export interface WithdrawableBidRow {
  id: string;
  status: BidStatus;
  withdrawnAt: Date | null;
  version: number;
}

/** One line of "my bids" (GET /bids/mine). */
export interface MyBidListRow {
  id: string;
  tenderId: string;
  lotNo: number;
  tenderTitle: string;
  tenderStatus: string;
  bidDeadline: Date;
  version: number;
  status: BidStatus;
  receivedAt: Date;
}

/** The caller's own bid on a lot, receipt fields as stored. */
export interface MyBidRow {
  id: string;
  tenderId: string;
  version: number;
  status: BidStatus;
  receivedAt: Date;
  ciphertextSha256: string;
  keyCommitment: string;
  signature: string;
  envelopeSha256: string | null;
  envelopeSignature: string | null;
  formatVersion: number;
  suite: string | null;
  withdrawnAt: Date | null;
  hasEscrowedKey: boolean;
  price: string | null;
  statusReason: string | null;
  /** Format v2: the rest of what the envelope signature covers (SEALED_BID_FORMAT.md v2.5), as stored. */
  envelopeV2: { segmentSize: number; ciphertextLength: number; noncePrefix: Buffer; escrowedKey: Buffer | null } | null;
}

export interface BidVersionReceiptRow {
  version: number;
  receivedAt: Date;
  ciphertextSha256: string;
  keyCommitment: string;
  signature: string;
}

/** An opened bid, as the evaluation reads it (price as the database has it). */
export interface OpenedBidRow {
  id: string;
  bidderOrganizationId: string;
  bidderName: string;
  price: string | null;
  durationDays: number | null;
  attachments: Array<{ name: string; sha256: string }> | null;
  status: BidStatus;
  receivedAt: Date;
}

export interface BidFingerprintRow {
  id: string;
  bidderOrganizationId: string;
  status: BidStatus;
  receivedAt: Date;
  ip: string;
  deviceId: string;
  macAddresses: string[];
  toolVersion: string | null;
  documentAuthor: string | null;
  attachments: Array<{ sha256: string }> | null;
  price: string | null;
}

export interface DecryptedBidRow {
  bidderOrganizationId: string;
  ciphertext: Buffer;
  iv: Buffer;
  revealedKey: Buffer | null;
  keyCommitment: string;
}

/** A bid marked OPENED at the deadline. */
export interface OpenedAtDeadlineRow {
  id: string;
  bidderOrganizationId: string;
  version: number;
  ciphertextSha256: string;
  receivedAt: Date;
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

/** A bid (or bid version) row still sealed: its identity and receipt fields as stored. */
export interface SealedIdentityRow {
  bidId: string;
  version: number;
  sealedIdentity: string;
  signature: string;
  envelopeSha256: string | null;
  envelopeSignature: string | null;
}

/** A sealed row's identity in clear, as the opening writes it back (JSON keys of the statement's recordset). */
export interface UnsealedIdentityRow {
  bid_id: string;
  version: number;
  org: string;
  usr: string;
  ip: string;
  dev: string;
  macs: string[];
  tool: string | null;
  author: string | null;
  sig: string;
  esha: string | null;
  esig: string | null;
}

/** A format v2 version whose file a later version replaced, its bid locked (FOR UPDATE OF b SKIP LOCKED). */
export interface SupersededFileRow {
  bidId: string;
  version: number;
  tenderId: string;
  blobKey: string;
  ciphertextSha256: string;
  currentVersion: number;
}

const bidderSlot = (tenderId: string, organizationId: string, lotNo: number) =>
  lotNo === DEFAULT_LOT_NO ? `bid-slot:${tenderId}:${organizationId}` : `bid-slot:${tenderId}:${lotNo}:${organizationId}`;

const fingerprintOf = (x: StoredIdentity) => [x.ip, x.deviceId, x.macAddresses, x.toolVersion, x.documentAuthor];

const SELECT_UNDECRYPTED = `SELECT id, tender_id, bidder_organization_id, status, key_commitment, ciphertext_sha256,
  (escrowed_key IS NOT NULL) AS has_escrowed_key, price, revealed_key FROM bids`;

interface UndecryptedDbRow {
  id: string;
  tender_id: string;
  bidder_organization_id: string;
  status: BidStatus;
  key_commitment: string;
  ciphertext_sha256: string;
  has_escrowed_key: boolean;
  price: string | null;
  revealed_key: Buffer | null;
}

const toUndecrypted = (r: UndecryptedDbRow): UndecryptedBid => ({
  bidId: r.id,
  tenderId: r.tender_id,
  bidderOrganizationId: r.bidder_organization_id,
  status: r.status,
  keyCommitment: r.key_commitment,
  ciphertextSha256: r.ciphertext_sha256,
  hasEscrowedKey: r.has_escrowed_key,
  price: r.price,
  revealedKey: r.revealed_key,
});

/** The sealed rows' columns set in clear at the opening, from the recordset `x` (UnsealedIdentityRow). */
const UNSEAL_SET = `bidder_organization_id = x.org, submitted_by = x.usr, ip = x.ip, device_id = x.dev,
                   mac_addresses = ARRAY(SELECT jsonb_array_elements_text(x.macs)), tool_version = x.tool, document_author = x.author,
                   signature = x.sig, envelope_sha256 = x.esha, envelope_signature = x.esig`;
const UNSEAL_X = `jsonb_to_recordset($2::jsonb) AS x(bid_id uuid, version int, org uuid, usr uuid, ip text, dev text, macs jsonb, tool text,
                 author text, sig text, esha text, esig text)`;

/**
 * Owns `bids` and `bid_versions`: submission (v1 and v2) and withdrawal, the bidder's own reads, the opening's
 * changes (extraction, decryption results, unsealed identities) and the reads other modules make after it. Declared
 * read models over other modules' tables: `lockTenderForBids`, `tenderStatus` (tenders), `isInvited`
 * (tender_invitations), `listMine`, `findMine` (joined to tenders), `openedBids` (joined to organizations),
 * `countSubmittedByLot` (tender_lots). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class BidsRepository {
  // ——— submission ———

  /**
   * Read model (tenders): locks the tender FOR SHARE and reads the database clock after the lock is held, in one
   * round trip: the share lock (a materialised CTE: its row is locked before anything after it is evaluated), then —
   * with `bidderSlot` — the bidder's slot (lockBidderSlot, in the same order as taking it afterwards), and the clock
   * last. Null when there is no such tender.
   */
  async lockTenderForBids(
    m: EntityManager,
    tenderId: string,
    opts: { bidderSlot?: { organizationId: string; lotNo: number } } = {},
  ): Promise<{ tender: TenderForBids; now: Date } | null> {
    const slot = opts.bidderSlot ? bidderSlot(tenderId, opts.bidderSlot.organizationId, opts.bidderSlot.lotNo) : null;
    const rows: Array<{
      id: string;
      status: TenderStatus;
      bid_deadline: Date;
      method: TenderMethod;
      decryption_mode: DecryptionMode;
      bid_security_amount: string;
      suspended: boolean;
      identity_public_key: string | null;
      accepted_suites: string[];
      now: Date;
    }> = await m.query(
      `WITH t AS MATERIALIZED (
       SELECT id, status, bid_deadline, method, decryption_mode, bid_security_amount, (suspended_at IS NOT NULL) AS suspended,
              identity_public_key, accepted_suites
       FROM tenders WHERE id = $1 FOR SHARE
     ), slot AS MATERIALIZED (
       SELECT CASE WHEN $2::text IS NULL THEN NULL ELSE pg_advisory_xact_lock(hashtextextended($2::text, 11)) END AS held FROM t
     )
     SELECT t.*, date_trunc('milliseconds', clock_timestamp()) AS now FROM t, slot`,
      [tenderId, slot],
    );
    if (!rows.length) return null;
    const r = rows[0];
    return {
      tender: {
        id: r.id,
        status: r.status,
        bidDeadline: new Date(r.bid_deadline),
        method: r.method,
        decryptionMode: r.decryption_mode,
        bidSecurityAmount: r.bid_security_amount,
        suspended: r.suspended,
        identityPublicKey: r.identity_public_key,
        acceptedSuites: r.accepted_suites,
      },
      now: new Date(r.now),
    };
  }

  /**
   * One writer per (tender, bidder, lot) at a time, until commit: a submission and a withdrawal (or two submissions)
   * of the same bidder never interleave. Other bidders are not held up.
   */
  async lockBidderSlot(m: EntityManager, tenderId: string, organizationId: string, lotNo = DEFAULT_LOT_NO): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 11))`, [bidderSlot(tenderId, organizationId, lotNo)]);
  }

  /** Read model (tender_invitations): whether an INVITED tender invited the organisation. */
  async isInvited(m: EntityManager, tenderId: string, organizationId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM tender_invitations WHERE tender_id = $1 AND organization_id = $2`, [tenderId, organizationId]);
    return rows.length > 0;
  }

  /** The bidder's bid on the lot (found in clear or by its blind index), locked FOR UPDATE; null when it has none. */
  async findCurrentForUpdate(m: EntityManager, tenderId: string, organizationId: string, lotNo: number, blindIndex: string | null): Promise<CurrentBidRow | null> {
    const rows: Array<{
      id: string;
      version: number;
      status: BidStatus;
      ciphertext_sha256: string;
      key_commitment: string;
      iv: Buffer;
      escrowed_key: Buffer | null;
      received_at: Date;
      signature: string;
      envelope_sha256: string | null;
      envelope_signature: string | null;
    }> = await m.query(
      `SELECT id, version, status, ciphertext_sha256, key_commitment, iv, escrowed_key, received_at, signature,
              envelope_sha256, envelope_signature
       FROM bids WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $3) AND lot_no = $4 FOR UPDATE`,
      [tenderId, organizationId, blindIndex, lotNo],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      version: r.version,
      status: r.status,
      ciphertextSha256: r.ciphertext_sha256,
      keyCommitment: r.key_commitment,
      iv: r.iv,
      escrowedKey: r.escrowed_key,
      receivedAt: new Date(r.received_at),
      signature: r.signature,
      envelopeSha256: r.envelope_sha256,
      envelopeSignature: r.envelope_signature,
    };
  }

  /**
   * A first v1 bid: the bid row, its version row and the writer lock of the bid's audit stream (`auditStream`, taken
   * after both rows are written, as AuditService.append would take it) in one statement. No conflict target:
   * UQ_BIDS_TENDER_LOT_BIDDER (in clear) or UQ_BIDS_TENDER_LOT_BLIND_INDEX (sealed) applies, and false means a
   * concurrent first submission won (nothing was written, no lock taken).
   */
  async insertFirstV1(m: EntityManager, b: NewBidRow, auditStream: string): Promise<boolean> {
    const x = b.identity;
    const inserted: unknown[] = await m.query(
      `WITH b AS (
             INSERT INTO bids (id, tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment,
                               escrowed_key, ciphertext_sha256, ciphertext_bytes, received_at, signature,
                               ip, device_id, mac_addresses, tool_version, document_author, envelope_sha256, envelope_signature,
                               bidder_blind_index, sealed_identity, lot_no)
             VALUES ($1, $2, $3, $4, 1, 'SUBMITTED', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
             ON CONFLICT DO NOTHING
             RETURNING id
           ), v AS (
             INSERT INTO bid_versions (bid_id, version, tender_id, bidder_organization_id, submitted_by, received_at, ciphertext_sha256,
                                       ciphertext_bytes, key_commitment, has_escrowed_key, signature, ip, device_id, mac_addresses,
                                       tool_version, document_author, envelope_sha256, envelope_signature, bidder_blind_index, sealed_identity)
             SELECT b.id, 1, $2, $3, $4, $11, $9, $10, $7, $8::bytea IS NOT NULL, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21 FROM b
             RETURNING bid_id
           )
           SELECT ${auditStreamLockSql('$23::text')} IS NULL AS audit_stream_locked FROM v`,
      [
        b.bidId,
        b.tenderId,
        x.organizationId,
        x.userId,
        b.ciphertext,
        b.iv,
        b.keyCommitment,
        b.escrowedKey,
        b.ciphertextSha256,
        b.ciphertextBytes,
        b.receivedAt,
        x.signature,
        ...fingerprintOf(x),
        x.envelopeSha256,
        x.envelopeSignature,
        x.blindIndex,
        x.sealedIdentity,
        b.lotNo,
        auditStream,
      ],
    );
    return inserted.length > 0;
  }

  /**
   * The next v1 version of an existing bid (TBL Art. 29: it replaces the former), with its version row and the
   * writer lock of the bid's audit stream, in one statement (see insertFirstV1).
   */
  async replaceV1(m: EntityManager, b: BidVersionV1Row, auditStream: string): Promise<void> {
    const x = b.identity;
    await m.query(
      `WITH b AS (
             UPDATE bids SET version = $2, status = 'SUBMITTED', submitted_by = $3, ciphertext = $4, iv = $5, key_commitment = $6,
                    escrowed_key = $7, ciphertext_sha256 = $8, ciphertext_bytes = $9, received_at = $10, signature = $11,
                    ip = $12, device_id = $13, mac_addresses = $14, tool_version = $15, document_author = $16,
                    envelope_sha256 = $17, envelope_signature = $18, sealed_identity = $19,
                    format_version = 1, suite = NULL, segment_size = NULL, blob_key = NULL,
                    withdrawn_at = NULL, status_reason = NULL, updated_at = clock_timestamp()
             WHERE id = $1
             RETURNING id
           ), v AS (
             INSERT INTO bid_versions (bid_id, version, tender_id, bidder_organization_id, submitted_by, received_at, ciphertext_sha256,
                                       ciphertext_bytes, key_commitment, has_escrowed_key, signature, ip, device_id, mac_addresses,
                                       tool_version, document_author, envelope_sha256, envelope_signature, bidder_blind_index, sealed_identity)
             SELECT b.id, $2, $20::uuid, $21::uuid, $3, $10, $8, $9, $6, $7::bytea IS NOT NULL, $11, $12, $13, $14, $15, $16, $17, $18, $22::char(64), $19 FROM b
             RETURNING bid_id
           )
           SELECT ${auditStreamLockSql('$23::text')} IS NULL AS audit_stream_locked FROM v`,
      [
        b.bidId,
        b.version,
        x.userId,
        b.ciphertext,
        b.iv,
        b.keyCommitment,
        b.escrowedKey,
        b.ciphertextSha256,
        b.ciphertextBytes,
        b.receivedAt,
        x.signature,
        ...fingerprintOf(x),
        x.envelopeSha256,
        x.envelopeSignature,
        x.sealedIdentity,
        b.tenderId,
        x.organizationId,
        x.blindIndex,
        auditStream,
      ],
    );
  }

  /** The bidder's bid on the lot (the one a v2 upload to that lot replaces), id and version only, locked FOR UPDATE. */
  async findV2TargetForUpdate(
    m: EntityManager,
    tenderId: string,
    organizationId: string,
    lotNo: number,
    blindIndex: string | null,
  ): Promise<{ id: string; version: number } | null> {
    const rows: Array<{ id: string; version: number }> = await m.query(
      `SELECT id, version FROM bids WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $3) AND lot_no = $4 FOR UPDATE`,
      [tenderId, organizationId, blindIndex, lotNo],
    );
    return rows[0] ?? null;
  }

  /** A first bid of format v2 on its lot: the bid row only (its version row: insertVersionV2). */
  async insertV2(m: EntityManager, b: BidVersionV2Row): Promise<void> {
    const x = b.identity;
    await m.query(
      `INSERT INTO bids (id, tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment,
                             escrowed_key, ciphertext_sha256, ciphertext_bytes, received_at, signature,
                             ip, device_id, mac_addresses, tool_version, document_author, envelope_sha256, envelope_signature,
                             format_version, suite, segment_size, blob_key, bidder_blind_index, sealed_identity, lot_no)
           VALUES ($1, $2, $3, $4, 1, 'SUBMITTED', '\\x', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 2, $19, $20, $21, $22, $23, $24)`,
      [
        b.bidId,
        b.tenderId,
        x.organizationId,
        x.userId,
        b.noncePrefix,
        b.keyCommitment,
        b.escrowedKey,
        b.ciphertextSha256,
        b.ciphertextBytes,
        b.receivedAt,
        x.signature,
        ...fingerprintOf(x),
        x.envelopeSha256,
        x.envelopeSignature,
        b.suite,
        b.segmentSize,
        b.blobKey,
        x.blindIndex,
        x.sealedIdentity,
        b.lotNo ?? DEFAULT_LOT_NO,
      ],
    );
  }

  /** The next version of an existing bid, of format v2 (TBL Art. 29): the bid row only (its version row: insertVersionV2). */
  async replaceV2(m: EntityManager, b: BidVersionV2Row): Promise<void> {
    const x = b.identity;
    await m.query(
      `UPDATE bids SET version = $2, status = 'SUBMITTED', submitted_by = $3, ciphertext = '\\x', iv = $4, key_commitment = $5,
                  escrowed_key = $6, ciphertext_sha256 = $7, ciphertext_bytes = $8, received_at = $9, signature = $10,
                  ip = $11, device_id = $12, mac_addresses = $13, tool_version = $14, document_author = $15,
                  envelope_sha256 = $16, envelope_signature = $17, format_version = 2, suite = $18, segment_size = $19, blob_key = $20,
                  sealed_identity = $21, withdrawn_at = NULL, status_reason = NULL, updated_at = clock_timestamp()
           WHERE id = $1`,
      [
        b.bidId,
        b.version,
        x.userId,
        b.noncePrefix,
        b.keyCommitment,
        b.escrowedKey,
        b.ciphertextSha256,
        b.ciphertextBytes,
        b.receivedAt,
        x.signature,
        ...fingerprintOf(x),
        x.envelopeSha256,
        x.envelopeSignature,
        b.suite,
        b.segmentSize,
        b.blobKey,
        x.sealedIdentity,
      ],
    );
  }

  /** The bid_versions row of a format v2 version. */
  async insertVersionV2(m: EntityManager, b: BidVersionV2Row): Promise<void> {
    const x = b.identity;
    await m.query(
      `INSERT INTO bid_versions (bid_id, version, tender_id, bidder_organization_id, submitted_by, received_at, ciphertext_sha256,
                                   ciphertext_bytes, key_commitment, has_escrowed_key, signature, ip, device_id, mac_addresses,
                                   tool_version, document_author, envelope_sha256, envelope_signature, format_version, suite, segment_size, blob_key,
                                   bidder_blind_index, sealed_identity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 2, $19, $20, $21, $22, $23)`,
      [
        b.bidId,
        b.version,
        b.tenderId,
        x.organizationId,
        x.userId,
        b.receivedAt,
        b.ciphertextSha256,
        b.ciphertextBytes,
        b.keyCommitment,
        b.escrowedKey !== null,
        x.signature,
        ...fingerprintOf(x),
        x.envelopeSha256,
        x.envelopeSignature,
        b.suite,
        b.segmentSize,
        b.blobKey,
        x.blindIndex,
        x.sealedIdentity,
      ],
    );
  }

  /** The latest version of a bid stored from the file `blobKey` (a v2 upload's), for its receipt; null when none. */
  async findUploadVersion(m: EntityManager, bidId: string | null, blobKey: string): Promise<UploadVersionRow | null> {
    const rows: Array<{ bid_id: string; version: number; received_at: Date; envelope_sha256: string; envelope_signature: string; has_escrowed_key: boolean }> = await m.query(
      `SELECT bid_id, version, received_at, envelope_sha256, envelope_signature, has_escrowed_key FROM bid_versions
         WHERE bid_id = $1 AND blob_key = $2 ORDER BY version DESC LIMIT 1`,
      [bidId, blobKey],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      bidId: r.bid_id,
      version: r.version,
      receivedAt: new Date(r.received_at),
      envelopeSha256: r.envelope_sha256,
      envelopeSignature: r.envelope_signature,
      hasEscrowedKey: r.has_escrowed_key,
    };
  }

  async statusOf(m: EntityManager, bidId: string | null): Promise<BidStatus | null> {
    const [b]: Array<{ status: BidStatus }> = await m.query(`SELECT status FROM bids WHERE id = $1`, [bidId]);
    return b?.status ?? null;
  }

  // ——— withdrawal ———

  /** The bidder's bid on the lot, locked FOR UPDATE, as a withdrawal needs it. */
  async findForWithdrawal(m: EntityManager, tenderId: string, organizationId: string, lotNo: number, blindIndex: string | null): Promise<WithdrawableBidRow | null> {
    const rows: Array<{ id: string; status: BidStatus; withdrawn_at: Date | null; version: number }> = await m.query(
      `SELECT id, status, withdrawn_at, version FROM bids
         WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $3) AND lot_no = $4 FOR UPDATE`,
      [tenderId, organizationId, blindIndex, lotNo],
    );
    const r = rows[0];
    return r ? { id: r.id, status: r.status, withdrawnAt: r.withdrawn_at, version: r.version } : null;
  }

  async markWithdrawn(m: EntityManager, bidId: string, at: Date, reason: BidStatusReason): Promise<void> {
    await m.query(`UPDATE bids SET status = 'WITHDRAWN', withdrawn_at = $2, status_reason = $3, updated_at = clock_timestamp() WHERE id = $1`, [bidId, at, reason]);
  }

  // ——— the bidder's own bids ———

  /**
   * Read model (bids, tenders): "my bids", newest first, with each tender's title, status and deadline, found in clear
   * or by the bidder's blind indexes; one page, with the total.
   */
  async listMine(
    m: EntityManager,
    q: { organizationId: string; tenderId: string | null; blindIndexes: string[]; limit: number; offset: number },
  ): Promise<{ rows: MyBidListRow[]; total: number }> {
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
    }> = await m.query(
      `SELECT b.id, b.tender_id, b.lot_no, t.title, t.status AS tender_status, t.bid_deadline, b.version, b.status, b.received_at,
              count(*) OVER () AS total
       FROM bids b JOIN tenders t ON t.id = b.tender_id
       WHERE (b.bidder_organization_id = $1 OR b.bidder_blind_index = ANY($5::text[]))
         AND t.status <> 'DRAFT' AND ($2::uuid IS NULL OR b.tender_id = $2::uuid)
       ORDER BY b.received_at DESC, b.id
       LIMIT $3 OFFSET $4`,
      [q.organizationId, q.tenderId, q.limit, q.offset, q.blindIndexes],
    );
    return {
      total: rows.length ? Number(rows[0].total) : 0,
      rows: rows.map((r) => ({
        id: r.id,
        tenderId: r.tender_id,
        lotNo: r.lot_no,
        tenderTitle: r.title,
        tenderStatus: r.tender_status,
        bidDeadline: new Date(r.bid_deadline),
        version: r.version,
        status: r.status,
        receivedAt: new Date(r.received_at),
      })),
    };
  }

  /** Read model (bids, tenders): the bidder's bid on a lot of a tender that is not a draft; null when none. */
  async findMine(m: EntityManager, tenderId: string, organizationId: string, blindIndex: string, lotNo: number): Promise<MyBidRow | null> {
    const rows: Array<{
      id: string;
      tender_id: string;
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
      segment_size: number | null;
      ciphertext_bytes: string | number | null;
      nonce_prefix: Buffer | null;
      v2_escrowed_key: Buffer | null;
    }> = await m.query(
      `SELECT b.id, b.tender_id, b.bidder_organization_id, b.version, b.status, b.received_at, b.ciphertext_sha256,
              b.key_commitment, b.signature, b.withdrawn_at, (b.escrowed_key IS NOT NULL) AS has_escrowed_key,
              b.price, b.status_reason, b.envelope_sha256, b.envelope_signature, b.format_version, b.suite,
              b.segment_size, b.ciphertext_bytes, CASE WHEN b.format_version = 2 THEN b.iv END AS nonce_prefix,
              CASE WHEN b.format_version = 2 THEN b.escrowed_key END AS v2_escrowed_key
       FROM bids b JOIN tenders t ON t.id = b.tender_id
       WHERE b.tender_id = $1 AND (b.bidder_organization_id = $2 OR b.bidder_blind_index = $3) AND b.lot_no = $4 AND t.status <> 'DRAFT'`,
      [tenderId, organizationId, blindIndex, lotNo],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      tenderId: r.tender_id,
      version: r.version,
      status: r.status,
      receivedAt: new Date(r.received_at),
      ciphertextSha256: r.ciphertext_sha256,
      keyCommitment: r.key_commitment,
      signature: r.signature,
      envelopeSha256: r.envelope_sha256,
      envelopeSignature: r.envelope_signature,
      formatVersion: r.format_version,
      suite: r.suite,
      withdrawnAt: r.withdrawn_at,
      hasEscrowedKey: r.has_escrowed_key,
      price: r.price,
      statusReason: r.status_reason,
      envelopeV2:
        r.format_version === 2 && r.nonce_prefix && r.segment_size !== null && r.ciphertext_bytes !== null
          ? { segmentSize: r.segment_size, ciphertextLength: Number(r.ciphertext_bytes), noncePrefix: r.nonce_prefix, escrowedKey: r.v2_escrowed_key }
          : null,
    };
  }

  /** Every version of a bid, oldest first, receipt fields as stored. */
  async versionsOf(m: EntityManager, bidId: string): Promise<BidVersionReceiptRow[]> {
    const rows: Array<{ version: number; received_at: Date; ciphertext_sha256: string; key_commitment: string; signature: string }> = await m.query(
      `SELECT version, received_at, ciphertext_sha256, key_commitment, signature FROM bid_versions
         WHERE bid_id = $1 ORDER BY version`,
      [bidId],
    );
    return rows.map((v) => ({
      version: v.version,
      receivedAt: new Date(v.received_at),
      ciphertextSha256: v.ciphertext_sha256,
      keyCommitment: v.key_commitment,
      signature: v.signature,
    }));
  }

  // ——— reads after the opening (other modules, through BidsQueryService) ———

  /** Read model (tenders): the tender's status; null when there is no such tender. */
  async tenderStatus(m: EntityManager, tenderId: string): Promise<TenderStatus | null> {
    const rows: Array<{ status: TenderStatus }> = await m.query(`SELECT status FROM tenders WHERE id = $1`, [tenderId]);
    return rows[0]?.status ?? null;
  }

  /**
   * Read model (bids, organizations): every bid opened at the deadline, in order of receipt, with its bidder's name
   * (one statement; identity's OrganizationsRepository.findByIds would be a second round trip).
   */
  async openedBids(m: EntityManager, tenderId: string): Promise<OpenedBidRow[]> {
    const rows: Array<{
      id: string;
      bidder_organization_id: string;
      name: string;
      price: string | null;
      duration_days: number | null;
      attachments: Array<{ name: string; sha256: string }> | null;
      status: BidStatus;
      received_at: Date;
    }> = await m.query(
      `SELECT b.id, b.bidder_organization_id, o.name, b.price, b.duration_days, b.attachments, b.status, b.received_at
       FROM bids b JOIN organizations o ON o.id = b.bidder_organization_id
       WHERE b.tender_id = $1 AND b.opened_at IS NOT NULL
       ORDER BY b.received_at, b.id`,
      [tenderId],
    );
    return rows.map((r) => ({
      id: r.id,
      bidderOrganizationId: r.bidder_organization_id,
      bidderName: r.name,
      price: r.price,
      durationDays: r.duration_days,
      attachments: r.attachments,
      status: r.status,
      receivedAt: new Date(r.received_at),
    }));
  }

  async openedBidderOrganizationIds(m: EntityManager, tenderId: string): Promise<string[]> {
    const rows: Array<{ bidder_organization_id: string }> = await m.query(
      `SELECT DISTINCT bidder_organization_id FROM bids WHERE tender_id = $1 AND opened_at IS NOT NULL ORDER BY 1`,
      [tenderId],
    );
    return rows.map((r) => r.bidder_organization_id);
  }

  async fingerprints(m: EntityManager, tenderId: string): Promise<BidFingerprintRow[]> {
    const rows: Array<{
      id: string;
      bidder_organization_id: string;
      status: BidStatus;
      received_at: Date;
      ip: string;
      device_id: string;
      mac_addresses: string[];
      tool_version: string | null;
      document_author: string | null;
      attachments: Array<{ sha256: string }> | null;
      price: string | null;
    }> = await m.query(
      `SELECT id, bidder_organization_id, status, received_at, ip, device_id, mac_addresses, tool_version, document_author,
              attachments, price
       FROM bids WHERE tender_id = $1 AND opened_at IS NOT NULL ORDER BY received_at, id`,
      [tenderId],
    );
    return rows.map((r) => ({
      id: r.id,
      bidderOrganizationId: r.bidder_organization_id,
      status: r.status,
      receivedAt: new Date(r.received_at),
      ip: r.ip,
      deviceId: r.device_id,
      macAddresses: r.mac_addresses,
      toolVersion: r.tool_version,
      documentAuthor: r.document_author,
      attachments: r.attachments,
      price: r.price,
    }));
  }

  /** A DECRYPTED bid's ciphertext and revealed key; null when the bid is not decrypted (or not the tender's). */
  async findDecrypted(m: EntityManager, tenderId: string, bidId: string): Promise<DecryptedBidRow | null> {
    const rows: Array<{ bidder_organization_id: string; ciphertext: Buffer; iv: Buffer; revealed_key: Buffer | null; key_commitment: string }> = await m.query(
      `SELECT bidder_organization_id, ciphertext, iv, revealed_key, key_commitment FROM bids
         WHERE id = $1 AND tender_id = $2 AND status = 'DECRYPTED'`,
      [bidId, tenderId],
    );
    const r = rows[0];
    return r ? { bidderOrganizationId: r.bidder_organization_id, ciphertext: r.ciphertext, iv: r.iv, revealedKey: r.revealed_key, keyCommitment: r.key_commitment } : null;
  }

  // ——— the opening (BidLifecycleService) ———

  async countSubmitted(m: EntityManager, tenderId: string): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1 AND status = 'SUBMITTED'`, [tenderId]);
    return n;
  }

  /** Read model (tender_lots, bids): submitted bids per lot of the tender, every lot (0 when none). */
  async countSubmittedByLot(m: EntityManager, tenderId: string): Promise<Map<number, number>> {
    const rows: Array<{ lot_no: number; n: number }> = await m.query(
      `SELECT l.lot_no, count(b.id)::int AS n FROM tender_lots l
       LEFT JOIN bids b ON b.tender_id = l.tender_id AND b.lot_no = l.lot_no AND b.status = 'SUBMITTED'
       WHERE l.tender_id = $1 GROUP BY l.lot_no ORDER BY l.lot_no`,
      [tenderId],
    );
    return new Map(rows.map((r) => [Number(r.lot_no), r.n]));
  }

  /** SUBMITTED → OPENED (of the lots `lotNos`; null: every lot); the bids changed. */
  async markOpened(m: EntityManager, tenderId: string, at: Date, lotNos: number[] | null): Promise<OpenedAtDeadlineRow[]> {
    // TypeORM answers an UPDATE … RETURNING with [rows, affected].
    const [rows]: [Array<{ id: string; bidder_organization_id: string; version: number; ciphertext_sha256: string; received_at: Date }>, number] = await m.query(
      `UPDATE bids SET status = 'OPENED', opened_at = $2, updated_at = clock_timestamp()
         WHERE tender_id = $1 AND status = 'SUBMITTED' AND ($3::int[] IS NULL OR lot_no = ANY($3::int[]))
         RETURNING id, bidder_organization_id, version, ciphertext_sha256, received_at`,
      [tenderId, at, lotNos],
    );
    return rows.map((r) => ({
      id: r.id,
      bidderOrganizationId: r.bidder_organization_id,
      version: r.version,
      ciphertextSha256: r.ciphertext_sha256,
      receivedAt: new Date(r.received_at),
    }));
  }

  async lockOpenedBid(m: EntityManager, tenderId: string, bidId: string): Promise<UndecryptedBid | null> {
    const rows: UndecryptedDbRow[] = await m.query(`${SELECT_UNDECRYPTED} WHERE tender_id = $1 AND id = $2 AND opened_at IS NOT NULL FOR UPDATE`, [tenderId, bidId]);
    return rows.length ? toUndecrypted(rows[0]) : null;
  }

  async listUndecrypted(m: EntityManager, tenderId: string): Promise<UndecryptedBid[]> {
    const rows: UndecryptedDbRow[] = await m.query(`${SELECT_UNDECRYPTED} WHERE tender_id = $1 AND status = 'OPENED' ORDER BY received_at, id`, [tenderId]);
    return rows.map(toUndecrypted);
  }

  async countUndecrypted(m: EntityManager, tenderId: string): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1 AND status = 'OPENED'`, [tenderId]);
    return n;
  }

  /** The ciphertext, iv and escrowed key of opened bids (never of a bid that has not been opened). */
  async loadSealedParts(m: EntityManager, bidIds: string[]): Promise<SealedParts[]> {
    // base64 on the wire: a third of hex's size, and decoded faster (the pg driver reads bytea as hex text).
    const rows: Array<{ id: string; ciphertext: string; iv: Buffer; escrowed_key: Buffer | null }> = await m.query(
      `SELECT id, encode(ciphertext, 'base64') AS ciphertext, iv, escrowed_key FROM bids
       WHERE id = ANY($1::uuid[]) AND opened_at IS NOT NULL`,
      [bidIds],
    );
    return rows.map((r) => ({ bidId: r.id, ciphertext: Buffer.from(r.ciphertext, 'base64'), iv: r.iv, escrowedKey: r.escrowed_key }));
  }

  /** OPENED → DECRYPTED in bulk (one statement), with price, duration, attachments and the revealed key. */
  async saveDecrypted(m: EntityManager, records: DecryptedBidRecord[], at: Date): Promise<void> {
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

  /** OPENED → REVOKED / WITHDRAWN in bulk (one statement). */
  async saveFailed(m: EntityManager, records: FailedBidRecord[]): Promise<void> {
    await m.query(
      `UPDATE bids b SET status = v.status, status_reason = v.reason, updated_at = clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, status, reason)
       WHERE b.id = v.id AND b.status = 'OPENED'`,
      [records.map((r) => r.bidId), records.map((r) => r.status), records.map((r) => r.reason)],
    );
  }

  // ——— sealed identities (issue 17) ———

  /** The tenders with a bid still sealed (no bidder in clear): where a bidder's blind indexes may find its bids. */
  async tendersWithSealedBids(m: EntityManager): Promise<string[]> {
    const rows: Array<{ tender_id: string }> = await m.query(`SELECT DISTINCT tender_id FROM bids WHERE bidder_organization_id IS NULL`);
    return rows.map((r) => r.tender_id);
  }

  /** The tender's bid versions whose identity is still sealed. */
  async sealedVersions(m: EntityManager, tenderId: string): Promise<SealedIdentityRow[]> {
    const rows: Array<{ bid_id: string; version: number; sealed_identity: string; signature: string; envelope_sha256: string | null; envelope_signature: string | null }> =
      await m.query(
        `SELECT bid_id, version, sealed_identity, signature, envelope_sha256, envelope_signature FROM bid_versions
         WHERE tender_id = $1 AND bidder_organization_id IS NULL AND sealed_identity IS NOT NULL`,
        [tenderId],
      );
    return rows.map((r) => ({
      bidId: r.bid_id,
      version: r.version,
      sealedIdentity: r.sealed_identity,
      signature: r.signature,
      envelopeSha256: r.envelope_sha256,
      envelopeSignature: r.envelope_signature,
    }));
  }

  /** The tender's bids whose identity is still sealed, locked FOR UPDATE. */
  async sealedBidsForUpdate(m: EntityManager, tenderId: string): Promise<SealedIdentityRow[]> {
    const rows: Array<{ id: string; version: number; sealed_identity: string; signature: string; envelope_sha256: string | null; envelope_signature: string | null }> =
      await m.query(
        `SELECT id, version, sealed_identity, signature, envelope_sha256, envelope_signature FROM bids
         WHERE tender_id = $1 AND bidder_organization_id IS NULL AND sealed_identity IS NOT NULL FOR UPDATE`,
        [tenderId],
      );
    return rows.map((r) => ({
      bidId: r.id,
      version: r.version,
      sealedIdentity: r.sealed_identity,
      signature: r.signature,
      envelopeSha256: r.envelope_sha256,
      envelopeSignature: r.envelope_signature,
    }));
  }

  /** Writes the unsealed identities of bid versions in clear: one statement, however many. */
  async unsealVersions(m: EntityManager, tenderId: string, rows: UnsealedIdentityRow[]): Promise<void> {
    await m.query(`UPDATE bid_versions v SET ${UNSEAL_SET} FROM ${UNSEAL_X} WHERE v.tender_id = $1 AND v.bid_id = x.bid_id AND v.version = x.version`, [
      tenderId,
      JSON.stringify(rows),
    ]);
  }

  /** Writes the unsealed identities of bids (their current version) in clear: one statement, however many. */
  async unsealBids(m: EntityManager, tenderId: string, rows: UnsealedIdentityRow[]): Promise<void> {
    await m.query(`UPDATE bids b SET ${UNSEAL_SET} FROM ${UNSEAL_X} WHERE b.tender_id = $1 AND b.id = x.bid_id AND b.version = x.version`, [tenderId, JSON.stringify(rows)]);
  }

  // ——— blob hygiene ———

  /**
   * Format v2 versions whose file is superseded (the bid's current file is another: a later v2 upload, or a v1 bid),
   * at most `limit`, their bids locked FOR UPDATE OF b SKIP LOCKED (a bid being replaced is left to the next run).
   */
  async supersededFilesForUpdate(m: EntityManager, limit: number): Promise<SupersededFileRow[]> {
    const rows: Array<{ bid_id: string; version: number; tender_id: string; blob_key: string; ciphertext_sha256: string; current_version: number }> = await m.query(
      `SELECT v.bid_id, v.version, v.tender_id, v.blob_key, v.ciphertext_sha256, b.version AS current_version
       FROM bid_versions v JOIN bids b ON b.id = v.bid_id
       WHERE v.format_version = 2 AND v.blob_deleted_at IS NULL AND v.version < b.version AND b.blob_key IS DISTINCT FROM v.blob_key
       ORDER BY v.bid_id, v.version
       LIMIT $1
       FOR UPDATE OF b SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => ({
      bidId: r.bid_id,
      version: r.version,
      tenderId: r.tender_id,
      blobKey: r.blob_key,
      ciphertextSha256: r.ciphertext_sha256,
      currentVersion: r.current_version,
    }));
  }

  async markVersionFileDeleted(m: EntityManager, bidId: string, version: number): Promise<void> {
    await m.query(`UPDATE bid_versions SET blob_deleted_at = clock_timestamp() WHERE bid_id = $1 AND version = $2`, [bidId, version]);
  }
}
