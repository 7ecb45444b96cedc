import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { Page } from 'src/common/http/page-query.dto';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { IdentityKeyService } from '../custody/identity-key.service';
import { NoticeRecipientSealer, PreSealedRecipient } from '../notifications/notice-recipient-sealer';
import { DocumentUploadDto } from './dto/document.dto';
import { TenderDocumentEntity } from './tender-document.entity';
import { TenderDocumentsRepository } from './tender-documents.repository';
import { TenderEntity } from './tender.entity';
import { TenderStatus } from './tender.enums';
import { TenderException } from './tender.exception';
import { TendersService } from './tenders.service';
import { DomainEventMap, HandlerOrder, OnEvent } from 'src/common/events/domain-events';

/**
 * A party to notify of an amendment or a cancellation (EB20 Art. 22): named in clear, or — before the deadline of a
 * tender that seals identities — only as a recipient sealed to the identity key, which the notices store as is.
 * `key` tells one recipient from another (for the dedupe key): `user-<id>` in clear, `recipient-<blind index>` sealed.
 */
export interface DownloadRecipient {
  key: string;
  userId: string | null;
  organizationId: string | null;
  sealedRecipient?: PreSealedRecipient;
}

export const MAX_DOCUMENT_BYTES = 15 * 1024 * 1024;

export interface TenderDocumentView {
  id: string;
  name: string;
  version: number;
  /** The latest version of this name: the one in force. */
  current: boolean;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  amendmentId: string | null;
  uploadedAt: string;
}

export interface DownloadedDocument {
  name: string;
  contentType: string;
  sha256: string;
  content: Buffer;
}

/**
 * The tender documents (招标文件): versioned files with their SHA-256, downloadable by anyone without registration
 * (EB20 Art. 20; O1117 (三): no 报名 before download). Who downloaded is recorded (user, organisation or IP) and
 * secret: only supervisors read the list, and nothing else reveals it or its size (TBL Art. 22; EB20 Art. 21).
 */
const DOWNLOAD_RECIPIENT = 'document-download-recipient';
const downloadAad = (tenderId: string, downloadId: string) => `document-download|${tenderId}|${downloadId}`;

