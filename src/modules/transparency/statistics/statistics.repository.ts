import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * Calendar days and months are Beijing time (北京时间, Asia/Shanghai, UTC+8 without daylight saving): a tender
 * published at 2026-01-31T17:00Z is a February tender. The period's bounds are computed in SQL:
 * [from 00:00 北京时间, to + 1 day 00:00 北京时间).
 */
const LO = `(($1::date)::timestamp AT TIME ZONE 'Asia/Shanghai')`;
const HI = `((($2::date) + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')`;
const BJ_MONTH = (col: string) => `to_char(${col} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`;
const BJ_DATE = (col: string) => `(${col} AT TIME ZONE 'Asia/Shanghai')::date`;

/**
 * Bid-derived figures for supervisors: only tenders past their opening, only bids that were opened (bids.opened_at is
 * set when the bids are extracted at the deadline), so a sealed tender moves no figure.
 */
const SUPERVISION_SQL = (tc: (alias: string) => string) => `(SELECT json_build_object(
    'opened_tenders', count(*) FILTER (WHERE t.opened_at IS NOT NULL),
    'failed', count(*) FILTER (WHERE t.status = 'FAILED'),
    'cancelled', count(*) FILTER (WHERE t.status = 'CANCELLED'),
    -- 标段: a lot that failed alone (at the deadline with fewer than 3 bids, or at evaluation), plus every lot of a failed tender (one for a tender
    -- without lots).
    'failed_lots', coalesce(sum(CASE WHEN t.status = 'FAILED' THEN greatest((SELECT count(*) FROM tender_lots l WHERE l.tender_id = t.id), 1)
                                     ELSE (SELECT count(*) FROM tender_lots l WHERE l.tender_id = t.id AND l.status = 'FAILED') END), 0),
    'opened_bids', (SELECT count(*) FROM bids b JOIN tenders o ON o.id = b.tender_id
                    WHERE o.published_at >= ${LO} AND o.published_at < ${HI} AND o.opened_at IS NOT NULL AND b.opened_at IS NOT NULL AND ${tc('o')}))
  FROM tenders t WHERE t.published_at >= ${LO} AND t.published_at < ${HI} AND ${tc('t')})`;

/** A condition on the tenders of alias `alias`, its values added as parameters with `p` (JurisdictionsService.tenderCondition). */
export type TenderFilter = (alias: string, p: (v: unknown) => string) => string;

/** Tenders published in one (category, sub-class, 北京时间 month). Money as decimal strings (numeric sums). */
export interface PublishedFigures {
  category: string;
  subClass: string | null;
  month: string;
  tenders: number;
  budget: string | null;
  lots: number;
}

/** Projects traded offline in one (category, sub-class). */
export interface OfflineFigures {
  category: string;
  subClass: string;
  projects: number;
}

/** Awards (active notices) in one (category, 北京时间 month); cycleDays: the sum of publication-to-notice days. */
export interface AwardedFigures {
  category: string;
  month: string;
  awarded: number;
  turnover: string | null;
  budget: string | null;
  cycleDays: string | null;
}

/** The supervisors' bid-derived figures (opened tenders and bids only). */
export interface SupervisionFigures {
  openedTenders: number;
  openedBids: number;
  failed: number;
  cancelled: number;
  failedLots: number;
}

export interface YearbookFigures {
  published: PublishedFigures[];
  awarded: AwardedFigures[];
  offline: OfflineFigures[];
  penalties: { organizations: number; experts: number };
  supervision: SupervisionFigures | null;
}

interface PublishedRow {
  category: string;
  sub_class: string | null;
  month: string;
  tenders: number;
  budget: string | null;
  lots: number;
}

interface AwardedRow {
  category: string;
  month: string;
  awarded: number;
  turnover: string | null;
  budget: string | null;
  cycle_days: string | null;
}

interface OfflineRow {
  category: string;
  sub_class: string;
  projects: number;
}

interface SupervisionRow {
  opened_tenders: number;
  opened_bids: number;
  failed: number;
  cancelled: number;
  failed_lots: number;
}

/**
 * Read model (tenders, tender_lots, offline_projects, awards, bids, supervision_penalties, supervision_cases): the
 * yearbook figures (年报) computed from the tables on every request. Transparency owns no table. Every method takes the
 * caller's EntityManager.
 */
