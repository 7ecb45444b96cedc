import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TenderDocumentEntity } from './tender-document.entity';

/** Who obtained the documents, as stored: in clear, or sealed until the deadline (issue 17). */
export interface DownloadRow {
  id: string;
  userId: string | null;
  organizationId: string | null;
  /** Legacy rows: the user to notify of an amendment or a cancellation, sealed in the platform tier (EB20 Art. 22). */
  recipientSealed: string | null;
  /** The user and organisation to notify, sealed to the tender's identity key (operator tier, issue 17). */
  recipientIdentitySealed: string | null;
  /** The notice blind indexes of that user and organisation (NoticeRecipientSealer), to address its notices. */
  recipientUserBlindIndex: string | null;
  recipientOrgBlindIndex: string | null;
}

/** What a sealed download stores: who, to the identity key; and the downloader to notify, as the notices need it. */
export interface DownloadSeals {
  sealedIdentity: string;
  recipientIdentitySealed: string | null;
  recipientUserBlindIndex: string | null;
  recipientOrgBlindIndex: string | null;
}

export interface SealedDownloadRow {
  id: string;
  sealedIdentity: string;
}

/** One line of the supervisors' list. */
export interface DownloadListRow {
  documentId: string;
  name: string;
  version: number;
  userId: string | null;
  organizationId: string | null;
  organizationName: string | null;
  ip: string | null;
  downloadedAt: Date;
}

/**
 * Owns `tender_documents` and `tender_document_downloads`. One statement is a read model over another module's table,
 * declared as such: `downloadList` (organizations, for the downloader's name). Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class TenderDocumentsRepository {
  /** The next version number of a file of the tender. */
  async nextVersion(m: EntityManager, tenderId: string, name: string): Promise<number> {
    const [{ v }]: Array<{ v: number }> = await m.query(`SELECT coalesce(max(version), 0)::int + 1 AS v FROM tender_documents WHERE tender_id = $1 AND name = $2`, [
      tenderId,
      name,
    ]);
    return v;
  }

  /** A document with its content (the listing never loads it). */
  async withContent(m: EntityManager, tenderId: string, documentId: string): Promise<TenderDocumentEntity | null> {
    return m.createQueryBuilder(TenderDocumentEntity, 'd').addSelect('d.content').where('d.id = :documentId AND d.tender_id = :tenderId', { documentId, tenderId }).getOne();
  }

  async count(m: EntityManager, tenderId: string): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM tender_documents WHERE tender_id = $1`, [tenderId]);
    return n;
  }

  /** A download whose downloader is sealed: the row first (its id is in the seal's AAD), the seals after. */
  async insertSealedDownload(m: EntityManager, tenderId: string, documentId: string): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO tender_document_downloads (tender_id, document_id, user_id, organization_id, ip, sealed_identity)
           VALUES ($1, $2, NULL, NULL, NULL, '') RETURNING id`,
      [tenderId, documentId],
    );
    return row.id;
  }

  async sealDownload(m: EntityManager, downloadId: string, seals: DownloadSeals): Promise<void> {
    await m.query(
      `UPDATE tender_document_downloads SET sealed_identity = $2, recipient_identity_sealed = $3, recipient_user_blind_index = $4, recipient_org_blind_index = $5
       WHERE id = $1`,
      [downloadId, seals.sealedIdentity, seals.recipientIdentitySealed, seals.recipientUserBlindIndex, seals.recipientOrgBlindIndex],
    );
  }

  async insertClearDownload(m: EntityManager, d: { tenderId: string; documentId: string; userId: string | null; organizationId: string | null; ip: string }): Promise<void> {
    await m.query(`INSERT INTO tender_document_downloads (tender_id, document_id, user_id, organization_id, ip) VALUES ($1, $2, $3, $4, $5)`, [
      d.tenderId,
      d.documentId,
      d.userId,
      d.organizationId,
      d.ip,
    ]);
  }

  async countDownloads(m: EntityManager, tenderId: string): Promise<number> {
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total FROM tender_document_downloads WHERE tender_id = $1`, [tenderId]);
    return total;
  }

  /** Read model (organizations): a page of who downloaded, with the downloader's organisation name. */
  async downloadList(m: EntityManager, tenderId: string, page: number, pageSize: number): Promise<DownloadListRow[]> {
    const rows: Array<{
      document_id: string;
      name: string;
      version: number;
      user_id: string | null;
      organization_id: string | null;
      organization_name: string | null;
      ip: string | null;
      downloaded_at: Date;
    }> = await m.query(
      `SELECT dl.document_id, d.name, d.version, dl.user_id, dl.organization_id, o.name AS organization_name, dl.ip, dl.downloaded_at
         FROM tender_document_downloads dl
         JOIN tender_documents d ON d.id = dl.document_id
         LEFT JOIN organizations o ON o.id = dl.organization_id
         WHERE dl.tender_id = $1 ORDER BY dl.id LIMIT $2 OFFSET $3`,
      [tenderId, pageSize, (page - 1) * pageSize],
    );
    return rows.map((r) => ({
      documentId: r.document_id,
      name: r.name,
      version: r.version,
      userId: r.user_id,
      organizationId: r.organization_id,
      organizationName: r.organization_name,
      ip: r.ip,
      downloadedAt: new Date(r.downloaded_at),
    }));
  }

  /** The registered downloaders of a tender: in clear, or with the recipient sealed (identity key, or legacy platform tier). */
  async registeredDownloads(m: EntityManager, tenderId: string): Promise<DownloadRow[]> {
    const rows: Array<{
      id: string;
      user_id: string | null;
      organization_id: string | null;
      recipient_sealed: string | null;
      recipient_identity_sealed: string | null;
      recipient_user_blind_index: string | null;
      recipient_org_blind_index: string | null;
    }> = await m.query(
      `SELECT id, user_id, organization_id, recipient_sealed, recipient_identity_sealed, recipient_user_blind_index, recipient_org_blind_index
         FROM tender_document_downloads
       WHERE tender_id = $1 AND (user_id IS NOT NULL OR recipient_sealed IS NOT NULL OR recipient_identity_sealed IS NOT NULL)`,
      [tenderId],
    );
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      organizationId: r.organization_id,
      recipientSealed: r.recipient_sealed,
      recipientIdentitySealed: r.recipient_identity_sealed,
      recipientUserBlindIndex: r.recipient_user_blind_index,
      recipientOrgBlindIndex: r.recipient_org_blind_index,
    }));
  }

  /** The downloads still sealed, locked (the deadline's unsealing, or the supervisors' list right after it). */
  async sealedDownloads(m: EntityManager, tenderId: string): Promise<SealedDownloadRow[]> {
    const rows: Array<{ id: string; sealed_identity: string }> = await m.query(
      `SELECT id, sealed_identity FROM tender_document_downloads WHERE tender_id = $1 AND ip IS NULL AND sealed_identity IS NOT NULL FOR UPDATE`,
      [tenderId],
    );
    return rows.map((r) => ({ id: r.id, sealedIdentity: r.sealed_identity }));
  }

  async unsealDownload(m: EntityManager, downloadId: string, who: { userId: string | null; organizationId: string | null; ip: string }): Promise<void> {
    await m.query(`UPDATE tender_document_downloads SET user_id = $2, organization_id = $3, ip = $4 WHERE id = $1`, [downloadId, who.userId, who.organizationId, who.ip]);
  }
}
