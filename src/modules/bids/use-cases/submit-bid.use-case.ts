import { Injectable, Logger, Optional } from '@nestjs/common';
import { BidderEligibilityGate } from 'src/common/ports/bidder-eligibility.gate';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { BidSecurityGate } from 'src/common/ports/bid-security.gate';
import { compareMoney, normalizeMoney } from 'src/common/money/money';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService, auditStreamLockSql } from '../../audit/audit.service';
import { DEFAULT_LOT_NO, lotTerms, LotTerms } from '../../tenders/tender-lots';
import { DecryptionMode, TenderMethod, TenderStatus } from '../../tenders/tender.enums';
import { BidIdentity, BidIdentitySealer, sealedBidderActor } from '../bid-identity-sealer';
import { bidAuditScope } from '../bid-audit';
import { BidStatus } from '../bid.enums';
import { BidException } from '../bid.exception';
import { escrowedKeyPolicy, submissionWindow } from '../bid-submission-rules';
import { BidReceiptView } from '../bid-views';
import { SubmitBidDto } from '../dto/submit-bid.dto';
import { PlatformKeyService } from '../platform-key.service';
import { UseCase } from 'src/common/use-case';

export interface SubmitBidCommand {
  tenderId: string;
  actor: Actor;
  dto: SubmitBidDto;
  /** 标段: the lot bid for (default 1: a tender without lots is one lot). */
  lotNo?: number;
}

/** The tender row as the submission sees it, locked FOR SHARE for the whole transaction. */
export interface TenderForBids {
  id: string;
  status: TenderStatus;
  bidDeadline: Date;
  method: TenderMethod;
  decryptionMode: DecryptionMode;
  bidSecurityAmount: string;
  /** While an objection to the documents is unanswered (TBR Art. 22). */
  suspended: boolean;
  /** Sealed identities (issue 17): the tender's identity public key (base64), null when published before them. */
  identityPublicKey: string | null;
  /** The sealed-bid suites the tender accepts (docs/SEALED_BID_FORMAT.md v2.1); format v1 is INTL-1's algorithms. */
  acceptedSuites: string[];
}

/**
 * Locks the tender FOR SHARE and reads the database clock after the lock is held. The bid-deadline handler moves
 * the tender with FOR UPDATE, so it waits for every submission already holding the share lock, and every
 * submission that starts after it sees the new status: a bid is either in before the deadline and counted at the
 * opening, or refused and not stored.
 */
/**
 * One writer per (tender, bidder) at a time, until commit: a submission and a withdrawal (or two submissions) of
 * the same bidder never interleave, so the bid-security check a submission makes after this lock sees the
 * withdrawal's refund if there was one. Other bidders are not held up.
 */
