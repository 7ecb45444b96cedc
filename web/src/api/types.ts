/** Shapes of the public API (API.md; the OpenAPI document at /docs has the rest). */
export type Role = 'ADMIN' | 'PROCURING_ENTITY' | 'BIDDER' | 'EXPERT' | 'SUPERVISOR';

export const ROLE_TEXT: Record<Role, string> = {
  ADMIN: '系统管理员',
  PROCURING_ENTITY: '招标人',
  BIDDER: '投标人',
  EXPERT: '评标专家',
  SUPERVISOR: '监管人员',
};

export interface OrganizationView {
  id: string;
  name: string;
  uscc: string;
  legalRepresentative?: string;
}

export interface Me {
  userId: string;
  username: string;
  role: Role;
  organizationId: string | null;
  organization: OrganizationView | null;
}

export interface Paged<T> {
  items: T[];
  total: number;
}
