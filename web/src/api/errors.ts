/** An error answered by the platform's API: HTTP status plus the API's `{ code, message }` (API.md "Conventions"). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** The server's message (English, for logs); show `chineseMessage` to people. */
    readonly serverMessage: string,
    readonly details?: unknown[],
    readonly requestId?: string,
  ) {
    super(`${code}: ${serverMessage}`);
    this.name = 'ApiError';
  }

  /** What a person reads: the Chinese text for the code, with the server's own words when none is known. */
  get chineseMessage(): string {
    return describeErrorCode(this.code, this.serverMessage, this.details);
  }
}

/** Chinese texts of the API's error codes (API.md and the OpenAPI document). */
const ERROR_TEXT: Record<string, string> = {
  UNAUTHENTICATED: '未登录或登录已过期，请重新登录',
  INVALID_CREDENTIALS: '用户名或密码错误',
  FORBIDDEN: '无权执行此操作',
  NOT_FOUND: '未找到该对象',
  VALIDATION_FAILED: '填写的内容不符合要求',
  CONFLICT: '操作冲突，该对象已存在或状态已变化',
  // evaluation, supervision, administration (/expert, /supervision, /admin)
  EVALUATION_NOT_OPEN: '评标尚未开始或已经结束，当前不能进行此操作',
  SCORES_LOCKED: '您已签名，评审意见已锁定，不能再修改',
  SCORES_INCOMPLETE: '签名前须对每一个有效投标给出评审意见',
  CLARIFICATION_PENDING: '尚有未答复且未到期的澄清要求，请在答复或到期后再签名',
  CLARIFICATION_DEADLINE_PASSED: '澄清答复期限已过',
  CURABLE_DEFICIENCY_NOT_ALLOWED: '招标文件未允许容缺，或该事项属于实质性内容',
  REPORT_NOT_READY: '评标报告尚未签署完成',
  ASSIGNMENT_CLOSED: '该评标邀请已关闭（已答复、已替换或已解除）',
  ASSIGNMENT_EXPIRED: '确认期限已过，系统已另行抽取专家',
  INSUFFICIENT_EXPERTS: '符合条件的专家不足',
  INVALID_TRANSITION: '案件当前状态不允许此操作',
  BID_DEADLINE_PASSED: '投标截止时间已过，不能再递交或修改投标文件',
  TENDER_NOT_OPEN_FOR_BIDS: '该项目当前不接受投标',
  SEALED_UNTIL_OPENING: '开标前投标文件保密，不能查看',
  KEY_COMMITMENT_MISMATCH: '密钥与递交时的承诺值不符，请选择正确的密钥文件',
  DECRYPTION_FAILED: '解密失败，请选择正确的密钥文件',
  DECRYPTION_WINDOW_CLOSED: '解密时间已结束',
  LEGAL_PERIOD_VIOLATION: '不符合法定期限要求',
  BID_SECURITY_MISSING: '尚未缴纳投标保证金',
  INVALID_SIGNATURE: '签名无效',
  RATE_LIMITED: '操作过于频繁，请稍后再试',
  NETWORK_ERROR: '网络连接失败，请检查网络后重试',
  INTERNAL_ERROR: '服务器内部错误，请稍后再试',
};

export function describeErrorCode(code: string, serverMessage?: string, details?: unknown[]): string {
  const text = ERROR_TEXT[code];
  if (code === 'VALIDATION_FAILED' && Array.isArray(details) && details.length) {
    return `${text}：${details.map((d) => (typeof d === 'string' ? d : JSON.stringify(d))).join('；')}`;
  }
  if (text) return text;
  return serverMessage ? `操作失败（${code}）：${serverMessage}` : `操作失败（${code}）`;
}

/** The Chinese message of any thrown value (ApiError, SDK error, anything else). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.chineseMessage;
  if (e instanceof Error) return e.message;
  return String(e);
}
