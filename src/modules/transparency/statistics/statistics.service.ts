import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { JurisdictionsService } from 'src/modules/jurisdictions/jurisdictions.service';
import { SUB_CLASSES, subClassOf } from 'src/modules/tenders/business-classification';
import { fromFen, normalizeMoney, toFen } from 'src/common/money/money';
import { StatisticsQueryDto } from './dto/statistics-query.dto';
import { CATEGORY_NAME, CATEGORY_ORDER, StatisticsView, SupervisionStatistics } from './statistics.types';

/** The longest period one request may ask for (ten years of days): the month series is built in memory. */
export const MAX_PERIOD_DAYS = 3660;

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

interface SupervisionRow {
  opened_tenders: number;
  opened_bids: number;
  failed: number;
  cancelled: number;
  failed_lots: number;
}

function supervisionView(r: SupervisionRow): SupervisionStatistics {
  return {
    openedTenders: r.opened_tenders,
    openedBids: r.opened_bids,
    averageBidsPerOpenedTender: r.opened_tenders > 0 ? ratio(r.opened_bids, r.opened_tenders, 2) : null,
    failedTenders: r.failed,
    cancelledTenders: r.cancelled,
    failedLots: Number(r.failed_lots),
  };
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

/**
 * The trading centre's yearbook figures (年报: API.md "Additions"), computed from the tables themselves on every
 * request — tenders (published_at), awards (the active notice of award), supervision penalties — never from
 * counters kept on the side. Money is summed as numeric in SQL and leaves as decimal strings.
 *
 * Sealed means sealed: the public figures use nothing from bids; the supervisors' extra figures count only bids
 * already opened (bids.opened_at, set when the tender's bids were extracted at its deadline), so no figure moves
 * while a tender is still sealed.
 */
@Injectable()
export class StatisticsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jurisdictions: JurisdictionsService,
  ) {}

  async compute(q: StatisticsQueryDto, actor: Actor | null): Promise<StatisticsView> {
    const m = this.dataSource.manager;
    const { from, to } = await this.period(m, q);
    const supervisor = actor?.role === Role.SUPERVISOR;
    const params: unknown[] = [from, to];
    const p = (v: unknown) => `$${params.push(v)}`;
    // Which tenders the figures cover: the asked jurisdiction, within a scoped supervisor's jurisdiction and trades
    // (a county supervisor's figures are its county's; TBR Art. 4 ¶2 (not in regulations.md; from the statute text)). The same condition applies to offline projects.
    const scope = await this.jurisdictions.scopeOf(m, actor);
    const jurisdiction = q.jurisdiction ? await this.jurisdictions.get(m, q.jurisdiction) : null;
    if (q.jurisdiction && !jurisdiction)
      throw new ValidationFailedException([{ field: 'jurisdiction', errors: [`unknown jurisdiction ${q.jurisdiction}; see GET /jurisdictions`] }]);
    if (scope && !scope.all && jurisdiction && scope.jurisdiction.level !== 'CITY' && jurisdiction.code !== scope.jurisdiction.code) {
      throw new ForbiddenException(
        `Your supervision scope is ${scope.jurisdiction.name} (${scope.jurisdiction.code}); the public figures of other jurisdictions are at GET /statistics without a token`,
      );
    }
    const tc = (alias: string): string => {
      const parts: string[] = [];
      if (jurisdiction && jurisdiction.level !== 'CITY') parts.push(`${alias}.jurisdiction_code = ${p(jurisdiction.code)}`);
      const cond = this.jurisdictions.tenderCondition(scope, alias, p);
      if (cond) parts.push(cond);
      return parts.length ? parts.join(' AND ') : 'true';
    };
    // One statement, so one snapshot for every figure and one round trip.
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
    const { published, awarded, offline, penalties } = row;

    const sum = <T>(rows: T[], f: (r: T) => string | null) => rows.reduce((acc, r) => acc + fen(f(r)), 0n);
    const tenders = published.reduce((n, r) => n + r.tenders, 0);
    const awardedCount = awarded.reduce((n, r) => n + r.awarded, 0);
    const awardedBudget = sum(awarded, (r) => r.budget);
    const awardedPrice = sum(awarded, (r) => r.turnover);
    const cycleDays = awarded.reduce((n, r) => n + BigInt(r.cycle_days ?? '0'), 0n);
    // Every tender run on this platform is electronic from notice to contract (EB20 Art. 7; O1117 (二)); the projects
    // registered at the centre but traded offline are the rest: 电子化交易率 = electronic ÷ (electronic + offline).
    const electronic = tenders;
    const offlineCount = offline.reduce((n, r) => n + r.projects, 0);
    const shares = electronicShares(published, offline);

    const byCategory = new Map<string, { tenders: number; turnover: bigint }>();
    const byMonthMap = new Map<string, { tenders: number; turnover: bigint }>();
    const bump = (map: Map<string, { tenders: number; turnover: bigint }>, key: string, tendersAdd: number, turnoverAdd: bigint) => {
      const c = map.get(key) ?? { tenders: 0, turnover: 0n };
      map.set(key, { tenders: c.tenders + tendersAdd, turnover: c.turnover + turnoverAdd });
    };
    for (const r of published) {
      bump(byCategory, r.category, r.tenders, 0n);
      bump(byMonthMap, r.month, r.tenders, 0n);
    }
    for (const r of awarded) {
      bump(byCategory, r.category, 0, fen(r.turnover));
      bump(byMonthMap, r.month, 0, fen(r.turnover));
    }

    const view: StatisticsView = {
      from,
      to,
      tenders,
      lots: published.reduce((n, r) => n + Number(r.lots ?? 0), 0),
      awarded: awardedCount,
      turnover: fromFen(awardedPrice),
      budgetTotal: fromFen(sum(published, (r) => r.budget)),
      // (Σ budget − Σ award price) ÷ Σ budget over the awarded tenders (API.md "Additions").
      savingsRate: awardedCount > 0 && awardedBudget > 0n ? ratio(awardedBudget - awardedPrice, awardedBudget, 4) : null,
      electronicShare: electronic + offlineCount > 0 ? ratio(BigInt(electronic), BigInt(electronic + offlineCount), 4) : null,
      offlineProjects: offlineCount,
      byClass: shares.byClass,
      bySubClass: shares.bySubClass,
      coverage: {
        jurisdiction: jurisdiction ?? (scope && scope.jurisdiction.level !== 'CITY' ? scope.jurisdiction : await this.jurisdictions.city(m)),
        sectors: scope?.sectors ?? null,
      },
      averageCycleDays: awardedCount > 0 ? Number(ratio(cycleDays, BigInt(awardedCount), 1)) : null,
      byCategory: [...byCategory.entries()]
        .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
        .map(([category, v]) => ({ category, name: CATEGORY_NAME[category] ?? category, tenders: v.tenders, turnover: fromFen(v.turnover) })),
      byMonth: monthsOf(from, to).map((month) => ({
        month,
        tenders: byMonthMap.get(month)?.tenders ?? 0,
        turnover: fromFen(byMonthMap.get(month)?.turnover ?? 0n),
      })),
      penalties: { organizations: penalties.organizations, experts: penalties.experts },
    };
    if (supervisor && row.supervision) view.supervision = supervisionView(row.supervision);
    return view;
  }

  /** The asked period, checked, with its defaults (for the other transparency endpoints). */
  periodOf(q: StatisticsQueryDto): Promise<{ from: string; to: string }> {
    return this.period(this.dataSource.manager, q);
  }

  /** The asked period, or 1 January of this year to today (北京时间, by the database's clock). */
  private async period(m: EntityManager, q: StatisticsQueryDto): Promise<{ from: string; to: string }> {
    let { from, to } = q;
    if (!from || !to) {
      const [today]: Array<{ d: string }> = await m.query(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d`);
      to ??= today.d;
      from ??= `${to.slice(0, 4)}-01-01`;
    }
    if (from > to) throw new ValidationFailedException([{ field: 'from', errors: ['from must not be after to'] }]);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days > MAX_PERIOD_DAYS) throw new ValidationFailedException([{ field: 'to', errors: [`the period may span at most ${MAX_PERIOD_DAYS} days`] }]);
    return { from, to };
  }
}

interface OfflineRow {
  category: string;
  sub_class: string;
  projects: number;
}

/** 电子化交易率 per class and sub-class: electronic tenders (published) ÷ (those + offline projects traded). */
export function electronicShares(published: Array<{ category: string; sub_class: string | null; tenders: number }>, offline: OfflineRow[]) {
  const key = (c: string, s: string | null) => `${c}|${s ?? UNSPECIFIED}`;
  const sub = new Map<string, { category: string; subClass: string; electronic: number; offline: number }>();
  const cls = new Map<string, { electronic: number; offline: number }>();
  const add = (category: string, subClass: string | null, e: number, o: number) => {
    const k = key(category, subClass);
    const a = sub.get(k) ?? { category, subClass: subClass ?? UNSPECIFIED, electronic: 0, offline: 0 };
    sub.set(k, { ...a, electronic: a.electronic + e, offline: a.offline + o });
    const b = cls.get(category) ?? { electronic: 0, offline: 0 };
    cls.set(category, { electronic: b.electronic + e, offline: b.offline + o });
  };
  for (const r of published) add(r.category, r.sub_class, r.tenders, 0);
  for (const r of offline) add(r.category, r.sub_class, 0, r.projects);
  const share = (e: number, o: number) => (e + o > 0 ? ratio(e, e + o, 4) : null);
  const order = SUB_CLASSES.map((s) => s.code);
  const subRank = (c: string) => (c === UNSPECIFIED ? order.length : order.indexOf(c) < 0 ? order.length + 1 : order.indexOf(c));
  return {
    byClass: [...cls.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([category, v]) => ({
        category,
        name: CATEGORY_NAME[category] ?? category,
        electronic: v.electronic,
        offline: v.offline,
        electronicShare: share(v.electronic, v.offline),
      })),
    bySubClass: [...sub.values()]
      .sort((a, b) => rank(a.category) - rank(b.category) || subRank(a.subClass) - subRank(b.subClass) || a.subClass.localeCompare(b.subClass))
      .map((v) => ({
        category: v.category,
        subClass: v.subClass,
        name: v.subClass === UNSPECIFIED ? '未细分' : (subClassOf(v.subClass)?.name ?? v.subClass),
        electronic: v.electronic,
        offline: v.offline,
        electronicShare: share(v.electronic, v.offline),
      })),
  };
}

/** The sub-class shown for tenders drafted without one. */
export const UNSPECIFIED = 'UNSPECIFIED';

const fen = (v: string | null) => (v === null ? 0n : toFen(normalizeMoney(v)));
const rank = (c: string) => (CATEGORY_ORDER.indexOf(c) + CATEGORY_ORDER.length + 1) % (CATEGORY_ORDER.length + 1);

/** a ÷ b (b > 0) as a decimal string with `scale` decimals, rounded half away from zero, in integers (no floats). */
export function ratio(a: bigint | number, b: bigint | number, scale: number): string {
  const [x, y] = [BigInt(a), BigInt(b)];
  const neg = x < 0n;
  const p = 10n ** BigInt(scale);
  const q = ((neg ? -x : x) * p * 2n + y) / (2n * y);
  const s = q.toString().padStart(scale + 1, '0');
  return `${neg && q > 0n ? '-' : ''}${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

/** "YYYY-MM" of every month the period touches, in order. */
export function monthsOf(from: string, to: string): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let mo = Number(from.slice(5, 7));
  const end = to.slice(0, 7);
  for (;;) {
    const m = `${y}-${String(mo).padStart(2, '0')}`;
    out.push(m);
    if (m >= end) return out;
    mo += 1;
    if (mo > 12) [y, mo] = [y + 1, 1];
  }
}
