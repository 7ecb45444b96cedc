import { randomBytes, randomUUID } from 'crypto';
import { createEscrowUnwrapper, ESCROWED_KEY_BYTES, generateEscrowKeyPair, openBid, sealBid, SealedBidError, unwrapEscrowedKey, wrapEscrowKey } from 'src/sdk';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof SealedBidError ? e.code : String(e);
  }
  return undefined;
};

describe('escrowed keys', () => {
  const escrow = generateEscrowKeyPair();
  const tenderId = randomUUID();
  const bidderOrganizationId = randomUUID();
  const sealed = sealBid({
    tenderId,
    bidderOrganizationId,
    plaintext: { price: '880000.00', currency: 'CNY' },
    escrowPublicKey: escrow.publicKey,
  });
  const escrowedKey = sealed.request.escrowedKey as string;

  it('generates 32-byte raw keys, base64', () => {
    expect(Buffer.from(escrow.publicKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(escrow.privateKey, 'base64')).toHaveLength(32);
  });

  it('wraps the bid key so that the escrow private key unwraps it and the bid opens (escrow decryption)', () => {
    expect(Buffer.from(escrowedKey, 'base64')).toHaveLength(ESCROWED_KEY_BYTES);
    const key = unwrapEscrowedKey({ escrowedKey, escrowPrivateKey: escrow.privateKey, escrowPublicKey: escrow.publicKey });
    expect(key.toString('base64')).toBe(sealed.key);
    expect(unwrapEscrowedKey({ escrowedKey, escrowPrivateKey: Buffer.from(escrow.privateKey, 'base64') })).toEqual(key);
    const opened = openBid({ tenderId, bidderOrganizationId, ...sealed.request, key });
    expect(opened.price).toBe('880000.00');
  });

  it('uses a fresh ephemeral key and iv2 for each wrap', () => {
    const again = wrapEscrowKey({ key: sealed.key, escrowPublicKey: escrow.publicKey });
    expect(again).not.toBe(escrowedKey);
    expect(Buffer.from(again, 'base64').subarray(0, 44)).not.toEqual(Buffer.from(escrowedKey, 'base64').subarray(0, 44));
  });

  it('fails with ESCROW_UNWRAP_FAILED under another private key', () => {
    const other = generateEscrowKeyPair();
    expect(codeOf(() => unwrapEscrowedKey({ escrowedKey, escrowPrivateKey: other.privateKey }))).toBe('ESCROW_UNWRAP_FAILED');
  });

  it('fails with ESCROW_UNWRAP_FAILED when any byte is tampered or the length is wrong', () => {
    const raw = Buffer.from(escrowedKey, 'base64');
    for (const i of [0, 33, 50, raw.length - 1]) {
      const t = Buffer.from(raw);
      t[i] ^= 0x04;
      expect(codeOf(() => unwrapEscrowedKey({ escrowedKey: t.toString('base64'), escrowPrivateKey: escrow.privateKey }))).toBe('ESCROW_UNWRAP_FAILED');
    }
    expect(codeOf(() => unwrapEscrowedKey({ escrowedKey: raw.subarray(1), escrowPrivateKey: escrow.privateKey }))).toBe('ESCROW_UNWRAP_FAILED');
    const lowOrder = Buffer.concat([Buffer.alloc(32), raw.subarray(32)]);
    expect(codeOf(() => unwrapEscrowedKey({ escrowedKey: lowOrder, escrowPrivateKey: escrow.privateKey }))).toBe('ESCROW_UNWRAP_FAILED');
  });

  it('refuses an escrow public key that does not belong to the private key', () => {
    const other = generateEscrowKeyPair();
    expect(codeOf(() => unwrapEscrowedKey({ escrowedKey, escrowPrivateKey: escrow.privateKey, escrowPublicKey: other.publicKey }))).toBe('INVALID_INPUT');
  });

  it('refuses to seal for a malformed or low-order escrow public key', () => {
    const plaintext = { price: '1.00', currency: 'CNY' as const };
    for (const escrowPublicKey of ['abc', randomBytes(31).toString('base64'), Buffer.alloc(32).toString('base64')]) {
      expect(codeOf(() => sealBid({ tenderId, bidderOrganizationId, plaintext, escrowPublicKey }))).toBe('INVALID_INPUT');
    }
  });

  describe('createEscrowUnwrapper (one key pair, many escrowed keys)', () => {
    const bids = Array.from({ length: 20 }, (_, i) =>
      sealBid({ tenderId, bidderOrganizationId: randomUUID(), plaintext: { price: `${1000 + i}.00`, currency: 'CNY' }, escrowPublicKey: escrow.publicKey }),
    );

    it('gives the same keys as unwrapEscrowedKey, from base64 or bytes, and keeps working after a failure', () => {
      const unwrap = createEscrowUnwrapper({ escrowPrivateKey: escrow.privateKey, escrowPublicKey: escrow.publicKey });
      for (const [i, b] of bids.entries()) {
        const wrapped = b.request.escrowedKey as string;
        const expected = unwrapEscrowedKey({ escrowedKey: wrapped, escrowPrivateKey: escrow.privateKey });
        expect(expected.toString('base64')).toBe(b.key);
        expect(unwrap(i % 2 ? wrapped : Buffer.from(wrapped, 'base64'))).toEqual(expected);
        if (i === 10) expect(codeOf(() => unwrap(Buffer.alloc(ESCROWED_KEY_BYTES)))).toBe('ESCROW_UNWRAP_FAILED');
      }
      const bytesOnly = createEscrowUnwrapper({ escrowPrivateKey: Buffer.from(escrow.privateKey, 'base64') });
      expect(bytesOnly(escrowedKey).toString('base64')).toBe(sealed.key);
    });

    it('fails with ESCROW_UNWRAP_FAILED under another key pair, for tampered bytes and for a wrong length', () => {
      const other = generateEscrowKeyPair();
      const wrong = createEscrowUnwrapper({ escrowPrivateKey: other.privateKey, escrowPublicKey: other.publicKey });
      for (const b of bids.slice(0, 3)) expect(codeOf(() => wrong(b.request.escrowedKey as string))).toBe('ESCROW_UNWRAP_FAILED');
      const unwrap = createEscrowUnwrapper({ escrowPrivateKey: escrow.privateKey });
      const raw = Buffer.from(escrowedKey, 'base64');
      for (const i of [0, 33, 50, raw.length - 1]) {
        const t = Buffer.from(raw);
        t[i] ^= 0x04;
        expect(codeOf(() => unwrap(t))).toBe('ESCROW_UNWRAP_FAILED');
      }
      expect(codeOf(() => unwrap(raw.subarray(1)))).toBe('ESCROW_UNWRAP_FAILED');
      expect(codeOf(() => unwrap(Buffer.concat([Buffer.alloc(32), raw.subarray(32)])))).toBe('ESCROW_UNWRAP_FAILED'); // low order
      expect(unwrap(raw).toString('base64')).toBe(sealed.key);
    });

    it('refuses at once a public key that does not belong to the private key, or a malformed one', () => {
      const other = generateEscrowKeyPair();
      expect(codeOf(() => createEscrowUnwrapper({ escrowPrivateKey: escrow.privateKey, escrowPublicKey: other.publicKey }))).toBe('INVALID_INPUT');
      expect(codeOf(() => createEscrowUnwrapper({ escrowPrivateKey: 'abc' }))).toBe('INVALID_INPUT');
    });
  });
});
