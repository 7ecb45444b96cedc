import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { OpeningRecord } from '../../opening/opening-record';

/** Everything public about one published tender, read from the tables of the modules that own it. */
export interface OcdsTenderSource {
  id: string;
  transactionNo: string;
  title: string;
  description: string;
  category: string;
  regime: string;
  method: 'OPEN' | 'INVITED';
  budget: string;
  bidDeadline: Date;
  evaluationMethod: string;
  status: string;
  publishedAt: Date;
  updatedAt: Date;
  procuringEntity: { organizationId: string; name: string; uscc: string };
  amendments: Array<{ id: string; seq: number; kind: string; text: string; previousBidDeadline: Date; bidDeadline: Date; publishedAt: Date }>;
  /** Tender documents (招标文件 and later versions), public from the later of their upload and the publication. */
  documents: Array<{ id: string; name: string; version: number; contentType: string; sha256: string; amendmentId: string | null; availableAt: Date }>;
  /** The published opening record (exists once the decryption window has closed), with the bidders' USCCs. */
  opening: { record: OpeningRecord; createdAt: Date } | null;
  /** Bids the latest evaluation report rejected (read only once the result is public: an award exists). */
  rejectedBidIds: string[];
  awards: Array<{
    id: string;
    bidId: string;
    awardee: { organizationId: string; name: string; uscc: string };
    price: string;
    status: 'NOTIFIED' | 'CONTRACTED' | 'DEFAULTED';
    noticeIssuedAt: Date;
    contractSignedAt: Date | null;
    contractNo: string | null;
    contractAmount: string | null;
    contractRecordedAt: Date | null;
  }>;
}

interface TenderRow {
  id: string;
  transaction_no: string;
  title: string;
  description: string;
  category: string;
  regime: string;
  method: 'OPEN' | 'INVITED';
  budget: string;
  bid_deadline: Date;
  evaluation_method: string;
  status: string;
  published_at: Date;
  updated_at: Date;
  pe_id: string;
  pe_name: string;
  pe_uscc: string;
}

interface AmendmentRow {
  id: string;
  tender_id: string;
  seq: number;
  kind: string;
  text: string;
  previous_bid_deadline: Date;
  bid_deadline: Date;
  published_at: Date;
}

interface OpeningRow {
  tender_id: string;
  record: OpeningRecord;
  created_at: Date;
}

interface AwardRow {
  id: string;
  tender_id: string;
  bid_id: string;
  awardee_organization_id: string;
  awardee_name: string;
  uscc: string;
  price: string;
  status: 'NOTIFIED' | 'CONTRACTED' | 'DEFAULTED';
  notice_issued_at: Date;
  contract_signed_at: Date | null;
  contract_no: string | null;
  contract_amount: string | null;
  contract_recorded_at: Date | null;
}

interface DocumentRow {
  id: string;
  tender_id: string;
  name: string;
  version: number;
  content_type: string;
  sha256: string;
  amendment_id: string | null;
  available_at: Date;
}

/**
 * Read model (tenders, organizations, tender_amendments, tender_documents, opening_records, evaluation_reports,
 * awards): the open-data sources of many tenders at once (one query per table, `= ANY($1)`), so the JSON Lines export
 * of a year costs a handful of queries per batch rather than per tender. Drafts are never read. Transparency owns no
 * table.
 */
