import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';
import { AwardedTenderRecord, BidRecord, OrganizationRecord, PaymentRecord, Regime, ScoreRecord, TenderFlagInput } from './engine';

/** A tender's flag input as read from the tables: its category is always known (its market, with the regime). */
export type StoredTenderFlagInput = TenderFlagInput & { category: string };

/** One tender of a market's price history: the decimal prices of its decrypted bids. */
export interface MarketPrices {
  tenderId: string;
  prices: string[];
}

/** Statuses in which a tender's bids are still sealed (API.md "Opening"): nothing is read from them. */
export const SEALED_TENDER_STATUSES = ['DRAFT', 'PUBLISHED', 'OPENING'];

/**
 * Read model (tenders, tender_documents, bids, organizations, bid_security_payments, bid_security_accounts, awards,
 * evaluation_reports, evaluation_verdicts, panel_members): the flag engine's inputs, read from the tables of the bids,
 * bid-security, identity, tenders, experts and evaluation modules, set-based (one query per table for any number of
 * tenders) so that the whole history loads in seconds. Only bids that were opened are read, and only for tenders whose opening is over: a sealed tender yields
 * nothing (EB20 Art. 27 ¶2; TBL Art. 22).
 */
@Injectable()
export class FlagInputsRepository {
  async tenderInputs(m: EntityManager, tenderIds: string[]): Promise<Map<string, StoredTenderFlagInput>> {
    const out = new Map<string, StoredTenderFlagInput>();
    if (tenderIds.length === 0) return out;
    const tenders: Array<{ id: string; regime: Regime; category: string; price_ceiling: string | null; max_total: number }> = await m.query(
      `SELECT id, regime, category, price_ceiling::text,
              (SELECT coalesce(sum((f->>'maxScore')::numeric), 0) FROM jsonb_array_elements(evaluation_factors) f)::float8 AS max_total
       FROM tenders
       WHERE id = ANY($1::uuid[]) AND opened_at IS NOT NULL AND status <> ALL($2::text[])`,
      [tenderIds, SEALED_TENDER_STATUSES],
    );
    if (tenders.length === 0) return out;
    const ids = tenders.map((t) => t.id);
    // One after the other: a transaction's connection runs one query at a time.
    const [bids, orgs, payments, docs, scores] = await sequence([
      () =>
        m.query(
          `SELECT id, tender_id, bidder_organization_id, status, (extract(epoch FROM received_at) * 1000)::float8 AS received_ms, ip,
                device_id, mac_addresses, document_author, price::text, lot_no,
                ARRAY(SELECT a->>'sha256' FROM jsonb_array_elements(coalesce(attachments, '[]'::jsonb)) a) AS shas
         FROM bids WHERE tender_id = ANY($1::uuid[]) AND opened_at IS NOT NULL`,
          [ids],
        ) as Promise<
          Array<{
            id: string;
            tender_id: string;
            bidder_organization_id: string;
            status: string;
            received_ms: number;
            ip: string;
            device_id: string;
            mac_addresses: string[];
            document_author: string | null;
            price: string | null;
            shas: string[];
            lot_no: number;
          }>
        >,
      () =>
        m.query(
          `SELECT DISTINCT b.tender_id, o.id, o.name, o.legal_representative, o.basic_account_no
         FROM bids b JOIN organizations o ON o.id = b.bidder_organization_id
         WHERE b.tender_id = ANY($1::uuid[]) AND b.opened_at IS NOT NULL`,
          [ids],
        ) as Promise<Array<{ tender_id: string; id: string; name: string; legal_representative: string; basic_account_no: string }>>,
      () =>
        m.query(
          `SELECT p.tender_id, p.bidder_organization_id, p.payer_account_no, p.payer_name, p.payer_is_basic_account, p.txn_id, a.lot_no
         FROM bid_security_payments p JOIN bid_security_accounts a ON a.id = p.account_id
         WHERE p.tender_id = ANY($1::uuid[]) AND p.account_id IS NOT NULL`,
          [ids],
        ) as Promise<
          Array<{
            tender_id: string;
            bidder_organization_id: string;
            payer_account_no: string;
            payer_name: string;
            payer_is_basic_account: boolean | null;
            txn_id: string;
            lot_no: number;
          }>
        >,
      () => m.query(`SELECT tender_id, sha256 FROM tender_documents WHERE tender_id = ANY($1::uuid[])`, [ids]) as Promise<Array<{ tender_id: string; sha256: string }>>,
      () =>
        m.query(
          `SELECT v.tender_id, v.member_id, pm.expert_id, pm.kind, v.bid_id, b.bidder_organization_id,
                (SELECT sum(x.value::numeric) FROM jsonb_each_text(v.factor_scores) x)::float8 AS total
         FROM evaluation_verdicts v
         JOIN panel_members pm ON pm.id = v.member_id
         JOIN bids b ON b.id = v.bid_id
         WHERE v.tender_id = ANY($1::uuid[]) AND NOT v.void AND v.factor_scores IS NOT NULL`,
          [ids],
        ) as Promise<
          Array<{
            tender_id: string;
            member_id: string;
            expert_id: string | null;
            kind: 'EXPERT' | 'ENTITY_REP';
            bid_id: string;
            bidder_organization_id: string;
            total: number | null;
          }>
        >,
    ] as const);
    for (const t of tenders) {
      out.set(t.id, {
        tenderId: t.id,
        regime: t.regime,
        category: t.category,
        priceCeiling: t.price_ceiling === null ? null : normalizeMoney(t.price_ceiling),
        bids: [],
        organizations: [],
        payments: [],
        tenderDocumentSha256s: [],
        scores: [],
        maxTotalScore: Number(t.max_total) || 0,
      });
    }
    for (const b of bids) {
      const record: BidRecord = {
        bidId: b.id,
        organizationId: b.bidder_organization_id,
        status: b.status,
        receivedAt: Number(b.received_ms),
        ip: b.ip,
        deviceId: b.device_id,
        macAddresses: b.mac_addresses ?? [],
        documentAuthor: b.document_author,
        attachmentSha256s: (b.shas ?? []).filter((s): s is string => typeof s === 'string'),
        price: b.price === null ? null : normalizeMoney(b.price),
        lotNo: Number(b.lot_no ?? 1),
      };
      out.get(b.tender_id)?.bids.push(record);
    }
    for (const o of orgs) {
      const record: OrganizationRecord = { id: o.id, name: o.name, legalRepresentative: o.legal_representative, basicAccountNo: o.basic_account_no };
      out.get(o.tender_id)?.organizations.push(record);
    }
    for (const p of payments) {
      const record: PaymentRecord = {
        organizationId: p.bidder_organization_id,
        payerAccountNo: p.payer_account_no,
        payerName: p.payer_name,
        payerIsBasicAccount: p.payer_is_basic_account,
        txnId: p.txn_id,
        lotNo: Number(p.lot_no ?? 1),
      };
      out.get(p.tender_id)?.payments.push(record);
    }
    for (const d of docs) out.get(d.tender_id)?.tenderDocumentSha256s.push(d.sha256);
    for (const s of scores) {
      if (s.total === null) continue;
      const record: ScoreRecord = {
        memberId: s.member_id,
        expertId: s.expert_id,
        memberKind: s.kind,
        bidId: s.bid_id,
        organizationId: s.bidder_organization_id,
        total: Number(s.total),
      };
      out.get(s.tender_id)?.scores.push(record);
    }
    return out;
  }

