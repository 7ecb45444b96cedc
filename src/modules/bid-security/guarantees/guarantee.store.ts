import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';

export type GuaranteeStatus = 'VALID' | 'RELEASED' | 'CLAIMED';

/** One 电子保函 as stored (bid_guarantees). Days are 'YYYY-MM-DD' in China Standard Time. */
export interface GuaranteeRow {
  id: string;
  guaranteeNo: string;
  issuerUscc: string;
  issuerType: string;
  issuerName: string;
  tenderId: string;
  lotNo: number;
  bidderOrganizationId: string;
  amount: string;
  validFrom: string;
  validUntil: string;
  issuedAt: Date;
  bodySha256: string;
  status: GuaranteeStatus;
  receivedAt: Date;
  extendedAt: Date | null;
  settledAt: Date | null;
  settlementReason: string | null;
  legalBasis: string | null;
}

export interface GuaranteeView {
  guaranteeNo: string;
  issuerType: string;
  issuerName: string;
  issuerUscc: string;
  lotNo: number;
  amount: string;
  validFrom: string;
  validUntil: string;
  issuedAt: string;
  receivedAt: string;
  status: GuaranteeStatus;
  settledAt: string | null;
  settlementReason: string | null;
  legalBasis: string | null;
}

const COLUMNS = `id, guarantee_no, issuer_uscc, issuer_type, issuer_name, tender_id, lot_no, bidder_organization_id,
  amount::text AS amount, valid_from::text AS valid_from, valid_until::text AS valid_until, issued_at, body_sha256, status,
  received_at, extended_at, settled_at, settlement_reason, legal_basis`;

/** The SQL of bid_guarantees, in the caller's transaction. */
@Injectable()
export class GuaranteeStore {
  async byNumber(m: EntityManager, issuerUscc: string, guaranteeNo: string, lock = false): Promise<GuaranteeRow | null> {
    const rows = await m.query(
      `SELECT ${COLUMNS} FROM bid_guarantees WHERE issuer_uscc = $1 AND guarantee_no = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [issuerUscc, guaranteeNo],
    );
    return rows[0] ? toGuarantee(rows[0]) : null;
  }

  async ofBidder(m: EntityManager, tenderId: string, bidderOrganizationId: string, lotNo?: number): Promise<GuaranteeRow[]> {
    const rows = await m.query(
      `SELECT ${COLUMNS} FROM bid_guarantees WHERE tender_id = $1 AND bidder_organization_id = $2 AND ($3::int IS NULL OR lot_no = $3)
       ORDER BY received_at, id`,
      [tenderId, bidderOrganizationId, lotNo ?? null],
    );
    return rows.map(toGuarantee);
  }

  async ofTender(m: EntityManager, tenderId: string): Promise<GuaranteeRow[]> {
    const rows = await m.query(`SELECT ${COLUMNS} FROM bid_guarantees WHERE tender_id = $1 ORDER BY received_at, id`, [tenderId]);
    return rows.map(toGuarantee);
  }

  /**
   * The valid guarantees that secure the bid: at least `amount`, in force on the deadline's day and through the last
   * day of the bid validity period (TBR Art. 26: the security's validity equals the bid validity).
   */
  async covering(m: EntityManager, q: { tenderId: string; bidderOrganizationId: string; lotNo: number; amount: string; from: string; through: string }): Promise<GuaranteeRow[]> {
    const rows = await m.query(
      `SELECT ${COLUMNS} FROM bid_guarantees
       WHERE tender_id = $1 AND bidder_organization_id = $2 AND lot_no = $3 AND status = 'VALID'
         AND amount >= $4::numeric AND valid_from <= $5::date AND valid_until >= $6::date
       ORDER BY received_at, id`,
      [q.tenderId, q.bidderOrganizationId, q.lotNo, q.amount, q.from, q.through],
    );
    return rows.map(toGuarantee);
  }
}

export function toGuarantee(r: Record<string, unknown>): GuaranteeRow {
  return {
    id: r.id as string,
    guaranteeNo: r.guarantee_no as string,
    issuerUscc: r.issuer_uscc as string,
    issuerType: r.issuer_type as string,
    issuerName: r.issuer_name as string,
    tenderId: r.tender_id as string,
    lotNo: Number(r.lot_no),
    bidderOrganizationId: r.bidder_organization_id as string,
    amount: normalizeMoney(String(r.amount)),
    validFrom: r.valid_from as string,
    validUntil: r.valid_until as string,
    issuedAt: new Date(r.issued_at as string),
    bodySha256: r.body_sha256 as string,
    status: r.status as GuaranteeStatus,
    receivedAt: new Date(r.received_at as string),
    extendedAt: r.extended_at ? new Date(r.extended_at as string) : null,
    settledAt: r.settled_at ? new Date(r.settled_at as string) : null,
    settlementReason: (r.settlement_reason as string | null) ?? null,
    legalBasis: (r.legal_basis as string | null) ?? null,
  };
}

export function toGuaranteeView(g: GuaranteeRow): GuaranteeView {
  return {
    guaranteeNo: g.guaranteeNo,
    issuerType: g.issuerType,
    issuerName: g.issuerName,
    issuerUscc: g.issuerUscc,
    lotNo: g.lotNo,
    amount: g.amount,
    validFrom: g.validFrom,
    validUntil: g.validUntil,
    issuedAt: g.issuedAt.toISOString(),
    receivedAt: g.receivedAt.toISOString(),
    status: g.status,
    settledAt: g.settledAt?.toISOString() ?? null,
    settlementReason: g.settlementReason,
    legalBasis: g.legalBasis,
  };
}
