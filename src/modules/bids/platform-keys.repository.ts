import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** A tender's escrow private key as stored, sealed under SEALING_MASTER_KEY. */
export interface SealedEscrowKeyRow {
  tenderId: string;
  sealed: string;
}

/**
 * Owns `platform_keys` (the receipt key, sealed). Two statements act on the tenders module's `tenders` for the one-off
 * re-sealing of a legacy development installation, declared below (`sealedEscrowKeysForUpdate`; the write is `TendersRepository.resealEscrowKey`).
 * Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class PlatformKeysRepository {
  /** One generation of the key at a time (several processes start together and must agree on one key). */
  async lockForGeneration(m: EntityManager, name: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('platform-key:${name}', 7))`);
  }

  /** The stored private key, sealed; null when none was generated yet. */
  async findSealedPrivateKey(m: EntityManager, name: string): Promise<string | null> {
    const rows: Array<{ private_key_sealed: string }> = await m.query(`SELECT private_key_sealed FROM platform_keys WHERE name = $1`, [name]);
    return rows[0]?.private_key_sealed ?? null;
  }

  async insertEd25519(m: EntityManager, name: string, publicKeyPem: string, privateKeySealed: string): Promise<void> {
    await m.query(`INSERT INTO platform_keys (name, algorithm, public_key_pem, private_key_sealed) VALUES ($1, 'Ed25519', $2, $3)`, [name, publicKeyPem, privateKeySealed]);
  }

  async updateSealedPrivateKey(m: EntityManager, name: string, privateKeySealed: string): Promise<void> {
    await m.query(`UPDATE platform_keys SET private_key_sealed = $2 WHERE name = $1`, [name, privateKeySealed]);
  }

  /** Read model (tenders): every tender's sealed escrow private key, locked FOR UPDATE (for re-sealing). */
  async sealedEscrowKeysForUpdate(m: EntityManager): Promise<SealedEscrowKeyRow[]> {
    const rows: Array<{ id: string; sealed: string }> = await m.query(
      `SELECT id, escrow_private_key_sealed AS sealed FROM tenders WHERE escrow_private_key_sealed IS NOT NULL FOR UPDATE`,
    );
    return rows.map((r) => ({ tenderId: r.id, sealed: r.sealed }));
  }
}
