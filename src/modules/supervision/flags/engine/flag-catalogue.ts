import { FlagCode, type Regime } from './flag.types';

/**
 * What each flag means, its Chinese name (for the report a supervisor files) and the article it rests on.
 *
 * Severity policy (regulations.md §2.2 "strength"):
 * - HIGH: a situation the law itself deems collusion or makes the bids invalid (TBR Arts. 34, 40) — goes straight to
 *   the evaluation committee and the supervisory department;
 * - MEDIUM: a pattern written into local rules or accepted in practice, or a strong inference over the history;
 * - LOW: a risk signal that needs corroboration (IP alone, statistical screens, price-gap outliers).
 * No flag rejects a bid by itself: the platform surfaces evidence (regulations.md §2.2 "Legal caution").
 */
export interface FlagDefinition {
  /** 中文名称 */
  name: string;
  /** The legal basis, Chinese article first, then our short reference. */
  legalBasis: (regime: Regime) => string;
}

const TBR_40 = (item: string, n: string) => `招标投标法实施条例 第四十条第（${item}）项 (TBR Art. 40(${n}))`;
const O1117 = '发改法规规〔2022〕1117号 第（十一）条 (O1117 (十一))';

export const FLAG_CATALOGUE: Record<FlagCode, FlagDefinition> = {
  [FlagCode.SAME_DEVICE]: {
    name: '不同投标人的投标文件由同一设备编制或上传（机器码/MAC地址相同）',
    legalBasis: () => `${TBR_40('一', '1')}；${TBR_40('二', '2')}`,
  },
  [FlagCode.SAME_IP]: {
    name: '不同投标人从同一IP地址提交投标文件',
    legalBasis: () => `${TBR_40('二', '2')}（仅作佐证 / supporting evidence only）`,
  },
  [FlagCode.SAME_PAYER_ACCOUNT]: {
    name: '不同投标人的投标保证金从同一账户转出',
    legalBasis: () => TBR_40('六', '6'),
  },
  [FlagCode.PAYER_NOT_BASIC_ACCOUNT]: {
    name: '投标保证金未从投标人基本账户转出',
    legalBasis: () => '招标投标法实施条例 第二十六条第二款 (TBR Art. 26 ¶2)',
  },
  [FlagCode.SAME_LEGAL_REPRESENTATIVE]: {
    name: '单位负责人为同一人的不同单位参加同一标段投标（相关投标均无效）',
    legalBasis: (regime) =>
      regime === 'GOV_PROCUREMENT'
        ? '政府采购法实施条例 第十八条 (GPR Art. 18)；招标投标法实施条例 第三十四条 (TBR Art. 34)'
        : '招标投标法实施条例 第三十四条第二、三款 (TBR Art. 34)',
  },
  [FlagCode.IDENTICAL_ATTACHMENT]: {
    name: '不同投标人的投标文件附件完全相同（SHA-256一致）',
    legalBasis: () => `${TBR_40('四', '4')}；${TBR_40('一', '1')}`,
  },
  [FlagCode.SAME_DOCUMENT_AUTHOR]: {
    name: '不同投标人的投标文件编制人（文档作者）相同',
    legalBasis: () => TBR_40('一', '1'),
  },
  [FlagCode.IDENTICAL_PRICES]: {
    name: '不同投标人的投标报价完全相同',
    legalBasis: () => `${TBR_40('四', '4')}；cardinal-rs R028`,
  },
  [FlagCode.REGULAR_PRICE_PATTERN]: {
    name: '不同投标人的投标报价呈规律性差异（等差或等比）',
    legalBasis: () => TBR_40('四', '4'),
  },
  [FlagCode.PRICE_SCREEN]: {
    name: '报价统计筛查异常（离散度过低等）',
    legalBasis: () => `${TBR_40('四', '4')}（统计风险信号 / statistical risk signal）`,
  },
  [FlagCode.PRICE_SCREEN_REVIEW]: {
    name: '报价统计筛查排序（仅供复核：本市场尚无足够已结案件验证，不构成预警）',
    legalBasis: () => `${TBR_40('四', '4')}（仅供复核，未经验证 / ranking for review only, not validated）`,
  },
  [FlagCode.CLOSE_TO_CEILING]: {
    name: '全部投标报价集中于最高投标限价之下',
    legalBasis: () => `${TBR_40('四', '4')}；招标投标法实施条例 第三十九条第（一）项 (TBR Art. 39(1))`,
  },
  [FlagCode.EXPERT_SCORING_ANOMALY]: {
    name: '评标专家对某一投标人的评分明显偏离评标委员会其他成员',
    legalBasis: (regime) =>
      regime === 'GOV_PROCUREMENT'
        ? '政府采购货物和服务招标投标管理办法 第六十二条、第六十四条 (MOF87 Arts. 62, 64: 评分畸高、畸低)'
        : '招标投标法实施条例 第四十九条、第七十一条 (TBR Arts. 49, 71)',
  },
  [FlagCode.SERIAL_LOSER]: {
    name: '长期投标而极少中标（陪标专业户）',
    legalBasis: () => `${O1117}；cardinal-rs R025`,
  },
  [FlagCode.BID_ROTATION]: {
    name: '稳定投标人群体内轮流中标',
    legalBasis: () => `招标投标法实施条例 第三十九条第（二）项 (TBR Art. 39(2))；${O1117}`,
  },
  [FlagCode.CO_BIDDING_RING]: {
    name: '固定投标人群体频繁共同投标（抱团投标）',
    legalBasis: () => `${O1117}；招标投标法实施条例 第三十九条第（五）项 (TBR Art. 39(5))`,
  },
  [FlagCode.PRICE_CLOSE_TO_WINNING_BID]: {
    name: '次低报价与中标报价异常接近',
    legalBasis: () => `${TBR_40('四', '4')}（风险信号）；cardinal-rs R024`,
  },
  [FlagCode.HEAVILY_DISCOUNTED_BID]: {
    name: '中标报价远低于次低报价',
    legalBasis: () => '评标委员会和评标方法暂行规定 第二十一条 (PB12 Art. 21)（风险信号）；cardinal-rs R058',
  },
  [FlagCode.LATE_BID_WON]: {
    name: '投标截止时间后递交的投标文件中标',
    legalBasis: () => '中华人民共和国招标投标法 第二十八条 (TBL Art. 28: 逾期送达的投标文件应当拒收)；电子招标投标办法 第二十六条 (EB20 Art. 26)；cardinal-rs R030',
  },
  [FlagCode.ALL_EXCEPT_WINNER_DISQUALIFIED]: {
    name: '除中标人外其余投标均被否决',
    legalBasis: () => '招标投标法实施条例 第四十一条 (TBR Art. 41: 招标人与投标人串通)（风险信号）；第五十一条 (TBR Art. 51: 否决投标的情形)；cardinal-rs R035',
  },
  [FlagCode.LOWEST_BID_DISQUALIFIED]: {
    name: '最低价投标被否决（经评审的最低投标价法）',
    legalBasis: () =>
      '招标投标法实施条例 第四十一条 (TBR Art. 41)（风险信号）；评标委员会和评标方法暂行规定 第二十一条 (PB12 Art. 21: 低于成本的认定须经说明与证明)；cardinal-rs R036',
  },
  [FlagCode.EXCESSIVE_DISQUALIFIED_BIDS]: {
    name: '投标被否决比例异常高（投标人或招标人）',
    legalBasis: () => '招标投标法实施条例 第五十一条 (TBR Art. 51)；第四十一条 (TBR Art. 41)（风险信号）；cardinal-rs R038',
  },
};

/**
 * What the procuring entity (招标人) may see of its own tender's flags: only what the law lets it act on. The same
 * legal representative behind two bidders makes both bids invalid by law (TBR Art. 34 ¶3; GPR Art. 18), so the
 * procuring entity and its committee must reject them. Every other flag is evidence for the supervisory department
 * (EB20 Art. 7(3) supervision channel): deemed collusion is found and punished by the authority (TBR Arts. 67–68),
 * and showing risk signals to a party that may itself collude with a bidder (TBR Art. 41) would tip it off.
 */
export const PROCURING_ENTITY_VISIBLE: ReadonlySet<FlagCode> = new Set([FlagCode.SAME_LEGAL_REPRESENTATIVE]);

export const SEVERITY_NAME: Record<string, string> = { LOW: '低', MEDIUM: '中', HIGH: '高' };
