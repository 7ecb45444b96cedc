import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { generateSm2KeyPair, sm2PublicFromPrivate } from 'src/sdk/v2';
import { AuditService } from '../audit/audit.service';
import { TenderException } from './tender.exception';

export const gmEscrowKeyAad = (tenderId: string) => `tender-escrow-sm2|${tenderId}`;

/**
 * The tender's GM-1 escrow key pair (SM2; sealed-bid format v2), beside the X25519 pair of EscrowKeyService and
 * under the same rules: created at publication, the private key sealed under SEALING_MASTER_KEY and unsealed only
 * at or after the bid deadline by the database clock (EB20 Art. 27 ¶2), audited.
 */
@Injectable()
export class GmEscrowKeyService {
  constructor(
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async createSealed(manager: EntityManager, tenderId: string): Promise<string> {
    const pair = generateSm2KeyPair();
    const privateKey = Buffer.from(pair.privateKey);
    const sealed = this.crypto.seal(this.config.sealingMasterKey, privateKey, gmEscrowKeyAad(tenderId));
    privateKey.fill(0);
    const publicHex = Buffer.from(pair.publicKey).toString('hex');
    const rows: unknown[] = await manager.query(
      `UPDATE tenders SET escrow_public_key_sm2 = $2, escrow_private_key_sm2_sealed = $3
       WHERE id = $1 AND escrow_private_key_sm2_sealed IS NULL RETURNING id`,
      [tenderId, publicHex, sealed],
    );
    if (rows.length === 0) throw TenderException.conflict('The tender already has an SM2 escrow key');
    return publicHex;
  }

  /** The SM2 private key (32 bytes) and its public point, checked to belong together; 403 before the deadline. */
  async unseal(manager: EntityManager, tenderId: string, actor: Actor): Promise<{ privateKey: Buffer; publicKey: Buffer }> {
    const rows: Array<{ sealed: string | null; pub: string | null; due: boolean; bid_deadline: Date }> = await manager.query(
      `SELECT escrow_private_key_sm2_sealed AS sealed, escrow_public_key_sm2 AS pub, bid_deadline, (bid_deadline <= clock_timestamp()) AS due
       FROM tenders WHERE id = $1`,
      [tenderId],
    );
    if (rows.length === 0) throw new NotFoundException('The tender');
    const row = rows[0];
    if (!row.sealed || !row.pub) throw TenderException.conflict('The tender has no SM2 escrow key');
    if (!row.due) throw TenderException.sealed(); // EB20 Art. 27 ¶2
    const privateKey = this.crypto.unseal(this.config.sealingMasterKey, row.sealed, gmEscrowKeyAad(tenderId));
    const publicKey = Buffer.from(row.pub, 'hex');
    if (!Buffer.from(sm2PublicFromPrivate(privateKey)).equals(publicKey)) {
      throw new Error('the unsealed SM2 escrow private key does not match the published public key');
    }
    await this.audit.append(manager, {
      actor,
      action: 'ESCROW_KEY_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { bidDeadline: new Date(row.bid_deadline).toISOString(), suite: 'GM-1' },
    });
    return { privateKey, publicKey };
  }
}
