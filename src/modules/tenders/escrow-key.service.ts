import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { generateEscrowKeyPair } from 'src/sdk';
import { x25519PublicFromPrivate } from 'src/sdk/x25519';
import { AuditService } from '../audit/audit.service';
import { ThresholdEscrowService } from '../custody/threshold-escrow.service';
import { TenderException } from './tender.exception';
import { TendersRepository } from './tenders.repository';

/** The AAD that binds a sealed escrow private key to its tender. */
export const escrowKeyAad = (tenderId: string) => `tender-escrow|${tenderId}`;

/** The custody name of the tender's escrow private key (threshold escrow, issue 17). */
export const ESCROW_KEY_SECRET = 'escrow-key';

/**
 * The tender's escrow key pair (sealed-bid format v1, API.md step 4): X25519, raw 32-byte keys as base64.
 * Created at publication; the private key is never stored whole: it is split k-of-n among the custodians
 * (ThresholdEscrowService, issue 17) with the bid deadline as release instant, and rebuilt only at or after the bid
 * deadline — by the database clock here, and by each custodian's own clock (EB20 Art. 27 ¶2: nobody decrypts a bid
 * before the deadline), audited. Tenders published before threshold escrow keep their key sealed under
 * SEALING_MASTER_KEY (`escrow_private_key_sealed`).
 */
@Injectable()
export class EscrowKeyService {
  constructor(
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly custody: ThresholdEscrowService,
    private readonly tenders: TendersRepository,
  ) {}

  /** Creates the pair for a tender inside the caller's transaction and returns the public key (base64). */
  async createSealed(manager: EntityManager, tenderId: string): Promise<string> {
    const pair = generateEscrowKeyPair();
    const privateKey = Buffer.from(pair.privateKey, 'base64');
    const bidDeadline = await this.tenders.setEscrowPublicKey(manager, tenderId, pair.publicKey);
    if (!bidDeadline) throw TenderException.conflict('The tender already has an escrow key');
    try {
      await this.keepPrivateKey(manager, tenderId, privateKey, bidDeadline);
    } finally {
      privateKey.fill(0);
    }
    return pair.publicKey;
  }

  /** Storage of a private key: split among the custodians, released at the deadline (the layer other keys reuse). */
  async keepPrivateKey(manager: EntityManager, tenderId: string, privateKey: Buffer, bidDeadline: Date, secretId = ESCROW_KEY_SECRET): Promise<void> {
    await this.custody.deposit(manager, { tenderId, secretId, secret: privateKey, notBefore: bidDeadline, actor: SYSTEM_ACTOR });
  }

  /** The deadline moved (a suspension, an amendment): the custodians' release instant moves with it (audited). */
  async rescheduleRelease(manager: EntityManager, tenderId: string, bidDeadline: Date, reason: 'SUSPENSION' | 'AMENDMENT', actor: Actor): Promise<void> {
    await this.custody.reschedule(manager, { tenderId, secretIds: [ESCROW_KEY_SECRET, 'escrow-key-sm2', 'identity-key', 'draw-seed'], notBefore: bidDeadline, reason, actor });
  }

  /**
   * The raw 32-byte escrow private key, for the opening module. Refused (403 SEALED_UNTIL_OPENING) while the
   * database clock is before the bid deadline; every unsealing is appended to the audit log.
   */
  async unseal(manager: EntityManager, tenderId: string, actor: Actor): Promise<Buffer> {
    const row = await this.tenders.escrowKey(manager, tenderId);
    if (!row) throw new NotFoundException('The tender');
    if (!row.sealed && !row.publicKey) throw TenderException.conflict('The tender has no escrow key (it was never published)');
    if (!row.due) throw TenderException.sealed(); // EB20 Art. 27 ¶2; MOF87 Art. 33
    const key = row.sealed
      ? this.crypto.unseal(this.config.sealingMasterKey, row.sealed, escrowKeyAad(tenderId)) // published before threshold escrow
      : await this.custody.reconstruct(manager, {
          tenderId,
          secretId: ESCROW_KEY_SECRET,
          actor,
          check: (secret) => secret.length === 32 && x25519PublicFromPrivate(secret).toString('base64') === row.publicKey,
        });
    await this.audit.append(manager, {
      actor,
      action: 'ESCROW_KEY_UNSEALED',
      objectType: 'tender',
      objectId: tenderId,
      tenderId,
      data: { bidDeadline: new Date(row.bidDeadline).toISOString() },
    });
    return key;
  }
}
