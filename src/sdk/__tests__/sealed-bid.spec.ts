import { createCipheriv, createHash, randomBytes, randomUUID } from 'crypto';
import {
  attachmentDigests,
  type BidPlaintext,
  ciphertextSha256,
  encryptBid,
  isValidPrice,
  keyCommitment,
  MAX_ATTACHMENTS,
  MAX_PLAINTEXT_BYTES,
  openBid,
  sealBid,
  SealedBidError,
  validatePlaintext,
  verifyKeyCommitment,
} from 'src/sdk';

const tenderId = randomUUID();
const bidderOrganizationId = randomUUID();
const plaintext: BidPlaintext = {
  price: '12345678.90',
  currency: 'CNY',
  durationDays: 365,
  attachments: [{ name: '技术标.pdf', contentBase64: Buffer.from('%PDF-1.7 技术方案').toString('base64') }],
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof SealedBidError ? e.code : `not a SealedBidError: ${String(e)}`;
  }
  return undefined;
}

describe('sealBid / openBid round trip', () => {
  const sealed = sealBid({ tenderId, bidderOrganizationId, plaintext, client: { deviceId: 'dev-1' } });
  const { request } = sealed;
  const open = (over: Partial<Parameters<typeof openBid>[0]> = {}) => openBid({ tenderId, bidderOrganizationId, ...request, key: sealed.key, ...over });

  it('produces the request of format v1 and opens back to the plaintext', () => {
    expect(Buffer.from(request.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.key, 'base64')).toHaveLength(32);
    expect(request.keyCommitment).toMatch(/^[0-9a-f]{64}$/);
    expect(request.keyCommitment).toBe(keyCommitment(sealed.key));
    expect(sealed.ciphertextSha256).toBe(ciphertextSha256(request.ciphertext));
    expect(request.escrowedKey).toBeUndefined();
    expect(request.client).toMatchObject({ deviceId: 'dev-1', toolVersion: expect.stringContaining('bid-seal/') });
    expect(Array.isArray(request.client.macAddresses)).toBe(true);
    expect(open()).toEqual(plaintext);
  });

  it('draws a fresh key and iv for every seal', () => {
    const again = sealBid({ tenderId, bidderOrganizationId, plaintext });
    expect(again.key).not.toBe(sealed.key);
    expect(again.request.iv).not.toBe(request.iv);
  });

  it('accepts the key as bytes as well as base64', () => {
    expect(open({ key: Buffer.from(sealed.key, 'base64') })).toEqual(plaintext);
  });

  it('refuses another key with KEY_COMMITMENT_MISMATCH, before trying to decrypt', () => {
    expect(codeOf(() => open({ key: randomBytes(32) }))).toBe('KEY_COMMITMENT_MISMATCH');
    expect(codeOf(() => open({ key: randomBytes(16) }))).toBe('KEY_COMMITMENT_MISMATCH');
    expect(codeOf(() => open({ key: 'not base64!' }))).toBe('KEY_COMMITMENT_MISMATCH');
    expect(codeOf(() => open({ keyCommitment: keyCommitment(randomBytes(32)) }))).toBe('KEY_COMMITMENT_MISMATCH');
  });

  it('gives DECRYPTION_FAILED for the right key with a tampered ciphertext, iv or aad', () => {
    const raw = Buffer.from(request.ciphertext, 'base64');
    for (const i of [0, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[i] ^= 0x01;
      expect(codeOf(() => open({ ciphertext: tampered.toString('base64') }))).toBe('DECRYPTION_FAILED');
    }
    expect(codeOf(() => open({ ciphertext: raw.subarray(0, raw.length - 1) }))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => open({ ciphertext: raw.subarray(0, 10) }))).toBe('DECRYPTION_FAILED');
    const iv = Buffer.from(request.iv, 'base64');
    iv[3] ^= 0x80;
    expect(codeOf(() => open({ iv }))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => open({ iv: randomBytes(16) }))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => open({ tenderId: randomUUID() }))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => open({ bidderOrganizationId: randomUUID() }))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => open({ tenderId: bidderOrganizationId, bidderOrganizationId: tenderId }))).toBe('DECRYPTION_FAILED');
    expect(codeOf(() => open({ ciphertext: `${request.ciphertext.slice(0, -4)}@@@@` }))).toBe('DECRYPTION_FAILED');
  });
});

