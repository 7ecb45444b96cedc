import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { generateSm2KeyPair, sm2PublicFromPrivate } from 'src/sdk/v2';
import { AuditService } from '../audit/audit.service';
import { ThresholdEscrowService } from '../custody/threshold-escrow.service';
import { EscrowKeyService } from './escrow-key.service';
import { TenderException } from './tender.exception';
import { TendersRepository } from './tenders.repository';

export const gmEscrowKeyAad = (tenderId: string) => `tender-escrow-sm2|${tenderId}`;

/** The custody name of the tender's SM2 escrow private key (threshold escrow, issue 17). */
export const GM_ESCROW_KEY_SECRET = 'escrow-key-sm2';

/**
 * The tender's GM-1 escrow key pair (SM2; sealed-bid format v2), beside the X25519 pair of EscrowKeyService and
 * under the same rules: created at publication, the private key never stored whole but split k-of-n among the
 * custodians with the bid deadline as release instant (issue 17), rebuilt only at or after the bid deadline by the
 * database clock and each custodian's own (EB20 Art. 27 ¶2), audited. A key sealed under SEALING_MASTER_KEY
 * (`escrow_private_key_sm2_sealed`, written before threshold escrow reached GM-1) is still read.
 */
@Injectable()
export class GmEscrowKeyService {
  constructor(
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly escrow: EscrowKeyService,
    private readonly custody: ThresholdEscrowService,
    private readonly tenders: TendersRepository,
  ) {}

  async createSealed(manager: EntityManager, tenderId: string): Promise<string> {
    const pair = generateSm2KeyPair();
    const privateKey = Buffer.from(pair.privateKey);
    const publicHex = Buffer.from(pair.publicKey).toString('hex');
    try {
      const bidDeadline = await this.tenders.setSm2EscrowPublicKey(manager, tenderId, publicHex);
      if (!bidDeadline) throw TenderException.conflict('The tender already has an SM2 escrow key');
      await this.escrow.keepPrivateKey(manager, tenderId, privateKey, bidDeadline, GM_ESCROW_KEY_SECRET);
    } finally {
      privateKey.fill(0);
    }
    return publicHex;
  }

  /** The SM2 private key (32 bytes) and its public point, checked to belong together; 403 before the deadline. */
  async unseal(manager: EntityManager, tenderId: string, actor: Actor): Promise<{ privateKey: Buffer; publicKey: Buffer }> {
    const row = await this.tenders.sm2EscrowKey(manager, tenderId);
    if (!row) throw new NotFoundException('The tender');
    if (!row.publicKey) throw TenderException.conflict('The tender has no SM2 escrow key');
    if (!row.due) throw TenderException.sealed(); // EB20 Art. 27 ¶2
    const publicKey = Buffer.from(row.publicKey, 'hex');
    const matches = (secret: Buffer) => secret.length === 32 && Buffer.from(sm2PublicFromPrivate(secret)).equals(publicKey);
    const privateKey = row.sealed
      ? this.crypto.unseal(this.config.sealingMasterKey, row.sealed, gmEscrowKeyAad(tenderId))
      : await this.custody.reconstruct(manager, { tenderId, secretId: GM_ESCROW_KEY_SECRET, actor, check: matches });
    if (!matches(privateKey)) throw new Error('the SM2 escrow private key does not match the published public key');
    await this.audit.append(manager, {
      actor,
      action: 'ESCROW_KEY_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { bidDeadline: new Date(row.bidDeadline).toISOString(), suite: 'GM-1' },
    });
    return { privateKey, publicKey };
  }
}
