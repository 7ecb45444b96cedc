import { generateKeyPairSync, randomUUID } from 'crypto';
import { type BidReceipt, generateReceiptKeyPair, keyCommitment, receiptMessage, sealBid, SealedBidError, signReceipt, verifyReceipt } from 'src/sdk';

describe('bid receipts', () => {
  const platform = generateReceiptKeyPair();
  const tenderId = randomUUID();
  const bidderOrganizationId = randomUUID();
  const sealed = sealBid({ tenderId, bidderOrganizationId, plaintext: { price: '100.00', currency: 'CNY' } });
  const fields = {
    bidId: randomUUID(),
    version: 2,
    tenderId,
    bidderOrganizationId,
    ciphertextSha256: sealed.ciphertextSha256,
    keyCommitment: sealed.request.keyCommitment,
    receivedAt: '2026-05-01T02:03:04.567Z',
  };
  const receipt: BidReceipt = {
    bidId: fields.bidId,
    version: fields.version,
    receivedAt: fields.receivedAt,
    ciphertextSha256: fields.ciphertextSha256,
    signature: signReceipt(fields, platform.privateKeyPem),
  };
  const check = (over: Partial<Parameters<typeof verifyReceipt>[0]> = {}) =>
    verifyReceipt({
      receipt,
      tenderId,
      bidderOrganizationId,
      keyCommitment: fields.keyCommitment,
      receiptPublicKeyPem: platform.publicKeyPem,
      ...over,
    });

  it('builds the message bidId|version|tenderId|bidderOrganizationId|ciphertextSha256|keyCommitment|receivedAt', () => {
    expect(receiptMessage(fields).toString('utf8')).toBe(
      [fields.bidId, '2', tenderId, bidderOrganizationId, fields.ciphertextSha256, fields.keyCommitment, fields.receivedAt].join('|'),
    );
  });

  it('generates PEM keys and verifies its own signature', () => {
    expect(platform.publicKeyPem).toContain('-----BEGIN PUBLIC KEY-----');
    expect(platform.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(Buffer.from(receipt.signature, 'base64')).toHaveLength(64);
    expect(check()).toBe(true);
    expect(check({ ciphertext: sealed.request.ciphertext })).toBe(true);
  });

  it.each([
    ['bidId', { receipt: { ...receipt, bidId: randomUUID() } }],
    ['version', { receipt: { ...receipt, version: 3 } }],
    ['receivedAt', { receipt: { ...receipt, receivedAt: '2026-05-01T02:03:04.568Z' } }],
    ['ciphertextSha256', { receipt: { ...receipt, ciphertextSha256: 'f'.repeat(64) } }],
    ['signature', { receipt: { ...receipt, signature: Buffer.alloc(64, 1).toString('base64') } }],
    ['a malformed signature', { receipt: { ...receipt, signature: 'bm90' } }],
    ['tenderId', { tenderId: randomUUID() }],
    ['bidderOrganizationId', { bidderOrganizationId: randomUUID() }],
    ['keyCommitment', { keyCommitment: keyCommitment(Buffer.alloc(32)) }],
    ['the platform key', { receiptPublicKeyPem: generateReceiptKeyPair().publicKeyPem }],
    ['the ciphertext sent', { ciphertext: Buffer.from('other').toString('base64') }],
  ])('is invalid when %s differs', (_, over) => {
    expect(check(over as Partial<Parameters<typeof verifyReceipt>[0]>)).toBe(false);
  });

  it('refuses a key that is not Ed25519', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => check({ receiptPublicKeyPem: rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString() })).toThrow(SealedBidError);
    expect(() => check({ receiptPublicKeyPem: 'not a pem' })).toThrow(SealedBidError);
    expect(() => signReceipt(fields, platform.publicKeyPem)).toThrow(SealedBidError);
  });

  it("refuses fields holding '|' (the message would be ambiguous)", () => {
    expect(() => receiptMessage({ ...fields, receivedAt: 'x|y' })).toThrow(SealedBidError);
    expect(check({ receipt: { ...receipt, bidId: `${receipt.bidId}|` } })).toBe(false);
  });
});
