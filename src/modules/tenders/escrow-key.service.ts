import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { generateEscrowKeyPair } from 'src/sdk';
import { AuditService } from '../audit/audit.service';
import { TenderException } from './tender.exception';

/** The AAD that binds a sealed escrow private key to its tender. */
export const escrowKeyAad = (tenderId: string) => `tender-escrow|${tenderId}`;

/**
 * The tender's escrow key pair (sealed-bid format v1, API.md step 4): X25519, raw 32-byte keys as base64.
 * Created at publication; the private key is stored sealed under SEALING_MASTER_KEY and unsealed only at or after
 * the bid deadline by the database clock (EB20 Art. 27 ¶2: nobody decrypts a bid before the deadline), audited.
 */
@Injectable()
export class EscrowKeyService {
  constructor(
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /** Creates the pair for a tender inside the caller's transaction and returns the public key (base64). */
  async createSealed(manager: EntityManager, tenderId: string): Promise<string> {
    const pair = generateEscrowKeyPair();
    const privateKey = Buffer.from(pair.privateKey, 'base64');
    const sealed = this.crypto.seal(this.config.sealingMasterKey, privateKey, escrowKeyAad(tenderId));
    privateKey.fill(0);
    const rows: unknown[] = await manager.query(
      `UPDATE tenders SET escrow_public_key = $2, escrow_private_key_sealed = $3
       WHERE id = $1 AND escrow_private_key_sealed IS NULL RETURNING id`,
      [tenderId, pair.publicKey, sealed],
    );
    if (rows.length === 0) throw TenderException.conflict('The tender already has an escrow key');
    return pair.publicKey;
  }

  /**
   * The raw 32-byte escrow private key, for the opening module. Refused (403 SEALED_UNTIL_OPENING) while the
   * database clock is before the bid deadline; every unsealing is appended to the audit log.
   */
  async unseal(manager: EntityManager, tenderId: string, actor: Actor): Promise<Buffer> {
    const rows: Array<{ sealed: string | null; due: boolean; bid_deadline: Date }> = await manager.query(
      `SELECT escrow_private_key_sealed AS sealed, bid_deadline, (bid_deadline <= clock_timestamp()) AS due
       FROM tenders WHERE id = $1`,
      [tenderId],
    );
    if (rows.length === 0) throw new NotFoundException('The tender');
    const row = rows[0];
    if (!row.sealed) throw TenderException.conflict('The tender has no escrow key (it was never published)');
    if (!row.due) throw TenderException.sealed(); // EB20 Art. 27 ¶2; MOF87 Art. 33
    const key = this.crypto.unseal(this.config.sealingMasterKey, row.sealed, escrowKeyAad(tenderId));
    await this.audit.append(manager, {
      actor,
      action: 'ESCROW_KEY_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { bidDeadline: new Date(row.bid_deadline).toISOString() },
    });
    return key;
  }
}
