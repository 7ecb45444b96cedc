import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FlagCode, FlagDraft, Severity } from './engine';

/** A stored collusion flag. */
export interface FlagRecord {
  id: string;
  /** TENDER: from one tender's data; HISTORY: from the award history. */
  scope: 'TENDER' | 'HISTORY';
  tenderId: string | null;
  tenderIds: string[];
  code: FlagCode;
  severity: Severity;
  bidderIds: string[];
  expertIds: string[];
  evidence: Record<string, unknown>;
  legalBasis: string;
  computedAt: Date;
}

/** The filter of GET /supervision/flags (each field optional). */
export interface FlagFilter {
  code?: string;
  severity?: string;
  tenderId?: string;
  bidderId?: string;
  /** ISO timestamps: computed_at in [from, to). */
  from?: string;
  to?: string;
}

/** The head of a tender, for the flags' access rules and the report. */
export interface FlagTenderHead {
  id: string;
  title: string;
  regime: string;
  status: string;
  procuringEntityId: string;
  procuringEntityName: string;
  openedAt: Date | null;
}

/**
 * A condition on the tenders of alias `alias` (a supervisor's scope, JurisdictionsService.tenderCondition), its values
 * added as parameters with `p`; null: every tender.
 */
export type TenderScopeCondition = (alias: string, p: (v: unknown) => string) => string | null;

interface FlagRow {
  id: string;
  scope: 'TENDER' | 'HISTORY';
  tender_id: string | null;
  tender_ids: string[];
  code: FlagCode;
  severity: Severity;
  bidder_ids: string[];
  expert_ids: string[];
  evidence: Record<string, unknown>;
  legal_basis: string;
  computed_at: Date;
}

const toRecord = (r: FlagRow): FlagRecord => ({
  id: r.id,
  scope: r.scope,
  tenderId: r.tender_id,
  tenderIds: r.tender_ids,
  code: r.code,
  severity: r.severity,
  bidderIds: r.bidder_ids,
  expertIds: r.expert_ids,
  evidence: r.evidence,
  legalBasis: r.legal_basis,
  computedAt: r.computed_at,
});

const ORDER = `CASE f.severity WHEN 'HIGH' THEN 0 WHEN 'MEDIUM' THEN 1 ELSE 2 END, f.code, f.bidder_ids, f.id`;

const PER_TENDER_HISTORY_CODES = new Set<string>([
  'PRICE_CLOSE_TO_WINNING_BID',
  'HEAVILY_DISCOUNTED_BID',
  'LATE_BID_WON',
  'ALL_EXCEPT_WINNER_DISQUALIFIED',
  'LOWEST_BID_DISQUALIFIED',
]);
const isPerTender = (d: FlagDraft) => PER_TENDER_HISTORY_CODES.has(d.code);

