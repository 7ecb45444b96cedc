import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createPrivateKey, createPublicKey, hkdfSync, KeyObject, sign, verify } from 'crypto';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { EnvelopeFields, generateReceiptKeyPair, ReceiptFields, signEnvelope, signReceipt } from 'src/sdk';
import { AuditService } from '../audit/audit.service';
import { PlatformKeysRepository } from './platform-keys.repository';
import { TendersRepository } from '../tenders/tenders.repository';

export const RECEIPT_KEY_NAME = 'receipt-signing';
const RECEIPT_KEY_AAD = `platform-key|${RECEIPT_KEY_NAME}|ed25519`;

/**
 * The platform's Ed25519 receipt key (API.md: `signature` of every bid receipt, public key at GET /platform/keys).
 * Taken from RECEIPT_SIGNING_KEY when configured; otherwise generated once and stored in platform_keys sealed
 * under SEALING_MASTER_KEY (an advisory lock makes concurrent first starts agree on one key). Unsealed in memory
 * at start-up only.
 */
@Injectable()
export class PlatformKeyService implements OnModuleInit {
  private readonly logger = new Logger(PlatformKeyService.name);
  private privateKey: KeyObject | null = null;
  private publicKeyPem = '';

  constructor(
    private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  /**
   * Stateless, so held directly rather than injected: the service is also created outside its module (a second
   * start-up in the same process, ModuleRef.create), where only the global providers above resolve.
   */
  private readonly keys = new PlatformKeysRepository();
  private readonly tenderRows = new TendersRepository(); // stateless; see `keys`

  async onModuleInit(): Promise<void> {
    const configured = this.config.receiptSigningKeyPem;
    if (configured) {
      this.use(configured.replace(/\\n/g, '\n'), 'RECEIPT_SIGNING_KEY');
      return;
    }
    const pem = await this.tx.run(async (m) => {
      await this.keys.lockForGeneration(m, RECEIPT_KEY_NAME);
      const stored = await this.keys.findSealedPrivateKey(m, RECEIPT_KEY_NAME);
      if (stored !== null) {
        try {
          return this.crypto.unseal(this.config.sealingMasterKey, stored, RECEIPT_KEY_AAD).toString('utf8');
        } catch {
          const migrated = await this.resealLegacyDevelopmentInstallation(m, stored);
          if (migrated) return migrated;
          throw new Error(
            'The stored receipt key cannot be unsealed: SEALING_MASTER_KEY is not the key it was sealed with. ' +
              '(A development database created before unconfigured secrets became random per installation — ' +
              `kept in ${this.config.dataDir}/secrets — must be recreated, or started with its old SEALING_MASTER_KEY.)`,
          );
        }
      }
      const pair = generateReceiptKeyPair();
      const sealed = this.crypto.seal(this.config.sealingMasterKey, Buffer.from(pair.privateKeyPem, 'utf8'), RECEIPT_KEY_AAD);
      await this.keys.insertEd25519(m, RECEIPT_KEY_NAME, pair.publicKeyPem, sealed);
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'PLATFORM_KEY_GENERATED',
        objectType: 'platform_key',
        objectId: RECEIPT_KEY_NAME,
        data: { algorithm: 'Ed25519', publicKeyPem: pair.publicKeyPem },
      });
      this.logger.log('generated the platform receipt key (Ed25519), stored sealed');
      return pair.privateKeyPem;
    });
    this.use(pem, 'platform_keys');
  }

  /**
   * A development installation from before secrets were generated per installation sealed its keys under a key
   * derived from a public string. Once: re-seal the receipt key and every tender's escrow key under this
   * installation's generated SEALING_MASTER_KEY (audited), and go on. Null when it was not that.
   */
  private async resealLegacyDevelopmentInstallation(m: EntityManager, sealedReceiptKey: string): Promise<string | null> {
    const legacy = this.config.legacyDevelopmentSealingKey;
    if (!legacy) return null;
    let pem: string;
    try {
      pem = this.crypto.unseal(legacy, sealedReceiptKey, RECEIPT_KEY_AAD).toString('utf8');
    } catch {
      return null;
    }
    const key = this.config.sealingMasterKey;
    await this.keys.updateSealedPrivateKey(m, RECEIPT_KEY_NAME, this.crypto.seal(key, Buffer.from(pem, 'utf8'), RECEIPT_KEY_AAD));
    const tenders = await this.keys.sealedEscrowKeysForUpdate(m);
    for (const t of tenders) {
      const aad = `tender-escrow|${t.tenderId}`; // escrowKeyAad of the tenders module
      const raw = this.crypto.unseal(legacy, t.sealed, aad);
      await this.tenderRows.resealEscrowKey(m, t.tenderId, this.crypto.seal(key, raw, aad));
      raw.fill(0);
    }
    await this.audit.append(m, {
      actor: SYSTEM_ACTOR,
      action: 'SEALING_KEY_ROTATED',
      objectType: 'platform_key',
      objectId: RECEIPT_KEY_NAME,
      data: { reason: 'development installation moved from a public sealing key to one generated for it', escrowKeys: tenders.length },
    });
    this.logger.warn(`re-sealed the receipt key and ${tenders.length} escrow keys under this installation's generated sealing key`);
    return pem;
  }

  private use(privatePem: string, source: string): void {
    let key: KeyObject;
    try {
      key = createPrivateKey(privatePem);
    } catch {
      throw new Error(`The receipt key from ${source} is not a PEM private key`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`The receipt key from ${source} must be an Ed25519 key`);
    this.privateKey = key;
    this.publicKeyPem = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
  }

  /** SPKI PEM of the receipt key. */
  get receiptPublicKeyPem(): string {
    if (!this.privateKey) throw new Error('the receipt key is not loaded yet');
    return this.publicKeyPem;
  }

  /** base64 Ed25519 signature over `bidId|version|tenderId|bidderOrganizationId|ciphertextSha256|keyCommitment|receivedAt`. */
  signReceipt(fields: ReceiptFields): string {
    if (!this.privateKey) throw new Error('the receipt key is not loaded yet');
    return signReceipt(fields, this.privateKey);
  }

  /** The v1 receipt extension: SHA-256 and signature of the canonical envelope of every stored field (§5.1). */
  signEnvelope(fields: EnvelopeFields): { envelopeSha256: string; envelopeSignature: string } {
    if (!this.privateKey) throw new Error('the receipt key is not loaded yet');
    return signEnvelope(fields, this.privateKey);
  }

  /**
   * 32 bytes derived from the receipt key for another purpose (HKDF-SHA256 over its PKCS#8 DER, `info` naming the
   * purpose): the SM2 receipt key of format v2 (GmReceiptKeyService), so that one key is managed, stored and rotated.
   */
  deriveKeyMaterial(info: string): Buffer {
    if (!this.privateKey) throw new Error('the receipt key is not loaded yet');
    const der = this.privateKey.export({ format: 'der', type: 'pkcs8' });
    return Buffer.from(hkdfSync('sha256', der, Buffer.alloc(0), info, 32));
  }

  /** base64 Ed25519 signature of `message` with the platform key (signed audit heads). */
  signBytes(message: Buffer): string {
    if (!this.privateKey) throw new Error('the receipt key is not loaded yet');
    return sign(null, message, this.privateKey).toString('base64');
  }

  verifyBytes(message: Buffer, signatureB64: string): boolean {
    if (!this.privateKey) throw new Error('the receipt key is not loaded yet');
    try {
      return verify(null, message, createPublicKey(this.privateKey), Buffer.from(signatureB64, 'base64'));
    } catch {
      return false;
    }
  }
}
