/**
 * Chinese names for the codes the expert, supervision, administration and statistics pages show: flag codes,
 * severities, case and penalty terms, categories, statuses. Wording after the law (regulations.md §4 glossary,
 * 《招标投标法实施条例》第四十条、第三十九条) and the trading centres' usage.
 */
import type { AssignmentStatus, CaseStatus, ClarificationKind, PenaltyGround, PenaltyType, Severity } from '@/api/oversight-types';
import { CATEGORY } from './labels';

/** Short names of the collusion flags (串通投标预警); the API also sends a long description (`name`). */
export const FLAG_CODE_TEXT: Record<string, string> = {
  SAME_DEVICE: '同一设备编制或上传投标文件',
  SAME_IP: '同一IP地址递交投标文件',
  SAME_PAYER_ACCOUNT: '投标保证金从同一账户转出',
  PAYER_NOT_BASIC_ACCOUNT: '投标保证金未从基本账户转出',
  SAME_LEGAL_REPRESENTATIVE: '单位负责人为同一人',
  IDENTICAL_ATTACHMENT: '投标文件附件雷同',
  SAME_DOCUMENT_AUTHOR: '投标文件编制人相同',
  IDENTICAL_PRICES: '投标报价完全相同',
  REGULAR_PRICE_PATTERN: '投标报价呈规律性差异',
  PRICE_SCREEN: '报价统计筛查异常',
  CLOSE_TO_CEILING: '报价集中于最高投标限价',
  EXPERT_SCORING_ANOMALY: '专家评分明显偏离',
  SERIAL_LOSER: '长期投标极少中标（陪标）',
  BID_ROTATION: '轮流中标',
  CO_BIDDING_RING: '固定群体抱团投标',
  PRICE_CLOSE_TO_WINNING_BID: '次低报价与中标价异常接近',
  HEAVILY_DISCOUNTED_BID: '中标价远低于次低报价',
};
export const flagCodeText = (code: string) => FLAG_CODE_TEXT[code] ?? code;

export const SEVERITY_TEXT: Record<Severity, string> = { HIGH: '高', MEDIUM: '中', LOW: '低' };
export const SEVERITY_COLOR: Record<Severity, string> = { HIGH: 'red', MEDIUM: 'orange', LOW: 'blue' };
export const SEVERITY_RANK: Record<Severity, number> = { HIGH: 3, MEDIUM: 2, LOW: 1 };

export const CASE_STATUS_TEXT: Record<CaseStatus, string> = {
  OPEN: '已立案',
  INVESTIGATING: '调查中',
  DECIDED: '已作出处理决定',
  CLOSED: '已结案',
};
export const CASE_STATUS_COLOR: Record<CaseStatus, string> = { OPEN: 'gold', INVESTIGATING: 'processing', DECIDED: 'red', CLOSED: 'default' };

export const PENALTY_TYPE_TEXT: Record<PenaltyType, string> = {
  WARNING: '警告',
  FINE: '罚款',
  DEBARMENT: '取消投标资格',
  DISQUALIFICATION: '取消评标专家资格',
};
export const PENALTY_GROUND_TEXT: Record<PenaltyGround, string> = {
  COLLUSION: '串通投标',
  BIDDING_UNDER_ANOTHER_NAME: '以他人名义投标',
  EVALUATOR_MISCONDUCT: '评标专家违法违规',
};

export const ASSIGNMENT_STATUS_TEXT: Record<AssignmentStatus, string> = {
  INVITED: '待确认',
  ACCEPTED: '已接受',
  DECLINED: '已拒绝',
  TIMED_OUT: '超时未确认',
  REPLACED: '已替换',
  RELEASED: '已解除',
  COMPLETED: '已完成',
};
export const ASSIGNMENT_STATUS_COLOR: Record<AssignmentStatus, string> = {
  INVITED: 'gold',
  ACCEPTED: 'green',
  DECLINED: 'default',
  TIMED_OUT: 'default',
  REPLACED: 'default',
  RELEASED: 'default',
  COMPLETED: 'blue',
};

export const CLARIFICATION_KIND_TEXT: Record<ClarificationKind, string> = {
  AMBIGUITY: '含义不明确的内容澄清',
  MINOR_DEVIATION: '细微偏差补正',
  ABNORMALLY_LOW_PRICE: '报价明显偏低的说明',
  CURABLE_DEFICIENCY: '容缺材料补正',
};

/** 否决投标的法定情形 (TBR Art. 51; MOF87 Art. 63), the codes of ScoreDto.grounds the panel judges itself. */
export const REJECTION_GROUND_TEXT: Record<string, string> = {
  TBR51_1_NO_SEAL_OR_SIGNATURE: '投标文件未经投标单位盖章和单位负责人签字',
  TBR51_2_NO_CONSORTIUM_AGREEMENT: '联合体投标未提交共同投标协议',
  TBR51_3_QUALIFICATION_NOT_MET: '投标人不符合国家或者招标文件规定的资格条件',
  TBR51_4_MULTIPLE_BIDS_OR_PRICES: '同一投标人提交两个以上不同的投标文件或者投标报价',
  TBR51_5_PRICE_BELOW_COST: '投标报价低于成本',
  TBR51_6_NOT_RESPONSIVE: '投标文件没有对招标文件的实质性要求和条件作出响应',
  TBR51_7_COLLUSION_OR_FRAUD: '投标人有串通投标、弄虚作假、行贿等违法行为',
};

// One glossary for the whole console: the tender statuses and categories are labels.ts's.
export { CATEGORY as CATEGORY_TEXT, TENDER_STATUS as TENDER_STATUS_TEXT } from './labels';
export const categoryText = (c: string) => CATEGORY[c] ?? c;

/** Keys of flag evidence, in Chinese (unknown keys are shown as they are). */
export const EVIDENCE_KEY_TEXT: Record<string, string> = {
  matches: '相同项',
  organizationIds: '投标人',
  deviceId: '机器码',
  deviceIds: '机器码',
  macAddress: 'MAC地址',
  macAddresses: 'MAC地址',
  ip: 'IP地址',
  ips: 'IP地址',
  payerAccountNo: '付款账号',
  payerName: '付款人',
  legalRepresentative: '单位负责人',
  sha256: '附件SHA-256',
  attachmentName: '附件名称',
  documentAuthor: '文档作者',
  price: '报价',
  prices: '报价',
  bidIds: '投标编号',
  ceiling: '最高投标限价',
  priceCeiling: '最高投标限价',
  ratio: '比值',
  cv: '变异系数',
  statistic: '统计量',
  threshold: '阈值',
  tenders: '项目数',
  wins: '中标次数',
  bids: '投标次数',
};