  async tenderInput(m: EntityManager, tenderId: string): Promise<StoredTenderFlagInput | null> {
    return (await this.tenderInputs(m, [tenderId])).get(tenderId) ?? null;
  }

  /**
   * The price history of a market (tenders of one category and regime) for the price screen's calibration: every
   * tender of the market whose opening is over, with the prices of its DECRYPTED bids, when it has at least
   * `minDistinct` distinct prices (the screens' eligibility, MIN_DISTINCT_BIDS; fewer are skipped by the calibration
   * anyway). Sealed tenders contribute nothing (EB20 Art. 27 ¶2). One query, ordered for a deterministic result.
   */
  async marketPrices(m: EntityManager, market: { category: string; regime: Regime }, minDistinct: number): Promise<MarketPrices[]> {
    const rows: Array<{ tender_id: string; prices: string[] }> = await m.query(
      `SELECT b.tender_id, array_agg(b.price::text ORDER BY b.price, b.id) AS prices
       FROM tenders t
       JOIN bids b ON b.tender_id = t.id AND b.status = 'DECRYPTED' AND b.price > 0 AND b.opened_at IS NOT NULL
       WHERE t.category = $1 AND t.regime = $2 AND t.opened_at IS NOT NULL AND t.status <> ALL($3::text[])
       GROUP BY b.tender_id
       HAVING count(DISTINCT b.price) >= $4
       ORDER BY b.tender_id`,
      [market.category, market.regime, SEALED_TENDER_STATUSES, minDistinct],
    );
    return rows.map((r) => ({ tenderId: r.tender_id, prices: r.prices.map(normalizeMoney) }));
  }

