import { Injectable, Logger, Optional } from '@nestjs/common';
import { BidderEligibilityGate } from 'src/common/ports/bidder-eligibility.gate';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { BidSecurityGate } from 'src/common/ports/bid-security.gate';
import { compareMoney, normalizeMoney } from 'src/common/money/money';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { DEFAULT_LOT_NO, lotTerms, LotTerms } from '../../tenders/tender-lots';
import { BidIdentity, BidIdentitySealer, SealingContext, sealedBidderActor } from '../bid-identity-sealer';
import { bidAuditScope } from '../bid-audit';
import { BidStatus } from '../bid.enums';
import { BidException } from '../bid.exception';
import { escrowedKeyPolicy, submissionWindow } from '../bid-submission-rules';
import { BidReceiptView } from '../bid-views';
import { BidsRepository, CurrentBidRow, NewBidRow, TenderForBids } from '../bids.repository';
import { SubmitBidDto } from '../dto/submit-bid.dto';
import { PlatformKeyService } from '../platform-key.service';
import { UseCase } from 'src/common/use-case';

export type { TenderForBids } from '../bids.repository';

export interface SubmitBidCommand {
  tenderId: string;
  actor: Actor;
  dto: SubmitBidDto;
  /** 标段: the lot bid for (default 1: a tender without lots is one lot). */
  lotNo?: number;
}

/** The lot of the tender a bid is for; NOT_FOUND when the tender has no such lot. */
export async function requireLot(m: EntityManager, tenderId: string, lotNo: number): Promise<LotTerms> {
  const lot = await lotTerms(m, tenderId, lotNo);
  if (!lot) throw new NotFoundException(`Lot ${lotNo} of the tender`);
  return lot;
}

/**
 * Locks the tender FOR SHARE and reads the database clock after the lock is held (BidsRepository.lockTenderForBids,
 * one round trip). The bid-deadline handler moves the tender with FOR UPDATE, so it waits for every submission
 * already holding the share lock, and every submission that starts after it sees the new status: a bid is either in
 * before the deadline and counted at the opening, or refused and not stored.
 *
 * With `bidderSlot`, the bidder's slot is taken too (BidsRepository.lockBidderSlot): one writer per (tender, bidder)
 * at a time, until commit — a submission and a withdrawal (or two submissions) of the same bidder never interleave,
 * so the bid-security check a submission makes after this lock sees the withdrawal's refund if there was one.
 */
export async function lockTenderForBids(
  bids: BidsRepository,
  m: EntityManager,
  tenderId: string,
  opts: { bidderSlot?: { organizationId: string; lotNo: number } } = {},
): Promise<{ tender: TenderForBids; now: Date }> {
  const locked = await bids.lockTenderForBids(m, tenderId, opts);
  if (!locked) throw new NotFoundException('The tender');
  return { tender: { ...locked.tender, bidSecurityAmount: normalizeMoney(locked.tender.bidSecurityAmount) }, now: locked.now };
}

/** Throws the API.md code for a tender that takes no bid (or withdrawal, which ignores a suspension) at `now`. */
export function assertSubmissionOpen(tender: TenderForBids, now: Date, opts: { forWithdrawal?: boolean } = {}): void {
  const w = submissionWindow({ ...tender, suspended: opts.forWithdrawal ? false : tender.suspended }, now);
  if (w.open) return;
  if (w.reason === 'NOT_FOUND') throw new NotFoundException('The tender');
  if (w.reason === 'DEADLINE_PASSED') throw BidException.deadlinePassed();
  throw BidException.notOpenForBids(tender.status);
}

/** The sealed bid as received, decoded and hashed before the transaction. */
interface SealedBidInput {
  tenderId: string;
  lotNo: number;
  actor: Actor;
  organizationId: string;
  dto: SubmitBidDto;
  ciphertext: Buffer;
  iv: Buffer;
  escrowedKey: Buffer | null;
  ciphertextSha256: string;
}

