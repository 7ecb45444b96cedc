import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** An issuer's first notification of a guarantee, as stored (sealed: no bidder, a blind index and `ownerSealed`). */
export interface NewGuaranteeRow {
  guaranteeNo: string;
  issuerUscc: string;
  issuerType: string;
  issuerName: string;
  tenderId: string;
  lotNo: number;
  bidderOrganizationId: string | null;
  amount: string;
  validFrom: string;
  validUntil: string;
  issuedAt: Date;
  /** The plain SHA-256 of the body, or its keyed digest while the bidder is sealed. */
  bodyDigest: string;
  receivedAt: Date;
  bidderBlindIndex: string | null;
  ownerSealed: string | null;
}

/** A bid_guarantees row as `COLUMNS` selects it (amount and days as text): GuaranteeStore maps and opens it. */
export interface GuaranteeDbRow {
  id: string;
  guarantee_no: string;
  issuer_uscc: string;
  issuer_type: string;
  issuer_name: string;
  tender_id: string;
  lot_no: number;
  /** NULL while the bidder is sealed (`owner_sealed`, found by `bidder_blind_index`). */
  bidder_organization_id: string | null;
  amount: string;
  valid_from: string;
  valid_until: string;
  issued_at: Date | string;
  /** The plain SHA-256 of the body, or its keyed digest while the bidder is sealed. */
  body_sha256: string;
  status: string;
  received_at: Date | string;
  extended_at: Date | string | null;
  settled_at: Date | string | null;
  settlement_reason: string | null;
  legal_basis: string | null;
  owner_sealed: string | null;
  bidder_blind_index: string | null;
}

const COLUMNS = `id, guarantee_no, issuer_uscc, issuer_type, issuer_name, tender_id, lot_no, bidder_organization_id,
  amount::text AS amount, valid_from::text AS valid_from, valid_until::text AS valid_until, issued_at, body_sha256, status,
  received_at, extended_at, settled_at, settlement_reason, legal_basis, owner_sealed, bidder_blind_index`;

/**
 * The statements of the guarantee registration and of GuaranteeStore on bid_guarantees; rows are returned as stored
 * (GuaranteeStore maps and opens them). A bidder is matched by its organisation in clear or by its blind index
 * (`bidderBlindIndex`) while sealed (issue 17). One is a read model over another module's table, declared as such:
 * `lockPublishedTender` (tenders). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class BidGuaranteesRepository {
  /** Read model (tenders): the tender's share lock (as a payment's), false when there is no such tender or it is a draft. */
  async lockPublishedTender(m: EntityManager, tenderId: string): Promise<boolean> {
    const [t]: Array<{ id: string }> = await m.query(`SELECT id FROM tenders WHERE id = $1 AND status <> 'DRAFT' FOR SHARE`, [tenderId]);
    return !!t;
  }

  /** Registers a guarantee once per issuer and number: null when a concurrent copy won the unique index. */
  async insert(m: EntityManager, g: NewGuaranteeRow): Promise<string | null> {
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO bid_guarantees (guarantee_no, issuer_uscc, issuer_type, issuer_name, tender_id, lot_no, bidder_organization_id,
                                     amount, valid_from, valid_until, issued_at, body_sha256, received_at, bidder_blind_index, owner_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (issuer_uscc, guarantee_no) DO NOTHING RETURNING id`,
      [
        g.guaranteeNo,
        g.issuerUscc,
        g.issuerType,
        g.issuerName,
        g.tenderId,
        g.lotNo,
        g.bidderOrganizationId,
        g.amount,
        g.validFrom,
        g.validUntil,
        g.issuedAt,
        g.bodyDigest,
        g.receivedAt,
        g.bidderBlindIndex,
        g.ownerSealed,
      ],
    );
    return rows[0]?.id ?? null;
  }

  /** An extension: the new end of validity and body digest (the owner resealed with the new body when sealed). */
  async extend(m: EntityManager, guaranteeId: string, e: { validUntil: string; bodyDigest: string; ownerSealed: string | null }): Promise<void> {
    await m.query(`UPDATE bid_guarantees SET valid_until = $2, body_sha256 = $3, owner_sealed = COALESCE($4, owner_sealed), extended_at = clock_timestamp() WHERE id = $1`, [
      guaranteeId,
      e.validUntil,
      e.bodyDigest,
      e.ownerSealed,
    ]);
  }

  /** At the deadline: the tender's guarantees whose bidder is still sealed, locked in id order. */
  async sealedOfTender(m: EntityManager, tenderId: string): Promise<GuaranteeDbRow[]> {
    return m.query(`SELECT ${COLUMNS} FROM bid_guarantees WHERE tender_id = $1 AND bidder_organization_id IS NULL AND owner_sealed IS NOT NULL ORDER BY id FOR UPDATE`, [tenderId]);
  }

  /** At the deadline: the bidder and the body's plain SHA-256 of a sealed guarantee, in clear. */
  async setBidder(m: EntityManager, guaranteeId: string, bidderOrganizationId: string, bodySha256: string): Promise<void> {
    await m.query(`UPDATE bid_guarantees SET bidder_organization_id = $2, body_sha256 = $3 WHERE id = $1`, [guaranteeId, bidderOrganizationId, bodySha256]);
  }

  async byNumber(m: EntityManager, issuerUscc: string, guaranteeNo: string, lock = false): Promise<GuaranteeDbRow | null> {
    const rows: GuaranteeDbRow[] = await m.query(`SELECT ${COLUMNS} FROM bid_guarantees WHERE issuer_uscc = $1 AND guarantee_no = $2 ${lock ? 'FOR UPDATE' : ''}`, [
      issuerUscc,
      guaranteeNo,
    ]);
    return rows[0] ?? null;
  }

  /** The bidder's guarantees on a tender (on one lot when `lotNo` is given). */
  async ofBidder(m: EntityManager, q: { tenderId: string; bidderOrganizationId: string; bidderBlindIndex: string; lotNo?: number }): Promise<GuaranteeDbRow[]> {
    return m.query(
      `SELECT ${COLUMNS} FROM bid_guarantees WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $4)
         AND ($3::int IS NULL OR lot_no = $3)
       ORDER BY received_at, id`,
      [q.tenderId, q.bidderOrganizationId, q.lotNo ?? null, q.bidderBlindIndex],
    );
  }

  async ofTender(m: EntityManager, tenderId: string): Promise<GuaranteeDbRow[]> {
    return m.query(`SELECT ${COLUMNS} FROM bid_guarantees WHERE tender_id = $1 ORDER BY received_at, id`, [tenderId]);
  }

  /**
   * The valid guarantees that secure the bid: at least `amount`, in force on `from` and through `through` (TBR
   * Art. 26: the security's validity equals the bid validity).
   */
  async covering(
    m: EntityManager,
    q: { tenderId: string; bidderOrganizationId: string; bidderBlindIndex: string; lotNo: number; amount: string; from: string; through: string },
  ): Promise<GuaranteeDbRow[]> {
    return m.query(
      `SELECT ${COLUMNS} FROM bid_guarantees
       WHERE tender_id = $1 AND (bidder_organization_id = $2 OR bidder_blind_index = $7) AND lot_no = $3 AND status = 'VALID'
         AND amount >= $4::numeric AND valid_from <= $5::date AND valid_until >= $6::date
       ORDER BY received_at, id`,
      [q.tenderId, q.bidderOrganizationId, q.lotNo, q.amount, q.from, q.through, q.bidderBlindIndex],
    );
  }
}