@Injectable()
export class StatisticsRepository {
  /** Today in Beijing time (北京时间), by the database's clock, as YYYY-MM-DD. */
  async todayInBeijing(m: EntityManager): Promise<string> {
    const [today]: Array<{ d: string }> = await m.query(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d`);
    return today.d;
  }

  /**
   * Every figure of the period [from, to] (北京时间 days) over the tenders `filter` admits, in one statement (one
   * snapshot); the supervisors' figures only when `supervisor`.
   */
  async figures(m: EntityManager, { from, to }: { from: string; to: string }, filter: TenderFilter, supervisor: boolean): Promise<YearbookFigures> {
    const params: unknown[] = [from, to];
    const p = (v: unknown) => `$${params.push(v)}`;
    const tc = (alias: string): string => filter(alias, p);
    const [row]: Array<{
      published: PublishedRow[];
      awarded: AwardedRow[];
      offline: OfflineRow[];
      penalties: { organizations: number; experts: number };
      supervision: SupervisionRow | null;
    }> = await m.query(
      `WITH pub AS (
           -- One pass per table, grouped by (category, sub-class, month); the totals are the sums of the groups (bigint fen in code).
           SELECT category, sub_class, ${BJ_MONTH('published_at')} AS month, count(*)::int AS tenders, sum(budget)::text AS budget,
                  -- 标段: a tender without lots is one lot.
                  sum(greatest((SELECT count(*) FROM tender_lots l WHERE l.tender_id = t.id), 1))::int AS lots
           FROM tenders t
           WHERE published_at >= ${LO} AND published_at < ${HI} AND ${tc('t')}
           GROUP BY 1, 2, 3
         ), off AS (
           -- Projects registered at the centre but traded offline (issue 19): counted by their trading day, never as bids.
           SELECT category, sub_class, count(*)::int AS projects
           FROM offline_projects t
           WHERE traded_on >= $1::date AND traded_on <= $2::date AND ${tc('t')}
           GROUP BY 1, 2
         ), awd AS (
           -- A tender counts as awarded on the day its (active) notice of award was issued; a defaulted award (TBR Art.
           -- 55: the next candidate is awarded instead) is not counted, its replacement is.
           SELECT t.category, ${BJ_MONTH('a.notice_issued_at')} AS month, count(*)::int AS awarded,
                  sum(a.price)::text AS turnover, sum(coalesce(l.budget, t.budget))::text AS budget,
                  sum(${BJ_DATE('a.notice_issued_at')} - ${BJ_DATE('t.published_at')})::bigint::text AS cycle_days
           FROM awards a JOIN tenders t ON t.id = a.tender_id
           -- 标段: each lot is awarded on its own, against its own budget
           LEFT JOIN tender_lots l ON l.tender_id = a.tender_id AND l.lot_no = a.lot_no
           WHERE a.status <> 'DEFAULTED' AND t.status <> 'CANCELLED' AND a.notice_issued_at >= ${LO} AND a.notice_issued_at < ${HI} AND ${tc('t')}
           GROUP BY 1, 2
         ), pen AS (
           -- Final penalties only: they are recorded when a case is DECIDED (and stay when it is CLOSED).
           SELECT count(DISTINCT p.organization_id)::int AS organizations, count(DISTINCT p.expert_id)::int AS experts
           FROM supervision_penalties p JOIN supervision_cases c ON c.id = p.case_id
           WHERE c.status IN ('DECIDED', 'CLOSED') AND c.decided_at >= ${LO} AND c.decided_at < ${HI}
             AND EXISTS (SELECT 1 FROM tenders t WHERE t.id = c.tender_id AND ${tc('t')})
         )
         SELECT (SELECT coalesce(json_agg(pub), '[]'::json) FROM pub) AS published,
                (SELECT coalesce(json_agg(awd), '[]'::json) FROM awd) AS awarded,
                (SELECT coalesce(json_agg(off), '[]'::json) FROM off) AS offline,
                (SELECT row_to_json(pen) FROM pen) AS penalties,
                ${supervisor ? SUPERVISION_SQL(tc) : 'NULL::json'} AS supervision`,
      params,
    );
    const s = row.supervision;
    return {
      published: row.published.map((r) => ({ category: r.category, subClass: r.sub_class, month: r.month, tenders: r.tenders, budget: r.budget, lots: r.lots })),
      awarded: row.awarded.map((r) => ({ category: r.category, month: r.month, awarded: r.awarded, turnover: r.turnover, budget: r.budget, cycleDays: r.cycle_days })),
      offline: row.offline.map((r) => ({ category: r.category, subClass: r.sub_class, projects: r.projects })),
      penalties: row.penalties,
      supervision: s ? { openedTenders: s.opened_tenders, openedBids: s.opened_bids, failed: s.failed, cancelled: s.cancelled, failedLots: Number(s.failed_lots) } : null,
    };
  }
}