/** The tender as locked for the submission, with the clock read after the lock and the lot's terms. */
interface LoadedTender {
  tender: TenderForBids;
  now: Date;
  lot: LotTerms;
  /** Null in BIDDER mode (only the bidder can open the bid): the escrowed key is discarded. */
  storedEscrowedKey: Buffer | null;
}

/** What the transaction has read and decided before writing: the tender, the clock, the bidder's current bid. */
interface SubmissionContext {
  tender: TenderForBids;
  now: Date;
  storedEscrowedKey: Buffer | null;
  /** Sealed identities (issue 17): null for a tender published before them (the bid row names the bidder). */
  sealing: SealingContext | null;
  /** The bidder's bid on the lot, locked FOR UPDATE; null: this is its first. */
  existing: CurrentBidRow | null;
  /** Set when the same sealed bid is sent again: its stored version answers, nothing is written. */
  resend: CurrentBidRow | null;
}

/** The version written, with the receipt fields in clear (the row may hold them sealed). */
interface WrittenVersion {
  bidId: string;
  version: number;
  signature: string;
  envelope: { envelopeSha256: string; envelopeSignature: string };
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
    private readonly bids: BidsRepository,
    @Optional() private readonly securityGate?: BidSecurityGate,
  ) {}

  async execute(cmd: SubmitBidCommand): Promise<BidReceiptView> {
    const input = await this.decode(cmd);
    return this.tx.run(async (m) => {
      const loaded = await this.load(m, input);
      const ctx = await this.decide(m, input, loaded);
      // Sending the same sealed bid again returns the same receipt and changes nothing.
      if (ctx.resend) return this.repeatedReceipt(input, ctx.resend);
      const written = await this.persist(m, input, ctx);
      await this.announce(m, input, ctx, written);
      return this.receipt(written.bidId, written.version, input.tenderId, input.organizationId, input.ciphertextSha256, input.dto.keyCommitment, ctx.now, written.signature, {
        ...written.envelope,
        escrowedKeyStored: ctx.storedEscrowedKey !== null,
      });
    });
  }

  /** Decodes the envelope, and hashes the ciphertext before the transaction and off the event loop (up to 20 MB). */
  private async decode(cmd: SubmitBidCommand): Promise<SealedBidInput> {
    const { actor, dto, tenderId } = cmd;
    const organizationId = actor.organizationId;
    if (!organizationId) throw new NotFoundException('The tender'); // a bidder account always has one
    // Decoded once here; the DTO has already checked canonical base64 and the sizes of format v1.
    const ciphertext = Buffer.from(dto.ciphertext, 'base64');
    return {
      tenderId,
      lotNo: cmd.lotNo ?? DEFAULT_LOT_NO,
      actor,
      organizationId,
      dto,
      ciphertext,
      iv: Buffer.from(dto.iv, 'base64'),
      escrowedKey: dto.escrowedKey === undefined ? null : Buffer.from(dto.escrowedKey, 'base64'),
      // The connection is not held for it.
      ciphertextSha256: await this.crypto.sha256HexAsync(ciphertext),
    };
  }

  /** The tender and the bidder's slot locked, the clock, and the rules of the tender's own terms (nothing stored on refusal). */
  private async load(m: EntityManager, s: SealedBidInput): Promise<LoadedTender> {
    const { tenderId, organizationId, lotNo } = s;
    // The bidder's slot is taken with the tender's lock: one writer per (tender, bidder) until commit (see
    // lockTenderForBids), so that the bid-security check (decide) sees a racing withdrawal's refund.
    const { tender, now } = await lockTenderForBids(this.bids, m, tenderId, { bidderSlot: { organizationId, lotNo } });
    assertSubmissionOpen(tender, now);
    // EB20 Art. 26: a bid not encrypted as the tender requires is refused (a GM-1-only tender: 国密 required).
    if (!tender.acceptedSuites.includes('INTL-1')) throw BidException.v1NotAccepted(tender.acceptedSuites);
    const lot = await requireLot(m, tenderId, lotNo);

    // EB20 Art. 26: a bid not encrypted as the tender requires is refused.
    const policy = escrowedKeyPolicy(tender.decryptionMode);
    if (policy === 'REQUIRED' && !s.escrowedKey) {
      throw new ValidationFailedException([{ field: 'escrowedKey', errors: ['escrowedKey is required: this tender is decrypted with its escrow key (ESCROW mode)'] }]);
    }
    const storedEscrowedKey = policy === 'DISCARDED' ? null : s.escrowedKey; // BIDDER mode: only the bidder can open it
    return { tender, now, lot, storedEscrowedKey };
  }

  /**
   * The bidder's rules (invitation, debarment, bid security) and its current bid on the lot, locked: whether this is
   * the same sealed bid sent again (`resend`), a first bid, or the next version.
   */
  private async decide(m: EntityManager, s: SealedBidInput, loaded: LoadedTender): Promise<SubmissionContext> {
    const { tenderId, organizationId, lotNo } = s;
    const { tender, lot, storedEscrowedKey } = loaded;
    await this.assertInvited(m, tender, organizationId);
    await this.assertNotDebarred(m, organizationId);

    // The security check comes after the (tender, bidder) lock and the bid row lock: a withdrawal racing this
    // submission has committed its refund by then, and the check sees it (never a SUBMITTED bid whose security
    // was refunded).
    // Sealed identities (issue 17): the bid row names no bidder until the opening; it is found by its blind index.
    const sealing = await this.identities.contextOf(tender, organizationId);
    const existing = await this.bids.findCurrentForUpdate(m, tenderId, organizationId, lotNo, sealing?.blindIndex ?? null);
    await this.assertSecurityPaid(m, tender, organizationId, lotNo, lot);
    const resend = existing && existing.status === BidStatus.SUBMITTED && this.sameSealedBid(existing, s, storedEscrowedKey) ? existing : null;
    return { tender, now: loaded.now, storedEscrowedKey, sealing, existing, resend };
  }

  /** The receipt of the version already stored (same sealed bid sent again). */
  private repeatedReceipt(s: SealedBidInput, existing: CurrentBidRow): BidReceiptView {
    return this.receipt(
      existing.id,
      existing.version,
      s.tenderId,
      s.organizationId,
      s.ciphertextSha256,
      s.dto.keyCommitment,
      existing.receivedAt,
      this.identities.receiptField(existing.signature, existing.id),
      {
        envelopeSha256: this.identities.receiptField(existing.envelopeSha256, existing.id),
        envelopeSignature: this.identities.receiptField(existing.envelopeSignature, existing.id),
        escrowedKeyStored: existing.escrowedKey !== null,
      },
    );
  }

  /**
   * Writes the first version, or the next one (TBL Art. 29). Each write is one statement: the bid row, its version
   * row, and the writer lock of the bid's audit stream (taken after both rows are written, as append would take it;
   * append then reads the head in its own statement).
   */
  private async persist(m: EntityManager, s: SealedBidInput, ctx: SubmissionContext): Promise<WrittenVersion> {
    let existing = ctx.existing;
    if (!existing) {
      const bidId = this.crypto.uuid();
      const first = this.signedVersion(s, ctx, bidId, 1);
      if (await this.bids.insertFirstV1(m, { ...first.row, lotNo: s.lotNo }, bidAuditScope(s.tenderId, bidId).stream)) return first.written;
      // A concurrent first submission won (UQ_BIDS_TENDER_LOT_BIDDER / UQ_BIDS_TENDER_LOT_BLIND_INDEX): replace it.
      existing = await this.bids.findCurrentForUpdate(m, s.tenderId, s.organizationId, s.lotNo, ctx.sealing?.blindIndex ?? null);
      if (!existing) throw new Error(`bid of tender ${s.tenderId}: neither inserted nor found`); // a unique constraint holds one
    }
    const next = this.signedVersion(s, ctx, existing.id, existing.version + 1);
    await this.bids.replaceV1(m, next.row, bidAuditScope(s.tenderId, existing.id).stream);
    return next.written;
  }

  /** A version's receipt signature, its v1 receipt extension, and the row to store (identity sealed or in clear). */
  private signedVersion(s: SealedBidInput, ctx: SubmissionContext, bidId: string, version: number): { row: Omit<NewBidRow, 'lotNo'>; written: WrittenVersion } {
    const { tenderId, organizationId, dto, ciphertextSha256, iv } = s;
    const receivedAt = ctx.now.toISOString();
    const signature = this.keys.signReceipt({ bidId, version, tenderId, bidderOrganizationId: organizationId, ciphertextSha256, keyCommitment: dto.keyCommitment, receivedAt });
    // The v1 receipt extension: every stored field (iv and escrowed key too), so that damage to them on the
    // platform shows against the bidder's receipt and is not blamed on the bidder (SEALED_BID_FORMAT.md §5.1).
    const envelope = this.keys.signEnvelope({
      bidId,
      version,
      tenderId,
      bidderOrganizationId: organizationId,
      ciphertextSha256,
      keyCommitment: dto.keyCommitment,
      receivedAt,
      iv,
      escrowedKey: ctx.storedEscrowedKey,
    });
    const client = dto.client;
    const identity: BidIdentity = {
      organizationId,
      userId: s.actor.userId,
      ip: s.actor.ip || '',
      deviceId: client.deviceId,
      macAddresses: client.macAddresses ?? [],
      toolVersion: client.toolVersion ?? null,
      documentAuthor: client.documentAuthor ?? null,
    };
    return {
      row: {
        bidId,
        version,
        tenderId,
        receivedAt: ctx.now,
        keyCommitment: dto.keyCommitment,
        escrowedKey: ctx.storedEscrowedKey,
        ciphertextSha256,
        ciphertextBytes: s.ciphertext.length,
        ciphertext: s.ciphertext,
        iv,
        identity: this.identities.toStore(ctx.sealing, bidId, version, identity, { signature, ...envelope }),
      },
      written: { bidId, version, signature, envelope },
    };
  }

  /**
   * Never a price: there is none to see. The bid's own stream (no lock shared with any other submission), sealed
   * until the opening: before it no supervisor's listing or count shows that the bid exists (TBL Art. 22).
   */
  private async announce(m: EntityManager, s: SealedBidInput, ctx: SubmissionContext, w: WrittenVersion): Promise<void> {
    await this.audit.append(
      m,
      {
        actor: ctx.sealing ? sealedBidderActor(s.actor) : s.actor, // the submitter is in the sealed identity until the opening
        action: 'BID_SUBMITTED',
        objectType: 'bid',
        objectId: w.bidId,
        ...bidAuditScope(s.tenderId, w.bidId),
        // lotNo: the lot (标段) is in the hash-chained record too, so a bid moved to another lot in the table shows.
        data: {
          bidId: w.bidId,
          version: w.version,
          lotNo: s.lotNo,
          ciphertextSha256: s.ciphertextSha256,
          ciphertextBytes: s.ciphertext.length,
          escrowed: ctx.storedEscrowedKey !== null,
        },
      },
      { streamLocked: true }, // by the write statement (persist)
    );
    // No metric here: bids_received_total is counted when the tender's deadline passes (issue 17: operator telemetry
    // shows no bid before the deadline, not even platform-wide in real time).
  }

  /** TBL Art. 17; GPL Art. 34: an INVITED tender takes bids from the bidders it invited, and from no one else. */
  /** Also used by the v2 upload (FinalizeBidUploadUseCase). */
  async assertInvited(m: EntityManager, tender: TenderForBids, organizationId: string): Promise<void> {
    if (tender.method !== 'INVITED') return;
    if (!(await this.bids.isInvited(m, tender.id, organizationId))) throw BidException.notInvited();
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

  private sameSealedBid(e: CurrentBidRow, s: SealedBidInput, escrowedKey: Buffer | null): boolean {
    const sameEscrow = e.escrowedKey === null ? escrowedKey === null : escrowedKey !== null && e.escrowedKey.equals(escrowedKey);
    return e.ciphertextSha256 === s.ciphertextSha256 && e.keyCommitment === s.dto.keyCommitment && e.iv.equals(s.iv) && sameEscrow;
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
