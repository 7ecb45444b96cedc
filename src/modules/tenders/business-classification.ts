import { TenderCategory, type TenderRegime } from './tender.enums';

/**
 * 行政监督部门 (SupervisoryAuthority kind, glossary #7): the sector regulator that supervises a trade. TBR Art. 4 ¶2 (not in regulations.md; from the statute text)
 * leaves the split of supervision among the departments to the State Council and local governments; procurement is
 * supervised by the finance department (GPL Art. 13 (not in regulations.md; from the statute text)).
 */
export enum Sector {
  /** 发展改革 (the residual / coordinating department) */
  NDRC = 'NDRC',
  /** 住房城乡建设 (房屋建筑和市政基础设施) */
  HOUSING = 'HOUSING',
  /** 交通运输 */
  TRANSPORT = 'TRANSPORT',
  /** 水利 */
  WATER = 'WATER',
  /** 财政 (政府采购, GPL Art. 13 (not in regulations.md; from the statute text)) */
  FINANCE = 'FINANCE',
  /** 自然资源 (土地使用权和矿业权出让) */
  NATURAL_RESOURCES = 'NATURAL_RESOURCES',
  /** 国有资产监督管理 (产权交易) */
  STATE_ASSETS = 'STATE_ASSETS',
  /** 医疗保障 (药品和医用耗材采购) */
  HEALTHCARE_SECURITY = 'HEALTHCARE_SECURITY',
}

export const SECTOR_NAME: Record<Sector, string> = {
  [Sector.NDRC]: '发展改革部门',
  [Sector.HOUSING]: '住房城乡建设部门',
  [Sector.TRANSPORT]: '交通运输部门',
  [Sector.WATER]: '水利部门',
  [Sector.FINANCE]: '财政部门',
  [Sector.NATURAL_RESOURCES]: '自然资源部门',
  [Sector.STATE_ASSETS]: '国有资产监督管理部门',
  [Sector.HEALTHCARE_SECURITY]: '医疗保障部门',
};

export interface SubClassDef {
  code: string;
  category: TenderCategory;
  name: string;
  /** The regulator of the trade; a GOV_PROCUREMENT tender is always FINANCE's (GPL Art. 13 (not in regulations.md; from the statute text)). */
  sector: Sector;
}

/**
 * Classes and sub-classes of business (交易分类). The classes are the existing `TenderCategory` values, which follow
 * the transaction types of 《公共资源交易平台系统数据规范（V2.0）》(发改办法规〔2018〕1156号: 工程建设、政府采购、
 * 土地使用权和矿业权出让、国有产权等). The code values of that specification's own code sets could not be verified
 * here, so the sub-classes below are the trading centre's own list (the trades its yearbook reports on), not codes
 * of the national specification.
 */
export const SUB_CLASSES: SubClassDef[] = [
  { code: 'HOUSING_MUNICIPAL', category: TenderCategory.CONSTRUCTION_WORKS, name: '房屋建筑和市政基础设施工程', sector: Sector.HOUSING },
  { code: 'TRANSPORT', category: TenderCategory.CONSTRUCTION_WORKS, name: '交通工程', sector: Sector.TRANSPORT },
  { code: 'WATER', category: TenderCategory.CONSTRUCTION_WORKS, name: '水利工程', sector: Sector.WATER },
  { code: 'WORKS_SUPERVISION', category: TenderCategory.CONSTRUCTION_WORKS, name: '工程监理', sector: Sector.HOUSING },
  { code: 'SURVEY_DESIGN', category: TenderCategory.CONSTRUCTION_WORKS, name: '勘察设计', sector: Sector.HOUSING },
  { code: 'OTHER_WORKS', category: TenderCategory.CONSTRUCTION_WORKS, name: '其他工程', sector: Sector.NDRC },
  { code: 'GOODS', category: TenderCategory.GOODS, name: '货物', sector: Sector.NDRC },
  { code: 'SERVICES', category: TenderCategory.SERVICES, name: '服务', sector: Sector.NDRC },
  { code: 'STATE_PROPERTY', category: TenderCategory.PROPERTY_RIGHTS, name: '国有产权', sector: Sector.STATE_ASSETS },
  { code: 'OTHER_PROPERTY', category: TenderCategory.PROPERTY_RIGHTS, name: '其他产权', sector: Sector.STATE_ASSETS },
  { code: 'LAND_USE', category: TenderCategory.LAND_AND_MINING_RIGHTS, name: '土地使用权出让', sector: Sector.NATURAL_RESOURCES },
  { code: 'MINING_RIGHTS', category: TenderCategory.LAND_AND_MINING_RIGHTS, name: '矿业权出让', sector: Sector.NATURAL_RESOURCES },
  { code: 'MEDICINES', category: TenderCategory.MEDICAL_SUPPLIES, name: '药品采购', sector: Sector.HEALTHCARE_SECURITY },
  { code: 'MEDICAL_CONSUMABLES', category: TenderCategory.MEDICAL_SUPPLIES, name: '医用耗材采购', sector: Sector.HEALTHCARE_SECURITY },
  { code: 'OTHER', category: TenderCategory.OTHER, name: '其他', sector: Sector.NDRC },
];

const BY_CODE = new Map(SUB_CLASSES.map((s) => [s.code, s]));

/** The sector of a class without a sub-class (the migration's backfill uses the same defaults). */
const CATEGORY_SECTOR: Record<TenderCategory, Sector> = {
  [TenderCategory.CONSTRUCTION_WORKS]: Sector.HOUSING,
  [TenderCategory.GOODS]: Sector.NDRC,
  [TenderCategory.SERVICES]: Sector.NDRC,
  [TenderCategory.PROPERTY_RIGHTS]: Sector.STATE_ASSETS,
  [TenderCategory.LAND_AND_MINING_RIGHTS]: Sector.NATURAL_RESOURCES,
  [TenderCategory.MEDICAL_SUPPLIES]: Sector.HEALTHCARE_SECURITY,
  [TenderCategory.OTHER]: Sector.NDRC,
};

export function subClassOf(code: string): SubClassDef | undefined {
  return BY_CODE.get(code);
}

/** The errors of a (category, subClass) pair: the sub-class must exist and belong to the class. */
export function checkSubClass(category: string, subClass: string | undefined): string[] {
  if (subClass === undefined) return [];
  const def = BY_CODE.get(subClass);
  if (!def) return [`unknown sub-class ${subClass}; one of ${SUB_CLASSES.map((s) => s.code).join(', ')}`];
  if (def.category !== category) return [`sub-class ${subClass} (${def.name}) belongs to the class ${def.category}, not ${category}`];
  return [];
}

/** The regulator of a tender: procurement is the finance department's (GPL Art. 13 (not in regulations.md; from the statute text)), else the sub-class's or class's. */
export function sectorOf(regime: TenderRegime, category: string, subClass: string | null | undefined): Sector {
  if (regime === 'GOV_PROCUREMENT') return Sector.FINANCE;
  if (subClass) {
    const def = BY_CODE.get(subClass);
    if (def) return def.sector;
  }
  return CATEGORY_SECTOR[category as TenderCategory] ?? Sector.NDRC;
}