@Injectable()
export class OcdsSourceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The database's clock (transaction start), the packages' publishedDate. */
  async now(m: EntityManager): Promise<Date> {
    const [r]: Array<{ now: Date }> = await m.query(`SELECT now() AS now`);
    return new Date(r.now);
  }

  /** Read model (tenders): the published tender of a transaction number (its OCID), or null. */
  async publishedTenderIdByTransactionNo(m: EntityManager, transactionNo: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM tenders WHERE transaction_no = $1::bigint AND published_at IS NOT NULL AND status <> 'DRAFT'`, [
      transactionNo,
    ]);
    return rows.length ? rows[0].id : null;
  }

  /** Read model (tenders): the tenders published in [from, to] (北京时间 days), in order of publication. */
  async publishedTenderIdsBetween(m: EntityManager, from: string, to: string): Promise<string[]> {
    const ids: Array<{ id: string }> = await m.query(
      `SELECT id FROM tenders
       WHERE published_at >= (($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai')
         AND published_at < ((($2::date) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AND status <> 'DRAFT'
       ORDER BY published_at, id`,
      [from, to],
    );
    return ids.map((r) => r.id);
  }

  async load(tenderIds: string[], m: EntityManager = this.dataSource.manager): Promise<OcdsTenderSource[]> {
    if (!tenderIds.length) return [];
    const tenders: TenderRow[] = await m.query(
      `SELECT t.id, t.transaction_no::text AS transaction_no, t.title, t.description, t.category, t.regime, t.method, t.budget::text AS budget,
              t.bid_deadline, t.evaluation_method, t.status, t.published_at, t.updated_at,
              o.id AS pe_id, o.name AS pe_name, o.uscc AS pe_uscc
       FROM tenders t JOIN organizations o ON o.id = t.procuring_entity_id
       WHERE t.id = ANY($1::uuid[]) AND t.published_at IS NOT NULL AND t.status <> 'DRAFT'
       ORDER BY t.published_at, t.id`,
      [tenderIds],
    );
    const ids = tenders.map((t) => t.id);
    if (!ids.length) return [];
    const [amendments, openings, awards, reports, documents] = await Promise.all([
      m.query(
        `SELECT id, tender_id, seq, kind, text, previous_bid_deadline, bid_deadline, published_at FROM tender_amendments
         WHERE tender_id = ANY($1::uuid[]) ORDER BY tender_id, seq`,
        [ids],
      ) as Promise<AmendmentRow[]>,
      m.query(`SELECT tender_id, record, created_at FROM opening_records WHERE tender_id = ANY($1::uuid[])`, [ids]) as Promise<OpeningRow[]>,
      m.query(
        `SELECT a.id, a.tender_id, a.bid_id, a.awardee_organization_id, a.awardee_name, o.uscc, a.price::text AS price, a.status,
                a.notice_issued_at, a.contract_signed_at, a.contract_no, a.contract_amount::text AS contract_amount, a.contract_recorded_at
         FROM awards a JOIN organizations o ON o.id = a.awardee_organization_id
         WHERE a.tender_id = ANY($1::uuid[]) ORDER BY a.tender_id, a.notice_issued_at, a.id`,
        [ids],
      ) as Promise<AwardRow[]>,
      // The report's rejections become public with the result (award); only tenders with an award are read.
      m.query(
        // Lots (标段): each lot has its own report; the latest of each lot counts.
        `SELECT DISTINCT ON (r.tender_id, r.lot_no) r.tender_id, r.content -> 'rejectedBids' AS rejected
         FROM evaluation_reports r
         WHERE r.tender_id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM awards a WHERE a.tender_id = r.tender_id)
         ORDER BY r.tender_id, r.lot_no, r.version DESC`,
        [ids],
      ) as Promise<Array<{ tender_id: string; rejected: Array<{ bidId: string }> | null }>>,
      m.query(
        `SELECT d.id, d.tender_id, d.name, d.version, d.content_type, d.sha256, d.amendment_id, greatest(d.uploaded_at, t.published_at) AS available_at
         FROM tender_documents d JOIN tenders t ON t.id = d.tender_id
         WHERE d.tender_id = ANY($1::uuid[]) ORDER BY d.tender_id, d.uploaded_at, d.name, d.version`,
        [ids],
      ) as Promise<DocumentRow[]>,
    ]);
    const group = <T extends { tender_id: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const r of rows) map.set(r.tender_id, [...(map.get(r.tender_id) ?? []), r]);
      return map;
    };
    const amendmentsBy = group(amendments);
    const awardsBy = group(awards);
    const documentsBy = group(documents);
    const openingBy = new Map(openings.map((o) => [o.tender_id, o]));
    const rejectedBy = new Map<string, string[]>();
    for (const r of reports) rejectedBy.set(r.tender_id, [...(rejectedBy.get(r.tender_id) ?? []), ...(r.rejected ?? []).map((x) => x.bidId)]);

    return tenders.map((t) => ({
      id: t.id,
      transactionNo: t.transaction_no,
      title: t.title,
      description: t.description,
      category: t.category,
      regime: t.regime,
      method: t.method,
      budget: t.budget,
      bidDeadline: new Date(t.bid_deadline),
      evaluationMethod: t.evaluation_method,
      status: t.status,
      publishedAt: new Date(t.published_at),
      updatedAt: new Date(t.updated_at),
      procuringEntity: { organizationId: t.pe_id, name: t.pe_name, uscc: t.pe_uscc },
      amendments: (amendmentsBy.get(t.id) ?? []).map((a) => ({
        id: a.id,
        seq: a.seq,
        kind: a.kind,
        text: a.text,
        previousBidDeadline: new Date(a.previous_bid_deadline),
        bidDeadline: new Date(a.bid_deadline),
        publishedAt: new Date(a.published_at),
      })),
      documents: (documentsBy.get(t.id) ?? []).map((d) => ({
        id: d.id,
        name: d.name,
        version: d.version,
        contentType: d.content_type,
        sha256: d.sha256,
        amendmentId: d.amendment_id,
        availableAt: new Date(d.available_at),
      })),
      opening: openingBy.has(t.id) ? { record: openingBy.get(t.id)!.record, createdAt: new Date(openingBy.get(t.id)!.created_at) } : null,
      rejectedBidIds: rejectedBy.get(t.id) ?? [],
      awards: (awardsBy.get(t.id) ?? []).map((a) => ({
        id: a.id,
        bidId: a.bid_id,
        awardee: { organizationId: a.awardee_organization_id, name: a.awardee_name, uscc: a.uscc },
        price: a.price,
        status: a.status,
        noticeIssuedAt: new Date(a.notice_issued_at),
        contractSignedAt: a.contract_signed_at ? new Date(a.contract_signed_at) : null,
        contractNo: a.contract_no,
        contractAmount: a.contract_amount,
        contractRecordedAt: a.contract_recorded_at ? new Date(a.contract_recorded_at) : null,
      })),
    }));
  }
}
