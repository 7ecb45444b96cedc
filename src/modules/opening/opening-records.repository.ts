import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BidStatus, DecryptedBy } from '../bids/bid.enums';
import { TenderStatus } from '../tenders/tender.enums';
import type { OpeningRecord } from './opening-record';

/** The stored opening record of a tender (one per tender). */
export interface OpeningRecordRow {
  record: OpeningRecord;
  recordSha256: string;
  /** Null when not rendered yet, or not read (see `find`). */
  pdf: Buffer | null;
  pdfSha256: string | null;
}

export interface StoredOpeningRecordRow extends OpeningRecordRow {
  createdAt: Date;
}

/** An opened bid as the opening record lists it, with its bidder's name and USCC. */
export interface RecordBidRow {
  id: string;
  bidderOrganizationId: string;
  name: string;
  uscc: string;
  version: number;
  receivedAt: Date;
  ciphertextSha256: string;
  status: BidStatus;
  price: string | null;
  durationDays: number | null;
  decryptedBy: DecryptedBy | null;
  statusReason: string | null;
  attachments: Array<{ name: string; sha256: string; size: number }> | null;
  lotNo: number;
  /** The tender has lots (标段). */
  hasLots: boolean;
}

/** An objection at the opening as the record lists it, with the objecting bidder's name. */
export interface RecordObjectionRow {
  id: string;
  organizationId: string;
  name: string;
  text: string;
  raisedAt: Date;
  status: 'PENDING' | 'ANSWERED';
  answer: string | null;
  answeredAt: Date | null;
}

/** What the opening hall shows of a tender: its opening's times, whether its record is made, and the database clock. */
export interface HallTenderRow {
  title: string;
  status: TenderStatus;
  procuringEntityId: string;
  bidDeadline: Date;
  openedAt: Date | null;
  decryptionMode: string;
  decryptionWindowEndsAt: Date | null;
  windowClosedAt: Date | null;
  serverTime: Date;
}

