import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { hkdfSync } from 'crypto';
import { generateSm2KeyPair, sm2KeyPairFromSeed, sm2PublicFromPrivate, sm2Sign } from 'src/sdk/v2';
import { AuditService } from '../../audit/audit.service';

export const GM_RECEIPT_KEY_NAME = 'receipt-signing-sm2';
const AAD = `platform-key|${GM_RECEIPT_KEY_NAME}|sm2`;

/**
 * The platform's SM2 receipt key (GM-1 receipts of sealed-bid format v2, docs/SEALED_BID_FORMAT.md v2.5), beside
 * the Ed25519 key of PlatformKeyService: generated once, stored in platform_keys sealed under SEALING_MASTER_KEY;
 * the public point (hex 04‖x‖y) is published at GET /platform/keys as `receiptPublicKeySm2`.
 */
@Injectable()
export class GmReceiptKeyService implements OnModuleInit {
  private readonly logger = new Logger(GmReceiptKeyService.name);
  private privateKey: Buffer | null = null;
  private publicKeyHex = '';

  constructor(
    private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async onModuleInit(): Promise<void> {
    const configured = this.config.receiptSigningKeyPem;
    if (configured) {
      // An installation that manages its receipt key itself (RECEIPT_SIGNING_KEY) keeps no key in the database: the
      // SM2 key is derived from the configured one (HKDF-SHA256, info "receipt-signing-sm2").
      const seed = Buffer.from(hkdfSync('sha256', Buffer.from(configured, 'utf8'), Buffer.alloc(0), GM_RECEIPT_KEY_NAME, 32));
      this.privateKey = Buffer.from(sm2KeyPairFromSeed(seed).privateKey);
      this.publicKeyHex = Buffer.from(sm2PublicFromPrivate(this.privateKey)).toString('hex');
      return;
    }
    this.privateKey = await this.tx.run(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('platform-key:${GM_RECEIPT_KEY_NAME}', 7))`);
      const rows: Array<{ private_key_sealed: string }> = await m.query(`SELECT private_key_sealed FROM platform_keys WHERE name = $1`, [GM_RECEIPT_KEY_NAME]);
      if (rows.length) return this.crypto.unseal(this.config.sealingMasterKey, rows[0].private_key_sealed, AAD);
      const pair = generateSm2KeyPair();
      const publicHex = Buffer.from(pair.publicKey).toString('hex');
      await m.query(`INSERT INTO platform_keys (name, algorithm, public_key_pem, private_key_sealed) VALUES ($1, 'SM2', $2, $3)`, [
        GM_RECEIPT_KEY_NAME,
        publicHex,
        this.crypto.seal(this.config.sealingMasterKey, Buffer.from(pair.privateKey), AAD),
      ]);
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'PLATFORM_KEY_GENERATED',
        objectType: 'platform_key',
        objectId: GM_RECEIPT_KEY_NAME,
        data: { algorithm: 'SM2', publicKey: publicHex },
      });
      this.logger.log('generated the platform SM2 receipt key, stored sealed');
      return Buffer.from(pair.privateKey);
    });
    this.publicKeyHex = Buffer.from(sm2PublicFromPrivate(this.privateKey)).toString('hex');
  }

  get publicKey(): string {
    if (!this.privateKey) throw new Error('the SM2 receipt key is not loaded yet');
    return this.publicKeyHex;
  }

  /** DER SM2-SM3 signature (signer id 1234567812345678) of `message`, base64. */
  sign(message: Uint8Array): string {
    if (!this.privateKey) throw new Error('the SM2 receipt key is not loaded yet');
    return Buffer.from(sm2Sign(message, this.privateKey)).toString('base64');
  }
}
