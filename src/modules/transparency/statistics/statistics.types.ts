/** The yearbook figures (年报统计) of API.md "Additions (v1.1)": GET /statistics. */
export interface StatisticsView {
  /** First and last day of the period (北京时间), both included. */
  from: string;
  to: string;
  /** Tenders published (招标公告发布) in the period. */
  tenders: number;
  /** 标段 of the tenders published in the period (a tender without lots counts as one). */
  lots: number;
  /** Tenders whose notice of award (中标通知书) was issued in the period. */
  awarded: number;
  /** 成交金额: Σ award price of the awarded tenders, decimal string. */
  turnover: string;
  /** Σ budget of the tenders published in the period, decimal string. */
  budgetTotal: string;
  /** (Σ budget − Σ award price) ÷ Σ budget over the awarded tenders, 4 decimals; null when nothing was awarded. */
  savingsRate: string | null;
  /** 电子化交易率: electronic tenders ÷ (electronic tenders + offline projects), 4 decimals; null when neither. */
  electronicShare: string | null;
  /** Projects registered at the centre but traded offline in the period (never counted in `tenders`). */
  offlineProjects?: number;
  /** 电子化交易率 per class (交易分类) and per sub-class. */
  byClass?: Array<{ category: string; name: string; electronic: number; offline: number; electronicShare: string | null }>;
  bySubClass?: Array<{ category: string; subClass: string; name: string; electronic: number; offline: number; electronicShare: string | null }>;
  /** What the figures cover: the jurisdiction (the city: every county) and, for a sector regulator, its trades. */
  coverage?: { jurisdiction: { code: string; name: string; level: string; parentCode: string | null }; sectors: string[] | null };
  /** Mean calendar days (北京时间) from publication to the notice of award, one decimal; null when nothing was awarded. */
  averageCycleDays: number | null;
  byCategory: Array<{ category: string; name: string; tenders: number; turnover: string }>;
  byMonth: Array<{ month: string; tenders: number; turnover: string }>;
  /** Organisations and experts with a final penalty (不良行为记录) decided in the period. */
  penalties: { organizations: number; experts: number };
  /** Supervisors only (UI.md: "supervisors see the rest"): figures derived from bids, over opened tenders only. */
  supervision?: SupervisionStatistics;
}

export interface SupervisionStatistics {
  /** Tenders published in the period whose bids were opened (the opening record is public or being written). */
  openedTenders: number;
  /** Bids opened in those tenders. */
  openedBids: number;
  /** openedBids ÷ openedTenders, 2 decimals (string); null when none. */
  averageBidsPerOpenedTender: string | null;
  /** Tenders published in the period that failed (fewer than 3 bids, or all rejected) or were cancelled. */
  failedTenders: number;
  cancelledTenders: number;
  /** Lots of the period's tenders that failed: alone at the deadline (fewer than 3 bids), or with their tender. */
  failedLots: number;
}

/** 公共资源交易分类 names, for the report and the console. */
export const CATEGORY_NAME: Record<string, string> = {
  CONSTRUCTION_WORKS: '工程建设',
  GOODS: '货物',
  SERVICES: '服务',
  PROPERTY_RIGHTS: '产权交易',
  LAND_AND_MINING_RIGHTS: '土地使用权和矿业权出让',
  MEDICAL_SUPPLIES: '药品和医用耗材采购',
  OTHER: '其他',
};
export const CATEGORY_ORDER = Object.keys(CATEGORY_NAME);
