import { bidAadBytes } from './core/format';
import { asBuffer } from './ports/node';

export { assertSealingIds, UUID_PATTERN } from './core/format';

/** aad = UTF-8 of "<tenderId>|<bidderOrganizationId>" (the rule lives in core/format.ts). */
export function bidAad(tenderId: string, bidderOrganizationId: string): Buffer {
  return asBuffer(bidAadBytes(tenderId, bidderOrganizationId));
}
