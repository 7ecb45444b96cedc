/** Chinese names of the API's enumerations (the glossary of regulations.md §4). */
export const TENDER_STATUS: Record<string, string> = {
  DRAFT: '草稿',
  PUBLISHED: '招标中',
  OPENING: '开标中',
  EVALUATION: '评标中',
  PUBLICITY: '中标候选人公示',
  AWARDED: '已定标',
  CONTRACTED: '已签订合同',
  FAILED: '流标',
  CANCELLED: '已终止',
};

export const TENDER_STATUS_COLOR: Record<string, string> = {
  DRAFT: 'default',
  PUBLISHED: 'processing',
  OPENING: 'orange',
  EVALUATION: 'purple',
  PUBLICITY: 'cyan',
  AWARDED: 'green',
  CONTRACTED: 'green',
  FAILED: 'red',
  CANCELLED: 'default',
};

export const CATEGORY: Record<string, string> = {
  CONSTRUCTION_WORKS: '工程建设',
  GOODS: '货物',
  SERVICES: '服务',
  PROPERTY_RIGHTS: '产权交易',
  LAND_AND_MINING_RIGHTS: '土地使用权和矿业权出让',
  MEDICAL_SUPPLIES: '药品和医用耗材采购',
  OTHER: '其他',
};

export const REGIME: Record<string, string> = {
  ENGINEERING: '工程建设项目招标投标',
  GOV_PROCUREMENT: '政府采购',
};

export const METHOD: Record<string, string> = { OPEN: '公开招标', INVITED: '邀请招标' };

export const DECRYPTION_MODE: Record<string, string> = {
  BIDDER: '投标人在线解密',
  ESCROW: '平台托管密钥解密',
  BIDDER_WITH_ESCROW_FALLBACK: '投标人在线解密（托管密钥兜底）',
};

export const EVALUATION_METHOD: Record<string, string> = {
  LOWEST_EVALUATED_PRICE: '经评审的最低投标价法',
  COMPREHENSIVE_SCORING: '综合评估法',
};

export const BID_SECURITY_STATUS: Record<string, string> = {
  UNPAID: '未缴纳',
  PAID: '已缴纳',
  REFUND_DUE: '待退还',
  REFUNDED: '已退还',
  FORFEITED: '不予退还',
};

/** Bid statuses in the opening hall (UI.md: 待解密 / 已解密 / 已撤回 / 已撤销). */
export const BID_STATUS: Record<string, string> = {
  SUBMITTED: '已递交',
  OPENED: '待解密',
  DECRYPTED: '已解密',
  WITHDRAWN: '已撤回',
  REVOKED: '已撤销',
};

export function label(map: Record<string, string>, key: string | null | undefined): string {
  return key ? (map[key] ?? key) : '—';
}

/** "12345678.9" → "12,345,678.90" (string arithmetic only; money never becomes a float). */
export function formatMoney(amount: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  const [i, f = ''] = amount.split('.');
  return `${i.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${(f + '00').slice(0, 2)}`;
}

/** "¥12,345,678.90". */
export function yuan(amount: string | null | undefined): string {
  return amount === null || amount === undefined || amount === '' ? '—' : `¥${formatMoney(amount)}`;
}