@Injectable()
export class TenderDocumentsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tenders: TendersService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly identityKeys: IdentityKeyService,
    private readonly repo: TenderDocumentsRepository,
    private readonly noticeSealer: NoticeRecipientSealer,
  ) {}

  /** Sealed identities (issue 17): who downloaded is unsealed at the deadline, with the bids' identities. */
  /** A tender that ended before its deadline: opened at that deadline all the same (EndedTenderUnsealing). */
  @OnEvent('SealedIdentitiesDue', { order: HandlerOrder.UNSEAL })
  async onSealedIdentitiesDue(m: EntityManager, { tenderId }: DomainEventMap['SealedIdentitiesDue']): Promise<void> {
    await this.unsealDownloads(m, tenderId);
  }

  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.unsealDownloads(m, tenderId);
  }

  /** POST /tenders/{id}/documents: while DRAFT only; after publication documents change through amendments. */
  async upload(tenderId: string, dto: DocumentUploadDto, actor: Actor): Promise<TenderDocumentView> {
    return this.tx.run(async (m) => {
      const tender = await this.tenders.lockForOwner(m, tenderId, actor);
      if (tender.status !== TenderStatus.DRAFT) {
        throw TenderException.conflict('After publication the documents change only through an amendment (TBR Art. 21): POST /tenders/{id}/amendments');
      }
      const doc = await this.store(m, tender, dto, actor, null);
      return this.toView(doc, true);
    });
  }

  /** Stores the next version of a file (used by upload and by amendments, inside their transaction). */
  async store(m: EntityManager, tender: TenderEntity, dto: DocumentUploadDto, actor: Actor, amendmentId: string | null): Promise<TenderDocumentEntity> {
    const content = decodeContent(dto.contentBase64);
    const v = await this.repo.nextVersion(m, tender.id, dto.name);
    const sha256 = this.crypto.sha256Hex(content);
    const doc = await m.save(
      TenderDocumentEntity,
      m.create(TenderDocumentEntity, {
        tenderId: tender.id,
        name: dto.name,
        version: v,
        contentType: dto.contentType ?? 'application/octet-stream',
        sizeBytes: content.length,
        sha256,
        content,
        amendmentId,
        uploadedBy: actor.userId,
        uploadedAt: await this.tx.now(m),
      }),
    );
    await this.audit.append(m, {
      actor,
      action: 'TENDER_DOCUMENT_UPLOADED',
      objectType: 'tender_document',
      objectId: doc.id,
      tenderId: tender.id,
      data: { name: doc.name, version: doc.version, sha256, sizeBytes: doc.sizeBytes, amendmentId },
    });
    return doc;
  }

  /** GET /tenders/{id}/documents: every version, the current ones marked. */
  async list(tenderId: string, actor: Actor | null): Promise<{ items: TenderDocumentView[] }> {
    await this.tenders.findVisible(this.tx.manager, tenderId, actor);
    const docs = await this.tx.manager.find(TenderDocumentEntity, { where: { tenderId }, order: { name: 'ASC', version: 'DESC' } });
    const latest = new Map<string, number>();
    for (const d of docs) latest.set(d.name, Math.max(latest.get(d.name) ?? 0, d.version));
    return { items: docs.map((d) => this.toView(d, latest.get(d.name) === d.version)) };
  }

  /** GET /tenders/{id}/documents/{documentId}/content: anyone, recorded secretly (who, or the IP). */
  async download(tenderId: string, documentId: string, actor: Actor | null, ip: string): Promise<DownloadedDocument> {
    return this.tx.run(async (m) => {
      await this.tenders.findVisible(m, tenderId, actor);
      const doc = await this.repo.withContent(m, tenderId, documentId);
      if (!doc) throw new NotFoundException('The document');
      await this.recordDownload(m, tenderId, doc.id, { userId: actor?.userId ?? null, organizationId: actor?.organizationId ?? null, ip: ip || 'unknown' });
      return { name: doc.name, contentType: doc.contentType, sha256: doc.sha256, content: doc.content };
    });
  }

  /**
   * Before the deadline who downloaded is sealed to the tender's identity key (issue 17; TBL Art. 22), and so is the
   * user to notify of an amendment (EB20 Art. 22), with its notice blind indexes: the notices reach its inbox without
   * the platform being able to name it (operator tier).
   */
  private async recordDownload(m: EntityManager, tenderId: string, documentId: string, who: { userId: string | null; organizationId: string | null; ip: string }) {
    const pub = (await this.identityKeys.sealsIdentities(m, tenderId)) ? await this.identityKeys.publicKey(m, tenderId) : null;
    if (!pub) {
      await this.repo.insertClearDownload(m, { tenderId, documentId, ...who });
      return;
    }
    const id = await this.repo.insertSealedDownload(m, tenderId, documentId);
    const recipient = who.userId ? await this.noticeSealer.sealToIdentity(pub, tenderId, { userId: who.userId, organizationId: who.organizationId }) : null;
    await this.repo.sealDownload(m, id, {
      sealedIdentity: this.identityKeys.sealTo(Buffer.from(pub, 'base64'), who, downloadAad(tenderId, id)),
      recipientIdentitySealed: recipient?.sealed ?? null,
      recipientUserBlindIndex: recipient?.userIndex ?? null,
      recipientOrgBlindIndex: recipient?.orgIndex ?? null,
    });
  }

  /**
   * GET /tenders/{id}/document-downloads (SUPERVISOR): who obtained the documents — confidential before opening
   * (TBL Art. 22), so the read itself is audited.
   */
  async downloads(tenderId: string, actor: Actor, page: number, pageSize: number): Promise<Page<Record<string, unknown>>> {
    if (actor.role !== Role.SUPERVISOR) throw new NotFoundException('The tender');
    return this.tx.run(async (m) => {
      const tender = await m.findOneBy(TenderEntity, { id: tenderId });
      if (!tender) throw new NotFoundException('The tender');
      await this.jurisdictions.assertTenderInScope(m, actor, tenderId); // another county's tender: 404 (issue 19)
      // TBL Art. 22: the names and number of prospective bidders stay secret until the deadline — from everyone.
      const passed = (await this.tx.now(m)).getTime() >= tender.bidDeadline.getTime();
      if (!passed) throw TenderException.sealed('Who obtained the documents stays secret until the bid deadline (TBL Art. 22)');
      await this.unsealDownloads(m, tenderId); // any row written at the deadline instant, after the unsealing
      const total = await this.repo.countDownloads(m, tenderId);
      const rows = await this.repo.downloadList(m, tenderId, page, pageSize);
      await this.audit.append(m, {
        actor,
        action: 'TENDER_DOCUMENT_DOWNLOADS_READ',
        objectType: 'tender',
        objectId: tenderId,
        tenderId,
        data: { page, pageSize },
      });
      return {
        total,
        items: rows.map((r) => ({ ...r, downloadedAt: r.downloadedAt.toISOString() })),
      };
    });
  }

  /**
   * The prospective bidders to notify of an amendment: every registered user who downloaded (EB20 Art. 22) — in
   * clear, or (before the deadline) as a recipient sealed to the identity key, never opened here. A legacy row
   * (platform tier) is opened as before. One per user (the notice blind index tells the same user apart).
   */
  async downloaders(m: EntityManager, tenderId: string): Promise<DownloadRecipient[]> {
    const rows = await this.repo.registeredDownloads(m, tenderId);
    const out = new Map<string, DownloadRecipient>();
    for (const r of rows) {
      if (!r.userId && r.recipientIdentitySealed && r.recipientUserBlindIndex) {
        const sealedRecipient = { sealed: r.recipientIdentitySealed, userIndex: r.recipientUserBlindIndex, orgIndex: r.recipientOrgBlindIndex };
        if (!out.has(r.recipientUserBlindIndex))
          out.set(r.recipientUserBlindIndex, { key: `recipient-${r.recipientUserBlindIndex}`, userId: null, organizationId: null, sealedRecipient });
        continue;
      }
      const who = r.userId
        ? { userId: r.userId, organizationId: r.organizationId }
        : this.identityKeys.platformOpen<{ userId: string; organizationId: string | null }>(DOWNLOAD_RECIPIENT, r.recipientSealed!, downloadAad(tenderId, r.id));
      out.set(await this.noticeSealer.userIndex(tenderId, who.userId), { key: `user-${who.userId}`, ...who });
    }
    return [...out.values()];
  }

  /** At the deadline: who downloaded is filled in clear (identity key rebuilt from k custodians, audited). */
  async unsealDownloads(m: EntityManager, tenderId: string): Promise<number> {
    // The tender's audit stream first, then the rows (FOR UPDATE): the deadline's own unsealing holds that stream's
    // lock from its earlier events when it reaches the rows, and a supervisor's read at the same instant took the rows
    // first and then waited for the stream — a deadlock. One lock order for both.
    await this.audit.lockStream(m, tenderId);
    const rows = await this.repo.sealedDownloads(m, tenderId);
    if (!rows.length) return 0;
    await this.identityKeys.withOpener(m, tenderId, SYSTEM_ACTOR, async (open) => {
      for (const r of rows) {
        const who = open<{ userId: string | null; organizationId: string | null; ip: string }>(r.sealedIdentity, downloadAad(tenderId, r.id));
        await this.repo.unsealDownload(m, r.id, who);
      }
    });
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'DOCUMENT_DOWNLOADS_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { downloads: rows.length },
    });
    return rows.length;
  }

  async count(m: EntityManager, tenderId: string): Promise<number> {
    return this.repo.count(m, tenderId);
  }

  toView(d: TenderDocumentEntity, current: boolean): TenderDocumentView {
    return {
      id: d.id,
      name: d.name,
      version: d.version,
      current,
      contentType: d.contentType,
      sizeBytes: d.sizeBytes,
      sha256: d.sha256,
      amendmentId: d.amendmentId,
      uploadedAt: new Date(d.uploadedAt).toISOString(),
    };
  }
}

function decodeContent(b64: string): Buffer {
  const content = Buffer.from(b64, 'base64');
  if (content.length === 0) throw TenderException.invalid([{ field: 'contentBase64', errors: ['the file is empty'] }]);
  if (content.length > MAX_DOCUMENT_BYTES) {
    throw TenderException.invalid([{ field: 'contentBase64', errors: [`the file is larger than ${MAX_DOCUMENT_BYTES} bytes`] }]);
  }
  return content;
}
