/** The five roles of API.md "Auth". */
export enum Role {
  ADMIN = 'ADMIN',
  /** 招标人 / 采购人 */
  PROCURING_ENTITY = 'PROCURING_ENTITY',
  /** 投标人 / 供应商 */
  BIDDER = 'BIDDER',
  /** 评标专家 */
  EXPERT = 'EXPERT',
  /** 监管 */
  SUPERVISOR = 'SUPERVISOR',
}
export const ALL_ROLES = Object.values(Role);