/**
 * Owns `collusion_flags`. Three statements are read models over other modules' tables, declared as such:
 * `rowsOfTender` (bids: the tender's opened bidders), `tenderHead` (tenders, organizations) and `visibleTenders`
 * (tenders). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class CollusionFlagsRepository {
  /** One computation of a tender's flags at a time. */
  async lockTenderComputation(m: EntityManager, tenderId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`collusion-flags:${tenderId}`]);
  }

  /** One computation of the history flags at a time. */
  async lockHistoryComputation(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('collusion-flags-history', 7))`);
  }

  /** Bulk writes of flags: one statement for any number of rows (jsonb_to_recordset), by 5000. */
  async insertFlags(m: EntityManager, scope: 'TENDER' | 'HISTORY', drafts: Array<FlagDraft & { tenderId: string | null }>): Promise<void> {
    for (let i = 0; i < drafts.length; i += 5000) {
      const rows = drafts.slice(i, i + 5000).map((d) => ({
        scope,
        tender_id: d.tenderId,
        tender_ids: d.tenderIds,
        code: d.code,
        severity: d.severity,
        bidder_ids: d.bidderIds,
        expert_ids: d.expertIds,
        evidence: d.evidence,
        legal_basis: d.legalBasis,
      }));
      await m.query(
        `INSERT INTO collusion_flags (scope, tender_id, tender_ids, code, severity, bidder_ids, expert_ids, evidence, legal_basis, computed_at)
       SELECT scope, tender_id, tender_ids, code, severity, bidder_ids, expert_ids, evidence, legal_basis, clock_timestamp()
       FROM jsonb_to_recordset($1::jsonb) AS x(scope text, tender_id uuid, tender_ids uuid[], code text, severity text,
                                               bidder_ids uuid[], expert_ids uuid[], evidence jsonb, legal_basis text)`,
        [JSON.stringify(rows)],
      );
    }
  }

  /** Replaces the TENDER-scope flags of these tenders (recomputing is idempotent: the same inputs give the same rows). */
  async replaceTenderFlags(m: EntityManager, tenderIds: string[], drafts: FlagDraft[]): Promise<void> {
    await m.query(`DELETE FROM collusion_flags WHERE scope = 'TENDER' AND tender_id = ANY($1::uuid[])`, [tenderIds]);
    await this.insertFlags(
      m,
      'TENDER',
      drafts.map((d) => ({ ...d, tenderId: d.tenderIds[0] })),
    );
  }

  /** Replaces every HISTORY-scope flag. R024/R058/R030/R035/R036 flags belong to one tender; serial losers, rings, rotations and R038 to none. */
  async replaceHistoryFlags(m: EntityManager, drafts: FlagDraft[]): Promise<void> {
    await m.query(`DELETE FROM collusion_flags WHERE scope = 'HISTORY'`);
    await this.insertFlags(
      m,
      'HISTORY',
      drafts.map((d) => ({ ...d, tenderId: d.tenderIds.length === 1 && isPerTender(d) ? d.tenderIds[0] : null })),
    );
  }

  /**
   * Read model (bids): the tender's own flags and the history flags that concern it (its tender in the evidence, or
   * one of its opened bidders named), the most severe first.
   */
  async rowsOfTender(m: EntityManager, tenderId: string): Promise<FlagRecord[]> {
    const rows: FlagRow[] = await m.query(
      `SELECT f.* FROM collusion_flags f
       WHERE (f.scope = 'TENDER' AND f.tender_id = $1)
          OR (f.scope = 'HISTORY' AND ($1 = ANY(f.tender_ids)
              OR f.bidder_ids && ARRAY(SELECT bidder_organization_id FROM bids WHERE tender_id = $1 AND opened_at IS NOT NULL)))
       ORDER BY ${ORDER}`,
      [tenderId],
    );
    return rows.map(toRecord);
  }

  /**
   * Read model (tenders, for the scope): every flag matching the filter, within the scope (`scopeCondition` on alias `st`: a tender flag of a tender in
   * scope, a history flag concerning one), the most recently computed first: the page and the total.
   */
  async list(m: EntityManager, filter: FlagFilter, scopeCondition: TenderScopeCondition, page: { limit: number; offset: number }): Promise<{ total: number; rows: FlagRecord[] }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (filter.code) where.push(`f.code = ${p(filter.code)}`);
    if (filter.severity) where.push(`f.severity = ${p(filter.severity)}`);
    if (filter.tenderId) {
      const x = p(filter.tenderId);
      where.push(`(f.tender_id = ${x}::uuid OR ${x}::uuid = ANY(f.tender_ids))`);
    }
    if (filter.bidderId) where.push(`${p(filter.bidderId)}::uuid = ANY(f.bidder_ids)`);
    if (filter.from) where.push(`f.computed_at >= ${p(filter.from)}::timestamptz`);
    if (filter.to) where.push(`f.computed_at < ${p(filter.to)}::timestamptz`);
    const cond = scopeCondition('st', p);
    if (cond) where.push(`EXISTS (SELECT 1 FROM tenders st WHERE (st.id = f.tender_id OR st.id = ANY(f.tender_ids)) AND ${cond})`);
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }]: Array<{ total: number }> = await m.query(`SELECT count(*)::int AS total FROM collusion_flags f ${w}`, params);
    const rows: FlagRow[] = await m.query(`SELECT f.* FROM collusion_flags f ${w} ORDER BY f.computed_at DESC, ${ORDER} LIMIT ${p(page.limit)} OFFSET ${p(page.offset)}`, params);
    return { total, rows: rows.map(toRecord) };
  }

  /** Read model (tenders, organizations): the tender with its procuring entity's name, or null. */
  async tenderHead(m: EntityManager, tenderId: string): Promise<FlagTenderHead | null> {
    const [t]: Array<{
      id: string;
      title: string;
      regime: string;
      status: string;
      procuring_entity_id: string;
      procuring_entity_name: string;
      opened_at: Date | null;
    }> = await m.query(
      `SELECT t.id, t.title, t.regime, t.status, t.procuring_entity_id, o.name AS procuring_entity_name, t.opened_at
       FROM tenders t JOIN organizations o ON o.id = t.procuring_entity_id WHERE t.id = $1`,
      [tenderId],
    );
    if (!t) return null;
    return {
      id: t.id,
      title: t.title,
      regime: t.regime,
      status: t.status,
      procuringEntityId: t.procuring_entity_id,
      procuringEntityName: t.procuring_entity_name,
      openedAt: t.opened_at,
    };
  }

  /** Read model (tenders): which of these tenders satisfy the scope condition (on alias `t`). */
  async visibleTenders(m: EntityManager, tenderIds: string[], scopeCondition: TenderScopeCondition): Promise<Set<string>> {
    const params: unknown[] = [tenderIds];
    const cond = scopeCondition('t', (v) => `$${params.push(v)}`);
    const rows: Array<{ id: string }> = await m.query(`SELECT t.id FROM tenders t WHERE t.id = ANY($1::uuid[])${cond ? ` AND ${cond}` : ''}`, params);
    return new Set(rows.map((r) => r.id));
  }
}
