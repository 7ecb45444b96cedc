/**
 * The worked example of docs/SEALED_BID_FORMAT.md: the document's JSON block must equal what the SDK computes from
 * the fixed inputs, and the values must be reproducible with node:crypto alone (RFC 7748 / RFC 8032 keys).
 */
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, sign } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { openBid, unwrapEscrowedKey, verifyReceipt } from 'src/sdk';
import { computeTestVector, VECTOR_INPUTS } from './test-vector';

const DOC = join(__dirname, '..', '..', '..', 'docs', 'SEALED_BID_FORMAT.md');

function documentedVector(): { inputs: unknown; outputs: Record<string, string> } {
  const text = readFileSync(DOC, 'utf8');
  const m = /<!-- test-vector:begin -->\s*```json\n([\s\S]*?)\n```\s*<!-- test-vector:end -->/.exec(text);
  if (!m) throw new Error('docs/SEALED_BID_FORMAT.md has no test-vector block');
  return JSON.parse(m[1]);
}

describe('the documented test vector', () => {
  const computed = computeTestVector();

  it('is exactly what the SDK computes (regenerate: see the script in test-vector.ts)', () => {
    expect(documentedVector()).toEqual(JSON.parse(JSON.stringify({ inputs: VECTOR_INPUTS, outputs: computed })));
  });

  it('uses the RFC 7748 §6.1 keys, so the X25519 step is checkable against the RFC', () => {
    expect(computed.escrowPublicKeyHex).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(computed.ephemeralPublicKeyHex).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(computed.sharedSecretHex).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  it('is reproduced step by step with node:crypto alone', () => {
    const v = VECTOR_INPUTS;
    const key = Buffer.from(v.keyHex, 'hex');
    const c = createCipheriv('aes-256-gcm', key, Buffer.from(v.ivHex, 'hex'));
    c.setAAD(Buffer.from(`${v.tenderId}|${v.bidderOrganizationId}`, 'utf8'));
    const ct = Buffer.concat([c.update(Buffer.from(computed.plaintextUtf8, 'utf8')), c.final(), c.getAuthTag()]);
    expect(ct.toString('hex')).toBe(computed.ciphertextHex);
    expect(createHash('sha256').update('bid-key-v1').update(key).digest('hex')).toBe(computed.keyCommitment);

    const jwk = (hex: string, pubHex?: string) => ({
      kty: 'OKP',
      crv: 'X25519',
      x: Buffer.from(pubHex ?? hex, 'hex').toString('base64url'),
      ...(pubHex ? { d: Buffer.from(hex, 'hex').toString('base64url') } : {}),
    });
    const ephPriv = createPrivateKey({ key: jwk(v.ephemeralPrivateKeyHex, computed.ephemeralPublicKeyHex), format: 'jwk' });
    const escrowPub = createPublicKey({ key: jwk(computed.escrowPublicKeyHex), format: 'jwk' });
    const shared = diffieHellman({ privateKey: ephPriv, publicKey: escrowPub });
    expect(shared.toString('hex')).toBe(computed.sharedSecretHex);
    const salt = Buffer.from(computed.ephemeralPublicKeyHex + computed.escrowPublicKeyHex, 'hex');
    const kek = Buffer.from(hkdfSync('sha256', shared, salt, 'bid-escrow-v1', 32));
    expect(kek.toString('hex')).toBe(computed.kekHex);
    const w = createCipheriv('aes-256-gcm', kek, Buffer.from(v.iv2Hex, 'hex'));
    const wrapped = Buffer.concat([Buffer.from(computed.ephemeralPublicKeyHex, 'hex'), Buffer.from(v.iv2Hex, 'hex'), w.update(key), w.final(), w.getAuthTag()]);
    expect(wrapped.toString('base64')).toBe(computed.escrowedKeyBase64);

    const seedDer = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(v.receiptEd25519SeedHex, 'hex')]);
    const ed = createPrivateKey({ key: seedDer, format: 'der', type: 'pkcs8' });
    expect(sign(null, Buffer.from(computed.receiptMessage, 'utf8'), ed).toString('base64')).toBe(computed.receiptSignatureBase64);
    // RFC 8032 §7.1 test 1 public key
    expect(createPublicKey(ed).export({ format: 'der', type: 'spki' }).subarray(12).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  it('opens, unwraps and verifies with the SDK', () => {
    const v = VECTOR_INPUTS;
    const key = unwrapEscrowedKey({ escrowedKey: computed.escrowedKeyBase64, escrowPrivateKey: Buffer.from(v.escrowPrivateKeyHex, 'hex') });
    expect(key.toString('hex')).toBe(v.keyHex);
    const opened = openBid({
      tenderId: v.tenderId,
      bidderOrganizationId: v.bidderOrganizationId,
      ciphertext: computed.ciphertextBase64,
      iv: computed.ivBase64,
      key,
      keyCommitment: computed.keyCommitment,
    });
    expect(opened).toEqual(v.plaintext);
    expect(
      verifyReceipt({
        receipt: { ...v.receipt, ciphertextSha256: computed.ciphertextSha256, signature: computed.receiptSignatureBase64 },
        tenderId: v.tenderId,
        bidderOrganizationId: v.bidderOrganizationId,
        keyCommitment: computed.keyCommitment,
        receiptPublicKeyPem: computed.receiptPublicKeyPem,
      }),
    ).toBe(true);
  });
});
