import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { ConflictException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { DomainEvents } from 'src/common/events/domain-events';
import { normalizeMoney } from 'src/common/money/money';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import type { EntityManager } from 'typeorm';
import { BID_KEY_BYTES, verifyKeyCommitment } from 'src/sdk';
import { verifyKeyCommitmentV2 } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { AuditService } from '../../audit/audit.service';
import { BidStatus } from '../../bids/bid.enums';
import { BidIdentitySealer } from '../../bids/bid-identity-sealer';
import { BidLifecycleService, DecryptedBidRecord, UndecryptedBid } from '../../bids/bid-lifecycle.service';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { TenderStatus } from '../../tenders/tender.enums';
import { decryptWithKey, DecryptionFailureCode, failureStatus } from '../bid-decryptor';
import { BidFileOpener } from '../bid-file-opener';
import { decryptionWindowOpen } from '../decryption-rules';
import { OpeningException } from '../opening.exception';
import { TendersRepository } from '../../tenders/tenders.repository';
import { OpeningBidsRepository } from '../opening-bids.repository';
import { OpeningRecordsRepository } from '../opening-records.repository';
import { UseCase } from 'src/common/use-case';

export interface DecryptionResultView {
  bidId: string;
  status: BidStatus;
  price: string;
  durationDays: number | null;
}

export interface DecryptBidCommand {
  tenderId: string;
  bidId: string;
  keyBase64: string;
  actor: Actor;
}

/**
 * 投标人在线解密 (EB20 Art. 30): during the window the bidder reveals its key; the key must match the commitment
 * sent with the bid and open the ciphertext (GCM tag), and the plaintext must be format v1. A failed attempt is
 * recorded and answered with its code; the bid stays OPENED so the bidder may try again until the window closes.
 * When the last opened bid is decrypted the window closes early.
 */
@Injectable()
export class DecryptBidUseCase implements UseCase<DecryptBidCommand, DecryptionResultView> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly bids: BidLifecycleService,
    private readonly scheduler: SchedulerService,
    private readonly files: BidFileOpener,
    private readonly identities: BidIdentitySealer,
    private readonly tenders: TendersRepository,
    private readonly bidRows: OpeningBidsRepository,
    private readonly records: OpeningRecordsRepository,
  ) {}

  async execute(cmd: DecryptBidCommand): Promise<DecryptionResultView> {
    const { tenderId, bidId, actor } = cmd;
    if (!actor.organizationId) throw new NotFoundException('The bid');
    const key = Buffer.from(cmd.keyBase64, 'base64'); // the DTO checked: canonical base64 of 32 bytes

    const outcome = await this.tx.run(async (m) => {
      const { window, now, ownStatus } = await this.loadOwnBid(m, cmd);
      const bid = await this.bids.lockOpenedBid(m, tenderId, bidId);
      // Format v2 (a GM-1 key is 16 bytes); a v1 bid still takes a 32-byte key only, refused as before otherwise.
      const file = (await this.files.load(m, [bidId])).get(bidId);
      if (!file && key.length !== BID_KEY_BYTES) {
        throw new ValidationFailedException([{ field: 'key', errors: [`key must be base64 of ${BID_KEY_BYTES} bytes`] }]);
      }
      if (bid && bid.status === BidStatus.DECRYPTED) {
        // A repeated request with the same key gets the same answer, even after the window has closed.
        const same = file ? await verifyKeyCommitmentV2(nodeSuite(file.suite), key, bid.keyCommitment) : verifyKeyCommitment(key, bid.keyCommitment);
        if (!same) throw OpeningException.keyCommitmentMismatch();
        return { ok: true as const, view: await this.view(m, bidId) };
      }
      const tender = {
        status: window.status,
        decryptionWindowEndsAt: window.decryptionWindowEndsAt ? new Date(window.decryptionWindowEndsAt) : null,
      };
      if (!decryptionWindowOpen(tender, new Date(now))) throw OpeningException.windowClosed();
      if (!bid || bid.status !== BidStatus.OPENED) throw new ConflictException(`The bid is ${ownStatus}; it can no longer be decrypted`);

      const result = file ? await this.files.openWithKey(file, key) : decryptWithKey(bid, (await this.bids.loadSealedParts(m, [bidId]))[0], key);
      await this.records.insertBidderAttempt(m, { bidId, tenderId, outcome: result.ok ? 'DECRYPTED' : result.code, actorId: actor.userId, ip: actor.ip ?? '' });
      if (!result.ok) {
        await this.recordFailure(m, cmd, bid, result.code);
        return { ok: false as const, code: result.code };
      }
      await this.recordDecryption(m, cmd, result.record, new Date(now));
      return { ok: true as const, view: await this.view(m, bidId) };
    });

    if (!outcome.ok) throw this.failure(outcome.code);
    await this.closeEarlyIfAllDecrypted(tenderId);
    return outcome.view;
  }

  /**
   * The tender (locked FOR SHARE), the database clock and the bid's status — the caller's own bid only: anyone
   * else's bid (or none) is NOT_FOUND, before and after the deadline.
   */
  private async loadOwnBid(m: EntityManager, { tenderId, bidId, actor }: DecryptBidCommand) {
    const window = await this.tenders.shareLockDecryptionWindow(m, tenderId);
    if (!window) throw new NotFoundException('The bid');
    const now = await this.tx.now(m);
    const blindIndex = await this.identities.blindIndex(tenderId, actor.organizationId!); // sealed until the opening (issue 17)
    const ownStatus = await this.bidRows.ownBidStatus(m, tenderId, bidId, actor.organizationId!, blindIndex);
    if (!ownStatus) throw new NotFoundException('The bid');
    return { window, now, ownStatus };
  }

  /** A failed attempt is audited; a ciphertext that no longer matches its receipt is the platform's fault (EB20 Art. 31): withdrawn. */
  private async recordFailure(m: EntityManager, { tenderId, bidId, actor }: DecryptBidCommand, bid: UndecryptedBid, code: DecryptionFailureCode): Promise<void> {
    await this.audit.append(m, {
      actor,
      action: 'BID_DECRYPTION_FAILED',
      objectType: 'bid',
      objectId: bidId,
      tenderId,
      data: { bidId, by: 'BIDDER', code },
    });
    if (code === 'CIPHERTEXT_DAMAGED') {
      // EB20 Art. 31: the platform's fault, not the bidder's → treated as withdrawal.
      const f = failureStatus(code);
      await this.bids.saveFailed(m, [{ bidId, ...f }]);
      await this.events.emit(m, 'BidWithdrawn', { tenderId, bidId, bidderOrganizationId: bid.bidderOrganizationId }, actor);
    }
  }

  private async recordDecryption(m: EntityManager, { tenderId, bidId, actor }: DecryptBidCommand, record: Omit<DecryptedBidRecord, 'by'>, now: Date): Promise<void> {
    await this.bids.saveDecrypted(m, [{ ...record, by: 'BIDDER' }], now);
    await this.audit.append(m, {
      actor,
      action: 'BID_DECRYPTED',
      objectType: 'bid',
      objectId: bidId,
      tenderId,
      data: { bidId, by: 'BIDDER', price: record.price },
    });
  }

  /** EB20 Art. 30 "全部投标文件解密后": the window closes as soon as no opened bid is left to decrypt. */
  private async closeEarlyIfAllDecrypted(tenderId: string): Promise<void> {
    await this.tx.run(async (m) => {
      if ((await this.tenders.statusOf(m, tenderId)) !== TenderStatus.OPENING) return;
      if ((await this.bids.countUndecrypted(m, tenderId)) > 0) return;
      const now = await this.tx.now(m);
      await this.scheduler.plan(m, { kind: ScheduledEventKind.DecryptionWindowClose, subjectId: tenderId, tenderId, runAt: now });
    });
  }

  private failure(code: DecryptionFailureCode): OpeningException {
    if (code === 'KEY_COMMITMENT_MISMATCH') return OpeningException.keyCommitmentMismatch();
    if (code === 'CIPHERTEXT_DAMAGED') {
      return OpeningException.decryptionFailed("The stored bid no longer matches its receipt; this is not the bidder's fault and the bid is treated as withdrawn (EB20 Art. 31)");
    }
    return OpeningException.decryptionFailed('The key matches its commitment but does not open the bid, or the bid is not format v1');
  }

  private async view(m: EntityManager, bidId: string): Promise<DecryptionResultView> {
    const r = (await this.bidRows.decryptionResult(m, bidId))!;
    return { bidId: r.id, status: r.status, price: normalizeMoney(r.price), durationDays: r.durationDays };
  }
}