describe('plaintext validation when opening', () => {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  /** Encrypts arbitrary bytes the way a foreign (and careless) sealing tool would. */
  const rawSeal = (bytes: Buffer) => {
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(`${tenderId}|${bidderOrganizationId}`));
    return Buffer.concat([c.update(bytes), c.final(), c.getAuthTag()]);
  };
  const openRaw = (bytes: Buffer) => openBid({ tenderId, bidderOrganizationId, ciphertext: rawSeal(bytes), iv, key, keyCommitment: keyCommitment(key) });
  const openJson = (value: unknown) => openRaw(Buffer.from(JSON.stringify(value)));

  it.each([
    ['not JSON', Buffer.from('price=1')],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['empty', Buffer.alloc(0)],
  ])('refuses a plaintext that is %s', (_, bytes) => {
    expect(codeOf(() => openRaw(bytes))).toBe('DECRYPTION_FAILED');
  });

  it.each([
    ['an array', [1]],
    ['a missing price', { currency: 'CNY' }],
    ['a float price', { price: 12.5, currency: 'CNY' }],
    ['3 decimals', { price: '1.005', currency: 'CNY' }],
    ['a negative price', { price: '-1.00', currency: 'CNY' }],
    ['an exponent', { price: '1e6', currency: 'CNY' }],
    ['another currency', { price: '1.00', currency: 'USD' }],
    ['no currency', { price: '1.00' }],
    ['a fractional durationDays', { price: '1.00', currency: 'CNY', durationDays: 1.5 }],
    ['durationDays 0', { price: '1.00', currency: 'CNY', durationDays: 0 }],
    ['a string durationDays', { price: '1.00', currency: 'CNY', durationDays: '30' }],
    ['attachments not an array', { price: '1.00', currency: 'CNY', attachments: {} }],
    ['an attachment without name', { price: '1.00', currency: 'CNY', attachments: [{ contentBase64: '' }] }],
    ['an attachment with bad base64', { price: '1.00', currency: 'CNY', attachments: [{ name: 'a', contentBase64: 'a b' }] }],
    ['too many attachments', { price: '1.00', currency: 'CNY', attachments: Array.from({ length: MAX_ATTACHMENTS + 1 }, (_, i) => ({ name: `${i}`, contentBase64: '' })) }],
  ])('refuses a plaintext with %s as DECRYPTION_FAILED', (_, value) => {
    expect(codeOf(() => openJson(value))).toBe('DECRYPTION_FAILED');
  });

  it('tolerates unknown fields, null optionals and any field order, and returns the known fields', () => {
    expect(openJson({ remark: '备注', attachments: null, currency: 'CNY', durationDays: null, price: '0.5' })).toEqual({ price: '0.5', currency: 'CNY' });
  });
});

describe('price and plaintext validation when sealing', () => {
  it.each(['0', '0.5', '1', '12345678.90', '9999999999999999.99'])('accepts the price %s', (price) => {
    expect(isValidPrice(price)).toBe(true);
    expect(() => sealBid({ tenderId, bidderOrganizationId, plaintext: { price, currency: 'CNY' } })).not.toThrow();
  });

  it.each(['', '1.234', '-5', '+5', '01.00', '1,000.00', '1e3', ' 1.00', '1.', '.5', '10000000000000000', 'NaN'])('refuses the price "%s" with INVALID_INPUT', (price) => {
    expect(isValidPrice(price)).toBe(false);
    expect(codeOf(() => sealBid({ tenderId, bidderOrganizationId, plaintext: { price, currency: 'CNY' } }))).toBe('INVALID_INPUT');
  });

  it('refuses a number as price (money is never a float)', () => {
    const bad = { price: 100.5, currency: 'CNY' } as unknown as BidPlaintext;
    expect(codeOf(() => sealBid({ tenderId, bidderOrganizationId, plaintext: bad }))).toBe('INVALID_INPUT');
  });

  it('refuses ids that are not lowercase UUIDs (the aad must match the platform byte for byte)', () => {
    const p: BidPlaintext = { price: '1.00', currency: 'CNY' };
    expect(codeOf(() => sealBid({ tenderId: tenderId.toUpperCase(), bidderOrganizationId, plaintext: p }))).toBe('INVALID_INPUT');
    expect(codeOf(() => sealBid({ tenderId, bidderOrganizationId: '91350100M000100Y43', plaintext: p }))).toBe('INVALID_INPUT');
    expect(codeOf(() => encryptBid({ tenderId: 'a|b', bidderOrganizationId: 'c', plaintext: p, key: randomBytes(32), iv: randomBytes(12) }))).toBe('INVALID_INPUT');
  });

  it('refuses a plaintext larger than the ciphertext limit', () => {
    const big = Buffer.alloc(Math.ceil((MAX_PLAINTEXT_BYTES * 3) / 4)).toString('base64');
    const p: BidPlaintext = { price: '1.00', currency: 'CNY', attachments: [{ name: 'big.bin', contentBase64: big }] };
    expect(codeOf(() => sealBid({ tenderId, bidderOrganizationId, plaintext: p }))).toBe('INVALID_INPUT');
  });

  it('reports every problem of a plaintext', () => {
    const r = validatePlaintext({ price: 1, currency: 'USD', durationDays: -1 });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems).toHaveLength(3);
  });
});

describe('commitments and attachment digests', () => {
  it('verifies a commitment in any hex case, and refuses malformed ones without throwing', () => {
    const key = randomBytes(32);
    const c = keyCommitment(key);
    expect(verifyKeyCommitment(key, c)).toBe(true);
    expect(verifyKeyCommitment(key.toString('base64'), c.toUpperCase())).toBe(true);
    expect(verifyKeyCommitment(randomBytes(32), c)).toBe(false);
    expect(verifyKeyCommitment(key, c.slice(2))).toBe(false);
    expect(verifyKeyCommitment(key, `${c.slice(0, 62)}zz`)).toBe(false);
    expect(verifyKeyCommitment(key.subarray(0, 31), c)).toBe(false);
  });

  it('hashes the decoded bytes of each attachment', () => {
    expect(attachmentDigests(plaintext)).toEqual([
      {
        name: '技术标.pdf',
        sha256: createHash('sha256').update(Buffer.from('%PDF-1.7 技术方案')).digest('hex'),
        size: Buffer.byteLength('%PDF-1.7 技术方案'),
      },
    ]);
    expect(attachmentDigests({})).toEqual([]);
  });
});
