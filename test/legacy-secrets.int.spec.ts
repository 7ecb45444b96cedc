import { createHash, randomBytes } from 'crypto';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { PlatformKeyService, RECEIPT_KEY_NAME } from 'src/modules/bids/platform-key.service';
import { EscrowKeyService, escrowKeyAad } from 'src/modules/tenders/escrow-key.service';
import { generateReceiptKeyPair } from 'src/sdk';
import { insertTender } from './factories/bid-security.factory';
import { createTestApp } from './helpers/test-app';

/**
 * A development installation from before secrets were generated per installation: its receipt key and escrow keys
 * were sealed under a key derived from a public string. It starts, re-seals them once under its generated key.
 */
describe('a development installation sealed under the former public key', () => {
  it('is re-sealed under the generated key at start-up, audited, and keeps its keys', async () => {
    const legacy = createHash('sha256').update('ebidding-dev-only-sealing').digest();
    const a = await createTestApp({ workers: false });
    const crypto = new CryptoService();
    const pair = generateReceiptKeyPair();
    const escrowPrivate = randomBytes(32);
    let tenderId: string;
    try {
      await a.dataSource.query(`UPDATE platform_keys SET public_key_pem = $2, private_key_sealed = $3 WHERE name = $1`, [
        RECEIPT_KEY_NAME,
        pair.publicKeyPem,
        crypto.seal(legacy, Buffer.from(pair.privateKeyPem), `platform-key|${RECEIPT_KEY_NAME}|ed25519`),
      ]);
      tenderId = (await insertTender(a, { deadlineInMs: -1000 })).id;
      await a.dataSource.query(`UPDATE tenders SET escrow_private_key_sealed = $2 WHERE id = $1`, [tenderId, crypto.seal(legacy, escrowPrivate, escrowKeyAad(tenderId))]);
    } finally {
      await a.close();
    }
    const b = await createTestApp({ workers: false, keepData: true });
    try {
      expect(b.app.get(PlatformKeyService).receiptPublicKeyPem).toBe(pair.publicKeyPem);
      const key = await b.dataSource.transaction((m) => b.app.get(EscrowKeyService).unseal(m, tenderId, SYSTEM_ACTOR));
      expect(key.equals(escrowPrivate)).toBe(true);
      const [{ sealed }] = await b.dataSource.query(`SELECT escrow_private_key_sealed AS sealed FROM tenders WHERE id = $1`, [tenderId]);
      expect(() => crypto.unseal(legacy, sealed, escrowKeyAad(tenderId))).toThrow(); // no longer under the public key
      expect(await b.dataSource.query(`SELECT 1 FROM audit_events WHERE action = 'SEALING_KEY_ROTATED'`)).toHaveLength(1);
    } finally {
      await b.close();
    }
  });
});