  /** Every awarded tender (one active award: not DEFAULTED) with its decrypted bids, for the history flags. */
  async awardHistory(m: EntityManager): Promise<AwardedTenderRecord[]> {
    // With each award: the bids' receipt instants and the deadline (R030), the procuring entity (R038), whether the
    // award was on price alone (R036), and the latest evaluation report's rejected bids (R035, R036, R038).
    const rows: Array<{
      tender_id: string;
      winner: string;
      awarded_ms: number;
      procuring_entity_id: string;
      deadline_ms: number;
      evaluation_method: string;
      rejected: string[] | null;
      orgs: string[];
      prices: string[];
      received_ms: number[];
      bid_ids: string[];
    }> = await m.query(
      `SELECT a.tender_id, a.awardee_organization_id AS winner, (extract(epoch FROM a.notice_issued_at) * 1000)::float8 AS awarded_ms,
              t.procuring_entity_id, (extract(epoch FROM t.bid_deadline) * 1000)::float8 AS deadline_ms, t.evaluation_method, r.rejected,
              array_agg(b.bidder_organization_id ORDER BY b.id) AS orgs, array_agg(b.price::text ORDER BY b.id) AS prices,
              array_agg((extract(epoch FROM b.received_at) * 1000)::float8 ORDER BY b.id) AS received_ms, array_agg(b.id::text ORDER BY b.id) AS bid_ids
       FROM awards a
       JOIN tenders t ON t.id = a.tender_id
       JOIN bids b ON b.tender_id = a.tender_id AND b.lot_no = a.lot_no AND b.status = 'DECRYPTED'
       LEFT JOIN LATERAL (
         SELECT ARRAY(SELECT x->>'bidId' FROM jsonb_array_elements(coalesce(er.content->'rejectedBids', '[]'::jsonb)) x) AS rejected
         FROM evaluation_reports er WHERE er.tender_id = a.tender_id AND er.lot_no = a.lot_no ORDER BY er.version DESC LIMIT 1
       ) r ON true
       WHERE a.status <> 'DEFAULTED'
       GROUP BY a.tender_id, a.lot_no, a.awardee_organization_id, a.notice_issued_at, t.procuring_entity_id, t.bid_deadline, t.evaluation_method, r.rejected
       ORDER BY a.notice_issued_at, a.tender_id`,
    );
    return rows.map((r) => {
      const rejected = new Set(r.rejected ?? []);
      return {
        tenderId: r.tender_id,
        awardedAt: Number(r.awarded_ms),
        winnerOrganizationId: r.winner,
        bids: r.orgs.map((o, i) => ({
          organizationId: o,
          price: normalizeMoney(r.prices[i]),
          receivedAt: Number(r.received_ms[i]),
          disqualified: rejected.has(r.bid_ids[i]),
        })),
        procuringEntityId: r.procuring_entity_id,
        bidDeadline: Number(r.deadline_ms),
        priceOnly: r.evaluation_method === 'LOWEST_EVALUATED_PRICE',
        evaluated: r.rejected !== null,
      };
    });
  }
}

/** Runs the thunks one after the other and returns their results in order (typed like Promise.all). */
async function sequence<T extends readonly (() => Promise<unknown>)[]>(thunks: T): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const out: unknown[] = [];
  for (const th of thunks) out.push(await th());
  return out as { -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> };
}
