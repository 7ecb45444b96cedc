import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { BlobStore } from 'src/infra/blob-store/blob-store';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { OnTimedEvent, SchedulerService } from '../../scheduling/scheduler.service';
import { bidAuditScope } from '../bid-audit';
import { BidsRepository } from '../bids.repository';
import { BidUploadsRepository } from './bid-uploads.repository';

/** Uploads, and replaced bid versions, handled per run (one transaction); a full batch plans the next run at once. */
export const BLOB_HYGIENE_BATCH = 50;
/** A bid file of format v2 is the upload's pieces: its `blob_key` names the upload (`uploads/<uploadId>`). */
const UPLOAD_KEY = /^uploads\/([0-9a-f-]{36})$/;

export interface BlobHygieneRun {
  /** Uploads marked ABANDONED (and their pieces deleted), by reason. */
  abandoned: { deadlinePassed: number; expired: number };
  /** Bid versions whose replaced file was deleted. */
  supersededFiles: number;
  /** Blob-store objects deleted. */
  blobsDeleted: number;
  /** Whether a batch was full (the next run is planned at once). */
  more: boolean;
}

/**
 * Blob-store hygiene of format v2 bid files, a durable timed event (BID_BLOB_HYGIENE, scheduled_events + BullMQ: a
 * Redis flush loses nothing, the in-process sweeper runs it when overdue). Each run, in the scheduler's transaction:
 *
 * - an upload still OPEN when its tender's deadline has passed (database clock) is not a bid and never will be
 *   (EB20 Art. 27: what has not arrived in full by the deadline is refused), and one untouched for
 *   BID_UPLOAD_MAX_AGE_HOURS is abandoned: both become ABANDONED, their pieces are deleted from the blob store and
 *   their piece rows removed;
 * - the file of a bid version replaced by a later version (TBL Art. 29: the later one is the bid) is deleted from the
 *   blob store; the version row keeps its hashes, signatures and sealed identity (the record the law asks for), and
 *   gets `blob_deleted_at`.
 *
 * Each change is audited in the bid's (or upload's) own stream, sealed until the opening like every bid event. Rows
 * are taken with FOR UPDATE SKIP LOCKED (a finalisation or a piece in progress holds the upload or bid row, and is
 * left to the next run); blobs are deleted before the commit — deleting an absent object is fine, so a run that
 * fails after deleting and is retried (or a job that fires twice) repeats nothing harmful, and a row is marked only
 * in the transaction that deleted its objects. The next run is planned in the same transaction under a fresh
 * subject id (one PENDING event per kind and subject).
 */
@Injectable()
export class BidBlobHygieneService implements OnApplicationBootstrap {
  private readonly logger = new Logger(BidBlobHygieneService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly scheduler: SchedulerService,
    private readonly blobs: BlobStore,
    private readonly audit: AuditService,
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
    private readonly uploads: BidUploadsRepository,
    private readonly bids: BidsRepository,
  ) {}

  /** The timed event: one run, and the next planned (at once when a batch was full, else one interval later). */
  @OnTimedEvent(ScheduledEventKind.BidBlobHygiene)
  async onBidBlobHygiene(m: EntityManager): Promise<void> {
    const r = await this.runOnce(m);
    await this.planNext(m, r.more ? 1_000 : this.config.bidBlobHygieneIntervalMs);
  }

