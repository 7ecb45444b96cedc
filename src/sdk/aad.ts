import { SealedBidError } from './errors';

/** Canonical lowercase UUID, as the API returns ids. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * aad = UTF-8 of "<tenderId>|<bidderOrganizationId>". The ids are used byte for byte, so the bidder must seal with
 * exactly the strings the platform uses (lowercase UUIDs; the organisation's id, not its USCC). An id holding '|'
 * would make the aad ambiguous and is refused.
 */
export function bidAad(tenderId: string, bidderOrganizationId: string): Buffer {
  for (const [field, v] of [
    ['tenderId', tenderId],
    ['bidderOrganizationId', bidderOrganizationId],
  ] as const) {
    if (typeof v !== 'string' || v.length === 0 || v.includes('|')) {
      throw new SealedBidError('INVALID_INPUT', `${field} must be a non-empty string without '|'`);
    }
  }
  return Buffer.from(`${tenderId}|${bidderOrganizationId}`, 'utf8');
}

/** Stricter check used when sealing: a mistake in an id is only discovered at opening, when it is too late. */
export function assertSealingIds(tenderId: string, bidderOrganizationId: string): void {
  const problems: string[] = [];
  if (!UUID_PATTERN.test(tenderId)) problems.push(`tenderId "${tenderId}" is not a lowercase UUID`);
  if (!UUID_PATTERN.test(bidderOrganizationId)) {
    problems.push(
      `bidderOrganizationId "${bidderOrganizationId}" is not a lowercase UUID ` +
        '(use the organizationId of GET /me, not the USCC)',
    );
  }
  if (problems.length) throw new SealedBidError('INVALID_INPUT', problems.join('; '), problems);
}
