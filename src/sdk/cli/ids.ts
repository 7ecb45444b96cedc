import { UUID_PATTERN } from '../aad';
import { CliError } from './cli-io';

/**
 * An id typed by a person: trimmed and lowercased (the API's form, which the aad must match byte for byte), and
 * refused unless it is a UUID, with a hint when it looks like a USCC (统一社会信用代码).
 */
export function normalizeId(value: string, flag: string): string {
  const id = value.trim().toLowerCase();
  if (UUID_PATTERN.test(id)) return id;
  const hint = /^[0-9A-Z]{18}$/i.test(value.trim()) ? ' This looks like a USCC: use the organizationId (UUID) that GET /api/v1/me returns.' : '';
  throw new CliError(`${flag} must be a UUID, got "${value}".${hint}`);
}
