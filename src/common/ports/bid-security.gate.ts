import { type EntityManager } from 'typeorm';

/**
 * The question the sealed-bids module asks before it accepts a bid: has this bidder lodged the bid security the
 * tender requires (TBR Art. 26; GPR Art. 33, MOF87 Art. 63(1): a missing security makes the bid invalid)?
 * Provided globally by the bid-security module. Runs in the caller's transaction so that it sees the same
 * database clock and snapshot as the bid it guards.
 */
export abstract class BidSecurityGate {
  /** True when the tender requires no security (amount 0) or the bidder's paid amount ≥ the required amount. */
  abstract isPaid(manager: EntityManager, tenderId: string, bidderOrganizationId: string, lotNo?: number): Promise<boolean>;

  /**
   * Whether the bidder's security stays valid through `day` (CST, 'YYYY-MM-DD'): cash held has no end; an electronic
   * guarantee must run through it (TBR Art. 26: the security's validity equals the bid validity). Asked before a
   * bidder accepts an extension of the bid validity period (TBR Art. 25).
   */
  abstract coversThrough(manager: EntityManager, tenderId: string, bidderOrganizationId: string, day: string, lotNo?: number): Promise<boolean>;
}