export async function lockBidderSlot(m: EntityManager, tenderId: string, organizationId: string, lotNo = DEFAULT_LOT_NO): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 11))`, [bidderSlot(tenderId, organizationId, lotNo)]);
}

const bidderSlot = (tenderId: string, organizationId: string, lotNo: number) =>
  lotNo === DEFAULT_LOT_NO ? `bid-slot:${tenderId}:${organizationId}` : `bid-slot:${tenderId}:${lotNo}:${organizationId}`;

/** The lot of the tender a bid is for; NOT_FOUND when the tender has no such lot. */
export async function requireLot(m: EntityManager, tenderId: string, lotNo: number): Promise<LotTerms> {
  const lot = await lotTerms(m, tenderId, lotNo);
  if (!lot) throw new NotFoundException(`Lot ${lotNo} of the tender`);
  return lot;
}

export async function lockTenderForBids(
  m: EntityManager,
  tenderId: string,
  opts: { bidderSlot?: { organizationId: string; lotNo: number } } = {},
): Promise<{ tender: TenderForBids; now: Date }> {
  // One round trip: the share lock (a materialised CTE: its row is locked before anything after it is evaluated),
  // then — with `bidderSlot` — the bidder's slot (lockBidderSlot, in the same order as taking it afterwards), and the
  // database clock last, read after the locks are held.
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
  if (!rows.length) throw new NotFoundException('The tender');
  const r = rows[0];
  const now = r.now;
  return {
    tender: {
      id: r.id,
      status: r.status,
      bidDeadline: new Date(r.bid_deadline),
      method: r.method,
      decryptionMode: r.decryption_mode,
      bidSecurityAmount: normalizeMoney(r.bid_security_amount),
      suspended: r.suspended,
      identityPublicKey: r.identity_public_key,
      acceptedSuites: r.accepted_suites,
    },
    now: new Date(now),
  };
}

/** Throws the API.md code for a tender that takes no bid (or withdrawal, which ignores a suspension) at `now`. */
export function assertSubmissionOpen(tender: TenderForBids, now: Date, opts: { forWithdrawal?: boolean } = {}): void {
  const w = submissionWindow({ ...tender, suspended: opts.forWithdrawal ? false : tender.suspended }, now);
  if (w.open) return;
  if (w.reason === 'NOT_FOUND') throw new NotFoundException('The tender');
  if (w.reason === 'DEADLINE_PASSED') throw BidException.deadlinePassed();
  throw BidException.notOpenForBids(tender.status);
}

interface ExistingBid {
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
}

/**
 * 递交投标文件: validates the sealed envelope, checks the deadline against the database clock inside the storing
 * transaction and the bid security, stores the ciphertext with its SHA-256 and the client
 * fingerprint, and returns a receipt signed with the platform key (EB20 Art. 27: "即时向投标人发出递交回执").
 * A second submission before the deadline replaces the first (version + 1, TBL Art. 29); sending the same sealed
 * bid again returns the same receipt and changes nothing.
 */
@Injectable()
export class SubmitBidUseCase implements UseCase<SubmitBidCommand, BidReceiptView> {
  private readonly logger = new Logger(SubmitBidUseCase.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly crypto: CryptoService,
    private readonly keys: PlatformKeyService,
    private readonly eligibility: BidderEligibilityGate,
    private readonly identities: BidIdentitySealer,
    @Optional() private readonly securityGate?: BidSecurityGate,
  ) {}

  async execute(cmd: SubmitBidCommand): Promise<BidReceiptView> {
    const { actor, dto, tenderId } = cmd;
    const lotNo = cmd.lotNo ?? DEFAULT_LOT_NO;
    const organizationId = actor.organizationId;
    if (!organizationId) throw new NotFoundException('The tender'); // a bidder account always has one
    // Decoded once here; the DTO has already checked canonical base64 and the sizes of format v1.
    const ciphertext = Buffer.from(dto.ciphertext, 'base64');
    const iv = Buffer.from(dto.iv, 'base64');
    const escrowedKey = dto.escrowedKey === undefined ? null : Buffer.from(dto.escrowedKey, 'base64');
    // Hashed before the transaction and off the event loop (up to 20 MB): the connection is not held for it.
    const ciphertextSha256 = await this.crypto.sha256HexAsync(ciphertext);

    return this.tx.run(async (m) => {
      // The bidder's slot is taken with the tender's lock: one writer per (tender, bidder) until commit (see
      // lockBidderSlot), so that the bid-security check below sees a racing withdrawal's refund.
      const { tender, now } = await lockTenderForBids(m, tenderId, { bidderSlot: { organizationId, lotNo } });
      assertSubmissionOpen(tender, now);
      // EB20 Art. 26: a bid not encrypted as the tender requires is refused (a GM-1-only tender: 国密 required).
      if (!tender.acceptedSuites.includes('INTL-1')) throw BidException.v1NotAccepted(tender.acceptedSuites);
      const lot = await requireLot(m, tenderId, lotNo);

      // EB20 Art. 26: a bid not encrypted as the tender requires is refused.
      const policy = escrowedKeyPolicy(tender.decryptionMode);
      if (policy === 'REQUIRED' && !escrowedKey) {
        throw new ValidationFailedException([{ field: 'escrowedKey', errors: ['escrowedKey is required: this tender is decrypted with its escrow key (ESCROW mode)'] }]);
      }
      const storedEscrowedKey = policy === 'DISCARDED' ? null : escrowedKey; // BIDDER mode: only the bidder can open it

      await this.assertInvited(m, tender, organizationId);
      await this.assertNotDebarred(m, organizationId);

      // The security check comes after the (tender, bidder) lock and the bid row lock: a withdrawal racing this
      // submission has committed its refund by then, and the check sees it (never a SUBMITTED bid whose security
      // was refunded).
      // Sealed identities (issue 17): the bid row names no bidder until the opening; it is found by its blind index.
      const sealing = this.identities.contextOf(tender, organizationId);
      let existing = await this.findForUpdate(m, tenderId, organizationId, lotNo, sealing?.blindIndex ?? null);
      await this.assertSecurityPaid(m, tender, organizationId, lotNo, lot);
      if (existing && existing.status === BidStatus.SUBMITTED && this.sameSealedBid(existing, ciphertextSha256, dto.keyCommitment, iv, storedEscrowedKey)) {
        return this.receipt(
          existing.id,
          existing.version,
          tenderId,
          organizationId,
          ciphertextSha256,
          dto.keyCommitment,
          new Date(existing.received_at),
          this.identities.receiptField(existing.signature, existing.id),
          {
            envelopeSha256: this.identities.receiptField(existing.envelope_sha256, existing.id),
            envelopeSignature: this.identities.receiptField(existing.envelope_signature, existing.id),
            escrowedKeyStored: existing.escrowed_key !== null,
          },
        );
      }

      const receivedAt = now.toISOString();
      const sign = (bidId: string, version: number) =>
        this.keys.signReceipt({ bidId, version, tenderId, bidderOrganizationId: organizationId, ciphertextSha256, keyCommitment: dto.keyCommitment, receivedAt });
      // The v1 receipt extension: every stored field (iv and escrowed key too), so that damage to them on the
      // platform shows against the bidder's receipt and is not blamed on the bidder (SEALED_BID_FORMAT.md §5.1).
      const envelope = (bidId: string, version: number) =>
        this.keys.signEnvelope({
          bidId,
          version,
          tenderId,
          bidderOrganizationId: organizationId,
          ciphertextSha256,
          keyCommitment: dto.keyCommitment,
          receivedAt,
          iv,
          escrowedKey: storedEscrowedKey,
        });
      const client = dto.client;
      const identity: BidIdentity = {
        organizationId,
        userId: actor.userId,
        ip: actor.ip || '',
        deviceId: client.deviceId,
        macAddresses: client.macAddresses ?? [],
        toolVersion: client.toolVersion ?? null,
        documentAuthor: client.documentAuthor ?? null,
      };
      const stored = (bidId: string, version: number, signature: string, e: { envelopeSha256: string; envelopeSignature: string }) => {
        const x = this.identities.toStore(sealing, bidId, version, identity, { signature, ...e });
        return {
          x,
          fingerprint: [x.ip, x.deviceId, x.macAddresses, x.toolVersion, x.documentAuthor],
        };
      };

      let bidId: string;
      let version: number;
      let signature: string;
      let env: { envelopeSha256: string; envelopeSignature: string };
      let written = false;
      // Each write is one statement: the bid row, its version row, and the writer lock of the bid's audit stream
      // (taken after both rows are written, as append would take it; append then reads the head in its own statement).
      if (!existing) {
        bidId = this.crypto.uuid();
        version = 1;
        signature = sign(bidId, version);
        env = envelope(bidId, version);
        const { x, fingerprint } = stored(bidId, version, signature, env);
        // No conflict target: UQ_BIDS_TENDER_LOT_BIDDER (in clear) or UQ_BIDS_TENDER_LOT_BLIND_INDEX (sealed) applies.
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
            bidId,
            tenderId,
            x.organizationId,
            x.userId,
            ciphertext,
            iv,
            dto.keyCommitment,
            storedEscrowedKey,
            ciphertextSha256,
            ciphertext.length,
            now,
            x.signature,
            ...fingerprint,
            x.envelopeSha256,
            x.envelopeSignature,
            x.blindIndex,
            x.sealedIdentity,
            lotNo,
            bidAuditScope(tenderId, bidId).stream,
          ],
        );
        written = inserted.length > 0;
        if (!written) existing = await this.findForUpdate(m, tenderId, organizationId, lotNo, sealing?.blindIndex ?? null); // a concurrent first submission won
      }
      if (!written && existing) {
        bidId = existing.id;
        version = existing.version + 1;
        signature = sign(bidId, version);
        env = envelope(bidId, version);
        const { x, fingerprint } = stored(bidId, version, signature, env);
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
            bidId,
            version,
            x.userId,
            ciphertext,
            iv,
            dto.keyCommitment,
            storedEscrowedKey,
            ciphertextSha256,
            ciphertext.length,
            now,
            x.signature,
            ...fingerprint,
            x.envelopeSha256,
            x.envelopeSignature,
            x.sealedIdentity,
            tenderId,
            x.organizationId,
            x.blindIndex,
            bidAuditScope(tenderId, bidId).stream,
          ],
        );
      }
      if (!written && !existing) throw new Error(`bid of tender ${tenderId}: neither inserted nor found`); // a unique constraint holds one
      // Never a price: there is none to see. The bid's own stream (no lock shared with any other submission),
      // sealed until the opening: before it no supervisor's listing or count shows that the bid exists (TBL Art. 22).
      await this.audit.append(
        m,
        {
          actor: sealing ? sealedBidderActor(actor) : actor, // the submitter is in the sealed identity until the opening
          action: 'BID_SUBMITTED',
          objectType: 'bid',
          objectId: bidId!,
          ...bidAuditScope(tenderId, bidId!),
          data: { bidId: bidId!, version: version!, ciphertextSha256, ciphertextBytes: ciphertext.length, escrowed: storedEscrowedKey !== null },
        },
        { streamLocked: true }, // by the write statement above
      );
      // No metric here: bids_received_total is counted when the tender's deadline passes (issue 17: operator telemetry
      // shows no bid before the deadline, not even platform-wide in real time).
      return this.receipt(bidId!, version!, tenderId, organizationId, ciphertextSha256, dto.keyCommitment, now, signature!, {
        ...env!,
        escrowedKeyStored: storedEscrowedKey !== null,
      });
    });
  }

  /** TBL Art. 17; GPL Art. 34: an INVITED tender takes bids from the bidders it invited, and from no one else. */
  /** Also used by the v2 upload (FinalizeBidUploadUseCase). */
  async assertInvited(m: EntityManager, tender: TenderForBids, organizationId: string): Promise<void> {
    if (tender.method !== 'INVITED') return;
    const rows = await m.query(`SELECT 1 FROM tender_invitations WHERE tender_id = $1 AND organization_id = $2`, [tender.id, organizationId]);
    if (!rows.length) throw BidException.notInvited();
  }

  /** Also used by the v2 upload (FinalizeBidUploadUseCase). */
  async assertNotDebarred(m: EntityManager, organizationId: string): Promise<void> {
    const debarment = await this.eligibility.activeDebarment(m, organizationId);
    if (debarment) throw BidException.debarred(debarment.until, debarment.legalBasis);
  }

  /** Also used by the v2 upload (FinalizeBidUploadUseCase). */
  async assertSecurityPaid(m: EntityManager, tender: TenderForBids, organizationId: string, lotNo: number, known?: LotTerms): Promise<void> {
    const lot = known ?? (await requireLot(m, tender.id, lotNo)); // the lot's terms, when the caller has read them already
    if (compareMoney(lot.bidSecurityAmount, '0.00') <= 0) return; // the lot requires none
    if (!this.securityGate) {
      // Fail closed: without the bid-security module nobody can prove payment (TBR Art. 26).
      this.logger.warn('no BidSecurityGate is installed: bids on tenders that require bid security are refused');
      throw BidException.securityMissing();
    }
    if (!(await this.securityGate.isPaid(m, tender.id, organizationId, lotNo))) throw BidException.securityMissing();
  }

  private async findForUpdate(m: EntityManager, tenderId: string, organizationId: string, lotNo: number, blindIndex: string | null): Promise<ExistingBid | null> {
    const rows: ExistingBid[] = await m.query(
      `SELECT id, version, status, ciphertext_sha256, key_commitment, iv, escrowed_key, received_at, signature,
              envelope_sha256, envelope_signature
       FROM bids WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $3) AND lot_no = $4 FOR UPDATE`,
      [tenderId, organizationId, blindIndex, lotNo],
    );
    return rows[0] ?? null;
  }

  private sameSealedBid(e: ExistingBid, sha: string, commitment: string, iv: Buffer, escrowedKey: Buffer | null): boolean {
    const sameEscrow = e.escrowed_key === null ? escrowedKey === null : escrowedKey !== null && e.escrowed_key.equals(escrowedKey);
    return e.ciphertext_sha256 === sha && e.key_commitment === commitment && e.iv.equals(iv) && sameEscrow;
  }

  private receipt(
    bidId: string,
    version: number,
    tenderId: string,
    bidderOrganizationId: string,
    ciphertextSha256: string,
    keyCommitment: string,
    receivedAt: Date,
    signature: string,
    extension: { envelopeSha256: string | null; envelopeSignature: string | null; escrowedKeyStored: boolean },
  ): BidReceiptView {
    return {
      bidId,
      version,
      receivedAt: receivedAt.toISOString(),
      ciphertextSha256,
      signature,
      ...receiptExtension(extension),
      tenderId,
      bidderOrganizationId,
      keyCommitment,
      status: BidStatus.SUBMITTED,
    };
  }
}

/** The v1 receipt extension's fields, when the bid version has them (bids received before it have not). */
export function receiptExtension(e: { envelopeSha256: string | null; envelopeSignature: string | null; escrowedKeyStored: boolean }) {
  return e.envelopeSha256 && e.envelopeSignature ? { envelopeSha256: e.envelopeSha256, envelopeSignature: e.envelopeSignature, escrowedKeyStored: e.escrowedKeyStored } : {};
}
