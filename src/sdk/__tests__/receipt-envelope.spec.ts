import { randomBytes, randomUUID } from 'crypto';
import { type BidReceipt, envelopeMessage, generateReceiptKeyPair, sealBid, signEnvelope, signReceipt, verifyReceipt } from 'src/sdk';

/** The v1 receipt extension (docs/SEALED_BID_FORMAT.md §5.1): the envelope of every stored field, signed. */
describe('bid receipts: the envelope extension', () => {
  const platform = generateReceiptKeyPair();
  const tenderId = randomUUID();
  const bidderOrganizationId = randomUUID();
  const sealed = sealBid({ tenderId, bidderOrganizationId, plaintext: { price: '100.00', currency: 'CNY' } });
  const escrowedKey = randomBytes(92).toString('base64');
  const fields = {
    bidId: randomUUID(),
    version: 1,
    tenderId,
    bidderOrganizationId,
    ciphertextSha256: sealed.ciphertextSha256,
    keyCommitment: sealed.request.keyCommitment,
    receivedAt: '2026-05-01T02:03:04.567Z',
  };
  const withEnvelope = (stored: { iv: string; escrowedKey: string | null }): BidReceipt => ({
    bidId: fields.bidId,
    version: fields.version,
    receivedAt: fields.receivedAt,
    ciphertextSha256: fields.ciphertextSha256,
    signature: signReceipt(fields, platform.privateKeyPem),
    ...signEnvelope({ ...fields, ...stored }, platform.privateKeyPem),
    escrowedKeyStored: stored.escrowedKey !== null,
  });
  const check = (receipt: BidReceipt, sent: { iv?: string; escrowedKey?: string | null }) =>
    verifyReceipt({ receipt, tenderId, bidderOrganizationId, keyCommitment: fields.keyCommitment, receiptPublicKeyPem: platform.publicKeyPem, ...sent });

  it('the canonical envelope names every stored field, iv and escrowed key included', () => {
    expect(envelopeMessage({ ...fields, iv: sealed.request.iv, escrowedKey }).toString('utf8')).toBe(
      [
        'sealed-bid-envelope-v1',
        fields.bidId,
        '1',
        tenderId,
        bidderOrganizationId,
        fields.ciphertextSha256,
        sealed.request.iv,
        fields.keyCommitment,
        escrowedKey,
        fields.receivedAt,
      ].join('|'),
    );
    expect(envelopeMessage({ ...fields, iv: sealed.request.iv, escrowedKey: null }).toString('utf8')).toContain(`|${fields.keyCommitment}||`);
  });

  it('verifies when the platform stored exactly what the bidder sent', () => {
    expect(check(withEnvelope({ iv: sealed.request.iv, escrowedKey }), { iv: sealed.request.iv, escrowedKey })).toBe(true);
    // BIDDER mode: the escrowed key the bidder sent is not stored, and the receipt says so.
    expect(check(withEnvelope({ iv: sealed.request.iv, escrowedKey: null }), { iv: sealed.request.iv, escrowedKey })).toBe(true);
  });

  it('a receipt over a damaged iv or escrowed key does not verify against what the bidder sent', () => {
    const otherIv = randomBytes(12).toString('base64');
    const otherKey = randomBytes(92).toString('base64');
    expect(check(withEnvelope({ iv: otherIv, escrowedKey }), { iv: sealed.request.iv, escrowedKey })).toBe(false);
    expect(check(withEnvelope({ iv: sealed.request.iv, escrowedKey: otherKey }), { iv: sealed.request.iv, escrowedKey })).toBe(false);
  });

  it('the extension, when present, is checked: without the iv, with one field only, or tampered, it fails', () => {
    const r = withEnvelope({ iv: sealed.request.iv, escrowedKey });
    expect(check(r, {})).toBe(false);
    expect(check({ ...r, envelopeSignature: undefined }, { iv: sealed.request.iv, escrowedKey })).toBe(false);
    expect(check({ ...r, envelopeSha256: '0'.repeat(64) }, { iv: sealed.request.iv, escrowedKey })).toBe(false);
    expect(check({ ...r, escrowedKeyStored: false }, { iv: sealed.request.iv, escrowedKey })).toBe(false);
    // A receipt without the extension verifies as API.md's v1 signature alone.
    const { envelopeSha256: _a, envelopeSignature: _b, escrowedKeyStored: _c, ...plain } = r;
    expect(check(plain, {})).toBe(true);
  });
});
