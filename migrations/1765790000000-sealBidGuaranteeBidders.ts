import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Sealed identities (issue 17) for electronic guarantees (电子保函, issue 16): before the deadline of a tender that seals
 * identities a guarantee row names no bidder. The bidder is found by `bidder_blind_index` (keyed HMAC, as for the cash
 * sub-accounts) and kept in `owner_sealed`, encrypted under a platform key derived from SEALING_MASTER_KEY (the same
 * mechanism as bid_security_accounts.owner_sealed: the gate of the sealed bids and the bidder's own view need it before
 * the deadline). At the deadline the bid-security hook fills `bidder_organization_id` in clear again.
 * `body_sha256` of a sealed row is a keyed digest (the issuer's body names the bidder, so a plain SHA-256 could be
 * tested against every organisation); the plain digest is sealed with the owner and restored at the deadline.
 */
export class SealBidGuaranteeBidders1765790000000 implements MigrationInterface {
  name = 'SealBidGuaranteeBidders1765790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE bid_guarantees
        ALTER COLUMN bidder_organization_id DROP NOT NULL,
        ADD COLUMN bidder_blind_index text NULL,
        ADD COLUMN owner_sealed text NULL,
        ADD CONSTRAINT "CK_BID_GUARANTEES_CLEAR_OR_SEALED" CHECK (bidder_organization_id IS NOT NULL OR (bidder_blind_index IS NOT NULL AND owner_sealed IS NOT NULL))`);
    await q.query(`CREATE INDEX "IDX_BID_GUARANTEES_TENDER_BLIND_INDEX" ON bid_guarantees (tender_id, bidder_blind_index, lot_no)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_BID_GUARANTEES_TENDER_BLIND_INDEX"`);
    await q.query(`DELETE FROM bid_guarantees WHERE bidder_organization_id IS NULL`);
    await q.query(`
      ALTER TABLE bid_guarantees
        DROP CONSTRAINT "CK_BID_GUARANTEES_CLEAR_OR_SEALED",
        DROP COLUMN owner_sealed,
        DROP COLUMN bidder_blind_index,
        ALTER COLUMN bidder_organization_id SET NOT NULL`);
  }
}
