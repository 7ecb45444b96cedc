import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { JurisdictionsService, JurisdictionView, SupervisionScope } from 'src/modules/jurisdictions/jurisdictions.service';
import { SUB_CLASSES, subClassOf } from 'src/modules/tenders/business-classification';
import { fromFen, normalizeMoney, toFen } from 'src/common/money/money';
import { StatisticsQueryDto } from './dto/statistics-query.dto';
import { StatisticsRepository, SupervisionFigures, TenderFilter, YearbookFigures } from './statistics.repository';
import { CATEGORY_NAME, CATEGORY_ORDER, StatisticsView, SupervisionStatistics } from './statistics.types';

/** The longest period one request may ask for (ten years of days): the month series is built in memory. */
export const MAX_PERIOD_DAYS = 3660;

function supervisionView(r: SupervisionFigures): SupervisionStatistics {
  return {
    openedTenders: r.openedTenders,
    openedBids: r.openedBids,
    averageBidsPerOpenedTender: r.openedTenders > 0 ? ratio(r.openedBids, r.openedTenders, 2) : null,
    failedTenders: r.failed,
    cancelledTenders: r.cancelled,
    failedLots: r.failedLots,
  };
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
    private readonly figures: StatisticsRepository,
  ) {}

  async compute(q: StatisticsQueryDto, actor: Actor | null): Promise<StatisticsView> {
    const m = this.dataSource.manager;
    const { from, to } = await this.period(m, q);
    const supervisor = actor?.role === Role.SUPERVISOR;
    const { scope, jurisdiction } = await this.coverageOf(m, q, actor);
    const row = await this.figures.figures(m, { from, to }, this.tenderFilter(scope, jurisdiction), supervisor);
    const coverage = {
      jurisdiction: jurisdiction ?? (scope && scope.jurisdiction.level !== 'CITY' ? scope.jurisdiction : await this.jurisdictions.city(m)),
      sectors: scope?.sectors ?? null,
    };
    return yearbookView({ from, to }, row, coverage, supervisor);
  }

  /**
   * Which tenders the figures cover: the asked jurisdiction, within a scoped supervisor's jurisdiction and trades
   * (a county supervisor's figures are its county's; TBR Art. 4 ¶2 (not in regulations.md; from the statute text)).
   */
  private async coverageOf(m: EntityManager, q: StatisticsQueryDto, actor: Actor | null): Promise<{ scope: SupervisionScope | null; jurisdiction: JurisdictionView | null }> {
    const scope = await this.jurisdictions.scopeOf(m, actor);
    const jurisdiction = q.jurisdiction ? await this.jurisdictions.get(m, q.jurisdiction) : null;
    if (q.jurisdiction && !jurisdiction)
      throw new ValidationFailedException([{ field: 'jurisdiction', errors: [`unknown jurisdiction ${q.jurisdiction}; see GET /jurisdictions`] }]);
    if (scope && !scope.all && jurisdiction && scope.jurisdiction.level !== 'CITY' && jurisdiction.code !== scope.jurisdiction.code) {
      throw new ForbiddenException(
        `Your supervision scope is ${scope.jurisdiction.name} (${scope.jurisdiction.code}); the public figures of other jurisdictions are at GET /statistics without a token`,
      );
    }
    return { scope, jurisdiction };
  }

  /** The covered tenders as a condition; the same condition applies to offline projects. */
  private tenderFilter(scope: SupervisionScope | null, jurisdiction: JurisdictionView | null): TenderFilter {
    return (alias, p) => {
      const parts: string[] = [];
      if (jurisdiction && jurisdiction.level !== 'CITY') parts.push(`${alias}.jurisdiction_code = ${p(jurisdiction.code)}`);
      const cond = this.jurisdictions.tenderCondition(scope, alias, p);
      if (cond) parts.push(cond);
      return parts.length ? parts.join(' AND ') : 'true';
    };
  }

  /** The asked period, checked, with its defaults (for the other transparency endpoints). */
  periodOf(q: StatisticsQueryDto): Promise<{ from: string; to: string }> {
    return this.period(this.dataSource.manager, q);
  }

  /** The asked period, or 1 January of this year to today (北京时间, by the database's clock). */
  private async period(m: EntityManager, q: StatisticsQueryDto): Promise<{ from: string; to: string }> {
    let { from, to } = q;
    if (!from || !to) {
      const today = await this.figures.todayInBeijing(m);
      to ??= today;
      from ??= `${to.slice(0, 4)}-01-01`;
    }
    if (from > to) throw new ValidationFailedException([{ field: 'from', errors: ['from must not be after to'] }]);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
    if (days > MAX_PERIOD_DAYS) throw new ValidationFailedException([{ field: 'to', errors: [`the period may span at most ${MAX_PERIOD_DAYS} days`] }]);
    return { from, to };
  }
}

/** The view of the figures: totals, shares and series summed in fen (bigint), never in floating point. */
function yearbookView({ from, to }: { from: string; to: string }, row: YearbookFigures, coverage: StatisticsView['coverage'], supervisor: boolean): StatisticsView {
  const { published, awarded, offline, penalties } = row;

  const sum = <T>(rows: T[], f: (r: T) => string | null) => rows.reduce((acc, r) => acc + fen(f(r)), 0n);
  const tenders = published.reduce((n, r) => n + r.tenders, 0);
  const awardedCount = awarded.reduce((n, r) => n + r.awarded, 0);
  const awardedBudget = sum(awarded, (r) => r.budget);
  const awardedPrice = sum(awarded, (r) => r.turnover);
  const cycleDays = awarded.reduce((n, r) => n + BigInt(r.cycleDays ?? '0'), 0n);
  // Every tender run on this platform is electronic from notice to contract (EB20 Art. 7; O1117 (二)); the projects
  // registered at the centre but traded offline are the rest: 电子化交易率 = electronic ÷ (electronic + offline).
  const electronic = tenders;
  const offlineCount = offline.reduce((n, r) => n + r.projects, 0);
  const shares = electronicShares(
    published.map((r) => ({ category: r.category, sub_class: r.subClass, tenders: r.tenders })),
    offline.map((r) => ({ category: r.category, sub_class: r.subClass, projects: r.projects })),
  );

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
    coverage,
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

/** 电子化交易率 per class and sub-class: electronic tenders (published) ÷ (those + offline projects traded). */
export function electronicShares(
  published: Array<{ category: string; sub_class: string | null; tenders: number }>,
  offline: Array<{ category: string; sub_class: string; projects: number }>,
) {
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
