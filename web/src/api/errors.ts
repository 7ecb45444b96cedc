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
