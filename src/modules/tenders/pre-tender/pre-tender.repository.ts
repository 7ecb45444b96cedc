import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export type PendingApprovalStatus = 'PENDING' | 'SUPPLIED' | 'ACCEPTED' | 'OVERDUE';

/** One pending item (承诺事项) of a pre-tender (容缺预招标), without the supplied document's content. */
export interface PendingApprovalRow {
  id: string;
  tenderId: string;
  position: number;
  kind: string;
  name: string;
  dueAt: Date;
  status: PendingApprovalStatus;
  documentNo: string | null;
  suppliedDocumentName: string | null;
  suppliedDocumentSha256: string | null;
  suppliedAt: Date | null;
  acceptedAt: Date | null;
  rejectionReason: string | null;
  rejectedAt: Date | null;
}

/** The pledge (承诺书) of a pre-tender: its file's name and hash. */
export interface PreTenderPledgeRow {
  tenderId: string;
  documentName: string;
  sha256: string;
}

interface PendingApprovalRecord {
  id: string;
  tender_id: string;
  position: number;
  kind: string;
  name: string;
  due_at: Date;
  status: PendingApprovalStatus;
  document_no: string | null;
  supplied_document_name: string | null;
  supplied_document_sha256: string | null;
  supplied_at: Date | null;
  accepted_at: Date | null;
  rejection_reason: string | null;
  rejected_at: Date | null;
}

const toRow = (r: PendingApprovalRecord): PendingApprovalRow => ({
  id: r.id,
  tenderId: r.tender_id,
  position: r.position,
  kind: r.kind,
  name: r.name,
  dueAt: r.due_at,
  status: r.status,
  documentNo: r.document_no ?? null,
  suppliedDocumentName: r.supplied_document_name ?? null,
  suppliedDocumentSha256: r.supplied_document_sha256 ?? null,
  suppliedAt: r.supplied_at ?? null,
  acceptedAt: r.accepted_at ?? null,
  rejectionReason: r.rejection_reason ?? null,
  rejectedAt: r.rejected_at ?? null,
});

/** What a supplied item records: the approval document and who supplied it when. */
export interface SuppliedApproval {
  documentNo: string | null;
  documentName: string;
  content: Buffer;
  sha256: string;
  suppliedAt: Date;
  suppliedBy: string;
}

/**
 * Owns `tender_pre_tender_pledges` and `tender_pending_approvals` (容缺预招标). Every method takes the caller's
 * EntityManager (its transaction); the clock is the database's.
 */
@Injectable()
export class PreTenderRepository {
  /** Stores the pledge of a drafted pre-tender. */
  async insertPledge(m: EntityManager, tenderId: string, documentName: string, content: Buffer, sha256: string): Promise<void> {
    await m.query(`INSERT INTO tender_pre_tender_pledges (tender_id, document_name, content, sha256) VALUES ($1, $2, $3, $4)`, [tenderId, documentName, content, sha256]);
  }

  /** Adds a pending item (PENDING) at this position. */
  async insertItem(m: EntityManager, tenderId: string, position: number, item: { kind: string; name: string; dueAt: Date }): Promise<void> {
    await m.query(`INSERT INTO tender_pending_approvals (tender_id, position, kind, name, due_at) VALUES ($1, $2, $3, $4, $5)`, [
      tenderId,
      position,
      item.kind,
      item.name,
      item.dueAt,
    ]);
  }

  /** The pledges of these tenders (only pre-tenders have one). */
  async pledgesOf(m: EntityManager, tenderIds: string[]): Promise<PreTenderPledgeRow[]> {
    const rows: Array<{ tender_id: string; document_name: string; sha256: string }> = await m.query(
      `SELECT tender_id, document_name, sha256 FROM tender_pre_tender_pledges WHERE tender_id = ANY($1::uuid[])`,
      [tenderIds],
    );
    return rows.map((p) => ({ tenderId: p.tender_id, documentName: p.document_name, sha256: p.sha256 }));
  }

  /** The items of these tenders, by tender then position. */
  async itemsOfTenders(m: EntityManager, tenderIds: string[]): Promise<PendingApprovalRow[]> {
    const rows: PendingApprovalRecord[] = await m.query(
      `SELECT id, tender_id, position, kind, name, due_at, status, document_no, supplied_document_name, supplied_document_sha256, supplied_at,
            accepted_at, rejection_reason, rejected_at
     FROM tender_pending_approvals WHERE tender_id = ANY($1::uuid[]) ORDER BY tender_id, position`,
      [tenderIds],
    );
    return rows.map(toRow);
  }

