import { Injectable } from '@nestjs/common';
import { sm2KeyPairFromSeed, sm2Sign } from 'src/sdk/v2';
import { PlatformKeyService } from '../platform-key.service';

export const GM_RECEIPT_KEY_INFO = 'receipt-signing-sm2';

/**
 * The platform's SM2 receipt key (GM-1 receipts of sealed-bid format v2, docs/SEALED_BID_FORMAT.md v2.5), derived
 * from the Ed25519 receipt key (HKDF-SHA256, info "receipt-signing-sm2"): one key to manage, store sealed and rotate,
 * whether it is generated or configured (RECEIPT_SIGNING_KEY). The public point (hex 04‖x‖y) is published at
 * GET /platform/keys as `receiptPublicKeySm2`.
 */
@Injectable()
export class GmReceiptKeyService {
  private pair: { privateKey: Uint8Array; publicKeyHex: string } | null = null;

  constructor(private readonly ed25519: PlatformKeyService) {}

  private key(): { privateKey: Uint8Array; publicKeyHex: string } {
    if (!this.pair) {
      const seed = this.ed25519.deriveKeyMaterial(GM_RECEIPT_KEY_INFO);
      const kp = sm2KeyPairFromSeed(seed);
      seed.fill(0);
      this.pair = { privateKey: kp.privateKey, publicKeyHex: Buffer.from(kp.publicKey).toString('hex') };
    }
    return this.pair;
  }

  get publicKey(): string {
    return this.key().publicKeyHex;
  }

  /** DER SM2-SM3 signature (signer id 1234567812345678) of `message`, base64. */
  sign(message: Uint8Array): string {
    return Buffer.from(sm2Sign(message, this.key().privateKey)).toString('base64');
  }
}