  /** Worker processes make sure one run is planned (idempotent: several processes starting at once plan one). */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runWorkers) return;
    await this.ensurePlanned().catch((e) => this.logger.warn(`planning the bid blob hygiene failed: ${(e as Error).message}`));
  }

  /** Plans a run in `delayMs` (default: one interval) unless one is pending. Returns whether it planned one. */
  async ensurePlanned(delayMs = this.config.bidBlobHygieneIntervalMs): Promise<boolean> {
    return this.tx.run(async (m) => {
      await this.uploads.lockHygienePlanning(m);
      if (await this.uploads.hygienePlanned(m, ScheduledEventKind.BidBlobHygiene)) return false;
      await this.planNext(m, delayMs);
      return true;
    });
  }

  private async planNext(m: EntityManager, delayMs: number): Promise<void> {
    const at = await this.uploads.clockIn(m, delayMs);
    await this.scheduler.plan(m, { kind: ScheduledEventKind.BidBlobHygiene, subjectId: this.crypto.uuid(), runAt: at });
  }

  /** One run, in the caller's transaction (the scheduler's; tests call it directly). */
  async runOnce(m: EntityManager): Promise<BlobHygieneRun> {
    const out: BlobHygieneRun = { abandoned: { deadlinePassed: 0, expired: 0 }, supersededFiles: 0, blobsDeleted: 0, more: false };
    const uploads = await this.abandonUploads(m, out);
    const versions = await this.deleteSupersededFiles(m, out);
    out.more = uploads === BLOB_HYGIENE_BATCH || versions === BLOB_HYGIENE_BATCH;
    const n = out.abandoned.deadlinePassed + out.abandoned.expired;
    if (n || out.supersededFiles) {
      this.logger.log(`bid blob hygiene: ${n} abandoned upload(s), ${out.supersededFiles} replaced file(s), ${out.blobsDeleted} object(s) deleted`);
    }
    return out;
  }

  /** Uploads past their tender's deadline or too old become ABANDONED, their pieces deleted. Returns how many were taken. */
  private async abandonUploads(m: EntityManager, out: BlobHygieneRun): Promise<number> {
    const uploads = await this.uploads.abandonableForUpdate(m, this.config.bidUploadMaxAgeHours, BLOB_HYGIENE_BATCH);
    for (const u of uploads) {
      const reason = u.deadlinePassed ? 'DEADLINE_PASSED' : 'EXPIRED';
      const pieces = await this.deletePieces(m, u.id);
      out.blobsDeleted += pieces;
      await this.uploads.deletePieces(m, u.id);
      await this.uploads.markAbandoned(m, u.id, reason);
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'BID_UPLOAD_ABANDONED',
        objectType: 'bid_upload',
        objectId: u.id,
        ...bidAuditScope(u.tenderId, u.id),
        data: { uploadId: u.id, reason, receivedBytes: u.receivedBytes, ciphertextHash: u.ciphertextHash, blobsDeleted: pieces },
      });
      if (reason === 'DEADLINE_PASSED') out.abandoned.deadlinePassed++;
      else out.abandoned.expired++;
    }
    return uploads.length;
  }

  /** A version's file is superseded once the bid's current file is another (a later v2 upload, or a v1 bid). Returns how many were taken. */
  private async deleteSupersededFiles(m: EntityManager, out: BlobHygieneRun): Promise<number> {
    const versions = await this.bids.supersededFilesForUpdate(m, BLOB_HYGIENE_BATCH);
    for (const v of versions) {
      const uploadId = UPLOAD_KEY.exec(v.blobKey)?.[1];
      const pieces = uploadId ? await this.deletePieces(m, uploadId) : 0;
      out.blobsDeleted += pieces;
      if (uploadId) {
        await this.uploads.deletePieces(m, uploadId);
        await this.uploads.markBlobsDeleted(m, uploadId);
      }
      await this.bids.markVersionFileDeleted(m, v.bidId, v.version);
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'BID_VERSION_FILE_DELETED',
        objectType: 'bid',
        objectId: v.bidId,
        ...bidAuditScope(v.tenderId, v.bidId),
        // The hash stays in bid_versions and in the BID_SUBMITTED event of that version: the record, not the file.
        data: { bidId: v.bidId, version: v.version, replacedBy: v.currentVersion, ciphertextHash: v.ciphertextSha256, blobsDeleted: pieces },
      });
      out.supersededFiles++;
    }
    return versions.length;
  }

  /** Deletes an upload's pieces from the blob store (absent ones are fine); the rows stay to the caller. */
  private async deletePieces(m: EntityManager, uploadId: string): Promise<number> {
    const keys = await this.uploads.pieceKeys(m, uploadId);
    for (const key of keys) await this.blobs.delete(key);
    return keys.length;
  }
}