  /** The items of one tender, by position. */
  async itemsOf(m: EntityManager, tenderId: string): Promise<PendingApprovalRow[]> {
    const rows: PendingApprovalRecord[] = await m.query(`SELECT * FROM tender_pending_approvals WHERE tender_id = $1 ORDER BY position`, [tenderId]);
    return rows.map(toRow);
  }

  async item(m: EntityManager, itemId: string): Promise<PendingApprovalRow | null> {
    const [row]: PendingApprovalRecord[] = await m.query(`SELECT * FROM tender_pending_approvals WHERE id = $1`, [itemId]);
    return row ? toRow(row) : null;
  }

  /** Locks an item of this tender (FOR UPDATE); null when the tender has no such item. */
  async lockItemOf(m: EntityManager, tenderId: string, itemId: string): Promise<PendingApprovalRow | null> {
    const [item]: PendingApprovalRecord[] = await m.query(`SELECT * FROM tender_pending_approvals WHERE id = $1 AND tender_id = $2 FOR UPDATE`, [itemId, tenderId]);
    return item ? toRow(item) : null;
  }

  /** Locks an item by its id alone (FOR UPDATE), as its due event does. */
  async lockItem(m: EntityManager, itemId: string): Promise<PendingApprovalRow | null> {
    const [item]: PendingApprovalRecord[] = await m.query(`SELECT * FROM tender_pending_approvals WHERE id = $1 FOR UPDATE`, [itemId]);
    return item ? toRow(item) : null;
  }

  /** Whether an item's date has come (due) and the database clock now. */
  async clockAgainst(m: EntityManager, dueAt: Date): Promise<{ late: boolean; now: Date }> {
    const [{ late, now }]: Array<{ late: boolean; now: Date }> = await m.query(`SELECT clock_timestamp() >= $1::timestamptz AS late, clock_timestamp() AS now`, [dueAt]);
    return { late, now };
  }

  /** Whether the item's date has come, by the database clock (at the date: late). */
  async isLate(m: EntityManager, dueAt: Date): Promise<boolean> {
    const [{ late }]: Array<{ late: boolean }> = await m.query(`SELECT clock_timestamp() >= $1::timestamptz AS late`, [dueAt]);
    return late;
  }

  /** Whether the item's date has come, as its due event checks it. */
  async isDue(m: EntityManager, dueAt: Date): Promise<boolean> {
    const [{ due }]: Array<{ due: boolean }> = await m.query(`SELECT $1::timestamptz <= clock_timestamp() AS due`, [dueAt]);
    return due;
  }

  /** PENDING → SUPPLIED with the approval document. */
  async markSupplied(m: EntityManager, itemId: string, s: SuppliedApproval): Promise<void> {
    await m.query(
      `UPDATE tender_pending_approvals SET status = 'SUPPLIED', document_no = $2, supplied_document_name = $3, supplied_document = $4,
                supplied_document_sha256 = $5, supplied_at = $6, supplied_by = $7, version = version + 1 WHERE id = $1`,
      [itemId, s.documentNo, s.documentName, s.content, s.sha256, s.suppliedAt, s.suppliedBy],
    );
  }

  /** SUPPLIED → ACCEPTED by the supervisor, now (database clock). */
  async markAccepted(m: EntityManager, itemId: string, acceptedBy: string): Promise<void> {
    await m.query(`UPDATE tender_pending_approvals SET status = 'ACCEPTED', accepted_at = clock_timestamp(), accepted_by = $2, version = version + 1 WHERE id = $1`, [
      itemId,
      acceptedBy,
    ]);
  }

  /** SUPPLIED → PENDING (or OVERDUE when late) with the reason; the supplied document is dropped. */
  async markRejected(m: EntityManager, itemId: string, status: 'PENDING' | 'OVERDUE', reason: string): Promise<void> {
    await m.query(
      `UPDATE tender_pending_approvals SET status = $2, rejection_reason = $3, rejected_at = clock_timestamp(), supplied_document = NULL,
                supplied_document_sha256 = NULL, supplied_document_name = NULL, document_no = NULL, supplied_at = NULL, version = version + 1 WHERE id = $1`,
      [itemId, status, reason],
    );
  }

  /** PENDING → OVERDUE at its date. */
  async markOverdue(m: EntityManager, itemId: string): Promise<void> {
    await m.query(`UPDATE tender_pending_approvals SET status = 'OVERDUE', version = version + 1 WHERE id = $1`, [itemId]);
  }
}
