/**
 * Interoperability of sealed-bid format v1. `Independent` below is a second implementation written straight from
 * API.md with node:crypto only (JWK key import instead of the SDK's DER prefixes; no SDK function): what a
 * bidder's own sealing tool would be. Bids it seals must open with the SDK, and bids the SDK seals must open with it.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'crypto';
import { generateEscrowKeyPair, generateReceiptKeyPair, keyCommitment, openBid, sealBid, signReceipt, unwrapEscrowedKey, verifyReceipt } from 'src/sdk';

const b64url = (b: Buffer) => b.toString('base64url');

const Independent = {
  publicKey: (raw: Buffer) => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(raw) }, format: 'jwk' }),

  seal(tenderId: string, orgId: string, plaintextJson: string, escrowPublicB64?: string) {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(`${tenderId}|${orgId}`, 'utf8'));
    const ciphertext = Buffer.concat([c.update(Buffer.from(plaintextJson, 'utf8')), c.final(), c.getAuthTag()]);
    const commitment = createHash('sha256')
      .update(Buffer.concat([Buffer.from('bid-key-v1', 'utf8'), key]))
      .digest('hex');
    const body: Record<string, unknown> = {
      ciphertext: ciphertext.toString('base64'),
      iv: iv.toString('base64'),
      keyCommitment: commitment,
      client: { deviceId: 'independent-tool' },
    };
    if (escrowPublicB64) {
      const escrowPublic = Buffer.from(escrowPublicB64, 'base64');
      const eph = generateKeyPairSync('x25519');
      const ephPublic = Buffer.from(eph.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
      const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: Independent.publicKey(escrowPublic) });
      const kek = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephPublic, escrowPublic]), 'bid-escrow-v1', 32));
      const iv2 = randomBytes(12);
      const w = createCipheriv('aes-256-gcm', kek, iv2);
      const wrapped = Buffer.concat([w.update(key), w.final()]);
      body.escrowedKey = Buffer.concat([ephPublic, iv2, wrapped, w.getAuthTag()]).toString('base64');
    }
    return { body, key };
  },

  open(tenderId: string, orgId: string, body: { ciphertext: string; iv: string }, key: Buffer): unknown {
    const raw = Buffer.from(body.ciphertext, 'base64');
    const d = createDecipheriv('aes-256-gcm', key, Buffer.from(body.iv, 'base64'));
    d.setAAD(Buffer.from(`${tenderId}|${orgId}`, 'utf8'));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return JSON.parse(Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]).toString('utf8'));
  },

  unwrap(escrowedKeyB64: string, escrowPrivateB64: string, escrowPublicB64: string): Buffer {
    const raw = Buffer.from(escrowedKeyB64, 'base64');
    const [ephPublic, iv2, wrapped, tag] = [raw.subarray(0, 32), raw.subarray(32, 44), raw.subarray(44, 76), raw.subarray(76)];
    const escrowPublic = Buffer.from(escrowPublicB64, 'base64');
    const privateKey = createPrivateKey({
      key: { kty: 'OKP', crv: 'X25519', x: b64url(escrowPublic), d: b64url(Buffer.from(escrowPrivateB64, 'base64')) },
      format: 'jwk',
    });
    const shared = diffieHellman({ privateKey, publicKey: Independent.publicKey(ephPublic) });
    const kek = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephPublic, escrowPublic]), 'bid-escrow-v1', 32));
    const d = createDecipheriv('aes-256-gcm', kek, iv2);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(wrapped), d.final()]);
  },
};

describe('format v1 interoperability with an independent implementation', () => {
  const tenderId = randomUUID();
  const org = randomUUID();
  const escrow = generateEscrowKeyPair();

  it('the SDK opens, and unwraps the escrowed key of, a bid sealed by the independent tool', () => {
    // A foreign tool: other field order, whitespace, an extra field, Chinese text.
    const json = `{ "currency": "CNY", "durationDays": 120, "price": "9876543.21", "note": "含税",
      "attachments": [ { "contentBase64": "${Buffer.from('商务标').toString('base64')}", "name": "商务标.docx" } ] }`;
    const { body, key } = Independent.seal(tenderId, org, json, escrow.publicKey);
    const request = body as { ciphertext: string; iv: string; keyCommitment: string; escrowedKey: string };
    expect(request.keyCommitment).toBe(keyCommitment(key));
    const expected = {
      price: '9876543.21',
      currency: 'CNY',
      durationDays: 120,
      attachments: [{ name: '商务标.docx', contentBase64: Buffer.from('商务标').toString('base64') }],
    };
    expect(openBid({ tenderId, bidderOrganizationId: org, ...request, key: key.toString('base64') })).toEqual(expected);
    const unwrapped = unwrapEscrowedKey({ escrowedKey: request.escrowedKey, escrowPrivateKey: escrow.privateKey, escrowPublicKey: escrow.publicKey });
    expect(unwrapped).toEqual(key);
    expect(openBid({ tenderId, bidderOrganizationId: org, ...request, key: unwrapped })).toEqual(expected);
  });

  it('the independent tool opens, and unwraps the escrowed key of, a bid sealed by the SDK', () => {
    const plaintext = { price: '1000.50', currency: 'CNY' as const, attachments: [{ name: '资质.pdf', contentBase64: 'JVBERg==' }] };
    const sealed = sealBid({ tenderId, bidderOrganizationId: org, plaintext, escrowPublicKey: escrow.publicKey });
    const key = Buffer.from(sealed.key, 'base64');
    expect(Independent.open(tenderId, org, sealed.request, key)).toEqual(plaintext);
    expect(
      createHash('sha256')
        .update(Buffer.concat([Buffer.from('bid-key-v1'), key]))
        .digest('hex'),
    ).toBe(sealed.request.keyCommitment);
    expect(createHash('sha256').update(Buffer.from(sealed.request.ciphertext, 'base64')).digest('hex')).toBe(sealed.ciphertextSha256);
    expect(Independent.unwrap(sealed.request.escrowedKey as string, escrow.privateKey, escrow.publicKey)).toEqual(key);
    expect(() => Independent.open(randomUUID(), org, sealed.request, key)).toThrow();
  });

  it('receipts signed by one side verify on the other', () => {
    const fields = {
      bidId: randomUUID(),
      version: 1,
      tenderId,
      bidderOrganizationId: org,
      ciphertextSha256: 'ab'.repeat(32),
      keyCommitment: 'cd'.repeat(32),
      receivedAt: new Date().toISOString(),
    };
    const message = Buffer.from(`${fields.bidId}|${fields.version}|${tenderId}|${org}|${fields.ciphertextSha256}|${fields.keyCommitment}|${fields.receivedAt}`, 'utf8');
    // Independent platform → SDK verification.
    const foreign = generateKeyPairSync('ed25519');
    const signature = sign(null, message, foreign.privateKey).toString('base64');
    const receipt = { ...fields, signature };
    const pem = foreign.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(verifyReceipt({ receipt, tenderId, bidderOrganizationId: org, keyCommitment: fields.keyCommitment, receiptPublicKeyPem: pem })).toBe(true);
    // SDK signing → independent verification.
    const platform = generateReceiptKeyPair();
    const sdkSignature = Buffer.from(signReceipt(fields, platform.privateKeyPem), 'base64');
    expect(verify(null, message, createPublicKey(platform.publicKeyPem), sdkSignature)).toBe(true);
  });
});
