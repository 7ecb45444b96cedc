import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** The platform custodian's sealed share of one tender secret. */
export interface CustodyShareRow {
  shareIndex: number;
  notBefore: Date;
  sealedShare: string;
  /** The database clock when read: the platform custodian's clock. */
  now: Date;
}

/**
 * Owns `escrow_custody_shares` (the platform custodian's shares) and the custody columns of a tender
 * (`identity_public_key`, `draw_seed_commitment`, written at publication). Every method takes the caller's
 * EntityManager (its transaction).
 */
@Injectable()
export class EscrowCustodySharesRepository {
  async insert(m: EntityManager, s: { tenderId: string; secretId: string; custodian: string; shareIndex: number; notBefore: Date; sealedShare: string }): Promise<void> {
    await m.query(`INSERT INTO escrow_custody_shares (tender_id, secret_id, custodian, share_index, not_before, sealed_share) VALUES ($1, $2, $3, $4, $5, $6)`, [
      s.tenderId,
      s.secretId,
      s.custodian,
      s.shareIndex,
      s.notBefore,
      s.sealedShare,
    ]);
  }

  async setNotBefore(m: EntityManager, tenderId: string, secretId: string, custodian: string, notBefore: Date): Promise<void> {
    await m.query(`UPDATE escrow_custody_shares SET not_before = $4 WHERE tender_id = $1 AND secret_id = $2 AND custodian = $3`, [tenderId, secretId, custodian, notBefore]);
  }

  async find(m: EntityManager, tenderId: string, secretId: string, custodian: string): Promise<CustodyShareRow | null> {
    const rows: Array<{ share_index: number; not_before: Date; sealed_share: string; now: Date }> = await m.query(
      `SELECT share_index, not_before, sealed_share, clock_timestamp() AS now FROM escrow_custody_shares
       WHERE tender_id = $1 AND secret_id = $2 AND custodian = $3`,
      [tenderId, secretId, custodian],
    );
    const r = rows[0];
    return r ? { shareIndex: r.share_index, notBefore: new Date(r.not_before), sealedShare: r.sealed_share, now: new Date(r.now) } : null;
  }
}

/**
 * The custody columns of `tenders` (a table of the tenders module): the identity public key and the draw-seed
 * commitment, written once at publication by this module, and read back.
 */
@Injectable()
export class TenderCustodyRepository {
  /** Read model (tenders): the tender's identity public key (base64), null when it has none or does not exist. */
  async identityPublicKey(m: EntityManager, tenderId: string): Promise<string | null> {
    const [row]: Array<{ k: string | null }> = await m.query(`SELECT identity_public_key AS k FROM tenders WHERE id = $1`, [tenderId]);
    return row?.k ?? null;
  }

  /** Read model (tenders): it has an identity key and its deadline has not passed (database clock). */
  async sealsIdentities(m: EntityManager, tenderId: string): Promise<boolean> {
    const [row]: Array<{ sealed: boolean }> = await m.query(`SELECT (identity_public_key IS NOT NULL AND clock_timestamp() < bid_deadline) AS sealed FROM tenders WHERE id = $1`, [
      tenderId,
    ]);
    return row?.sealed ?? false;
  }
}
