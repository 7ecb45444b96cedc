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

/**
 * The statements of the guarantee registration on bid_guarantees. One is a read model over another module's table,
 * declared as such: `lockPublishedTender` (tenders). Every method takes the caller's EntityManager (its transaction).
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
}