/**
 * Owns `opening_records` (开标记录) and `decryption_attempts`. Its reads of other modules' tables are declared read
 * models: the record's bids (bids, organizations, tender_lots), the record's objections (organizations) and the
 * opening hall's tender (tenders). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class OpeningRecordsRepository {
  /** Stores the record once (one per tender); a second write keeps the first. Returns the stored record's hash. */
  async insertOnce(m: EntityManager, tenderId: string, record: OpeningRecord, recordSha256: string, windowClosedAt: Date): Promise<string> {
    const rows: Array<{ record_sha256: string }> = await m.query(
      `INSERT INTO opening_records (tender_id, record, record_sha256, window_closed_at, created_at)
       VALUES ($1, $2, $3, $4, clock_timestamp())
       ON CONFLICT (tender_id) DO UPDATE SET tender_id = opening_records.tender_id
       RETURNING record_sha256`,
      [tenderId, JSON.stringify(record), recordSha256, windowClosedAt],
    );
    return rows[0].record_sha256;
  }

  /** Locks the tender's record with its PDF (FOR UPDATE); null when there is none yet. */
  async lockWithPdf(m: EntityManager, tenderId: string): Promise<OpeningRecordRow | null> {
    const rows: Array<{ record: OpeningRecord; record_sha256: string; pdf: Buffer | null; pdf_sha256: string | null }> = await m.query(
      `SELECT record, record_sha256, pdf, pdf_sha256 FROM opening_records WHERE tender_id = $1 FOR UPDATE`,
      [tenderId],
    );
    const [r] = rows;
    return r ? { record: r.record, recordSha256: r.record_sha256, pdf: r.pdf, pdfSha256: r.pdf_sha256 } : null;
  }

  async savePdf(m: EntityManager, tenderId: string, pdf: { content: Buffer; sha256: string }): Promise<void> {
    await m.query(`UPDATE opening_records SET pdf = $2, pdf_sha256 = $3 WHERE tender_id = $1`, [tenderId, pdf.content, pdf.sha256]);
  }

  /** The tender's record (its PDF only when `withPdf`: it can be large); null when there is none yet. */
  async find(m: EntityManager, tenderId: string, withPdf: boolean): Promise<StoredOpeningRecordRow | null> {
    const rows: Array<{ record: OpeningRecord; record_sha256: string; pdf: Buffer | null; pdf_sha256: string | null; created_at: Date }> = await m.query(
      `SELECT record, record_sha256, ${withPdf ? 'pdf' : 'NULL AS pdf'}, pdf_sha256, created_at FROM opening_records WHERE tender_id = $1`,
      [tenderId],
    );
    const [r] = rows;
    return r ? { record: r.record, recordSha256: r.record_sha256, pdf: r.pdf, pdfSha256: r.pdf_sha256, createdAt: r.created_at } : null;
  }

  /** Whether the tender's record is made (the opening is over). */
  async exists(m: EntityManager, tenderId: string): Promise<boolean> {
    const [rec]: unknown[] = await m.query(`SELECT 1 FROM opening_records WHERE tender_id = $1`, [tenderId]);
    return !!rec;
  }

  /** Read model (bids, organizations, tender_lots): the tender's opened bids in order of receipt, with their bidders. */
  async recordBids(m: EntityManager, tenderId: string): Promise<RecordBidRow[]> {
    const rows: Array<{
      id: string;
      bidder_organization_id: string;
      name: string;
      uscc: string;
      version: number;
      received_at: Date;
      ciphertext_sha256: string;
      status: BidStatus;
      price: string | null;
      duration_days: number | null;
      decrypted_by: DecryptedBy | null;
      status_reason: string | null;
      attachments: Array<{ name: string; sha256: string; size: number }> | null;
      lot_no: number;
      has_lots: boolean;
    }> = await m.query(
      `SELECT b.id, b.bidder_organization_id, o.name, o.uscc, b.version, b.received_at, b.ciphertext_sha256, b.status,
              b.price, b.duration_days, b.decrypted_by, b.status_reason, b.attachments, b.lot_no,
              EXISTS (SELECT 1 FROM tender_lots l WHERE l.tender_id = b.tender_id) AS has_lots
       FROM bids b JOIN organizations o ON o.id = b.bidder_organization_id
       WHERE b.tender_id = $1 AND b.opened_at IS NOT NULL
       ORDER BY b.received_at, b.id`,
      [tenderId],
    );
    return rows.map((r) => ({
      id: r.id,
      bidderOrganizationId: r.bidder_organization_id,
      name: r.name,
      uscc: r.uscc,
      version: r.version,
      receivedAt: r.received_at,
      ciphertextSha256: r.ciphertext_sha256,
      status: r.status,
      price: r.price,
      durationDays: r.duration_days,
      decryptedBy: r.decrypted_by,
      statusReason: r.status_reason,
      attachments: r.attachments,
      lotNo: r.lot_no,
      hasLots: r.has_lots,
    }));
  }

  /** Read model (organizations): the tender's objections at the opening in order, with the objectors' names. */
  async recordObjections(m: EntityManager, tenderId: string): Promise<RecordObjectionRow[]> {
    const rows: Array<{
      id: string;
      organization_id: string;
      name: string;
      text: string;
      raised_at: Date;
      status: 'PENDING' | 'ANSWERED';
      answer: string | null;
      answered_at: Date | null;
    }> = await m.query(
      `SELECT x.id, x.organization_id, o.name, x.text, x.raised_at, x.status, x.answer, x.answered_at
       FROM opening_objections x JOIN organizations o ON o.id = x.organization_id WHERE x.tender_id = $1 ORDER BY x.raised_at, x.id`,
      [tenderId],
    );
    return rows.map((r) => ({
      id: r.id,
      organizationId: r.organization_id,
      name: r.name,
      text: r.text,
      raisedAt: r.raised_at,
      status: r.status,
      answer: r.answer,
      answeredAt: r.answered_at,
    }));
  }

  /** Read model (tenders): the tender as the opening hall shows it, with its record's closing time and the database clock. */
  async hallTender(m: EntityManager, tenderId: string): Promise<HallTenderRow | null> {
    const tenders: Array<{
      title: string;
      status: TenderStatus;
      procuring_entity_id: string;
      bid_deadline: Date;
      opened_at: Date | null;
      decryption_mode: string;
      decryption_window_ends_at: Date | null;
      window_closed_at: Date | null;
      server_time: Date;
    }> = await m.query(
      `SELECT t.title, t.status, t.procuring_entity_id, t.bid_deadline, t.opened_at, t.decryption_mode,
              t.decryption_window_ends_at, r.window_closed_at, clock_timestamp() AS server_time
       FROM tenders t LEFT JOIN opening_records r ON r.tender_id = t.id
       WHERE t.id = $1`,
      [tenderId],
    );
    const [t] = tenders;
    return t
      ? {
          title: t.title,
          status: t.status,
          procuringEntityId: t.procuring_entity_id,
          bidDeadline: t.bid_deadline,
          openedAt: t.opened_at,
          decryptionMode: t.decryption_mode,
          decryptionWindowEndsAt: t.decryption_window_ends_at,
          windowClosedAt: t.window_closed_at,
          serverTime: t.server_time,
        }
      : null;
  }

  /** Records a bidder's decryption attempt (EB20 Art. 30) and its outcome. */
  async insertBidderAttempt(m: EntityManager, a: { bidId: string; tenderId: string; outcome: string; actorId: string; ip: string }): Promise<void> {
    await m.query(`INSERT INTO decryption_attempts (bid_id, tender_id, method, outcome, actor_id, ip) VALUES ($1, $2, 'BIDDER', $3, $4, $5)`, [
      a.bidId,
      a.tenderId,
      a.outcome,
      a.actorId,
      a.ip,
    ]);
  }

  /** Records the platform's escrow attempts at the window's close, one row per bid, in one statement. */
  async insertEscrowAttempts(m: EntityManager, tenderId: string, attempts: Array<{ bidId: string; outcome: string }>): Promise<void> {
    await m.query(
      `INSERT INTO decryption_attempts (bid_id, tender_id, method, outcome, actor_id)
         SELECT id, $1, 'ESCROW', outcome, 'system' FROM unnest($2::uuid[], $3::text[]) AS v(id, outcome)`,
      [tenderId, attempts.map((o) => o.bidId), attempts.map((o) => o.outcome)],
    );
  }
}
