import { createEscrowUnwrapper, generateEscrowKeyPair, sealBid, sha256Hex } from 'src/sdk';
import { BidStatus, BidStatusReason } from '../../bids/bid.enums';
import { type SealedParts, type UndecryptedBid } from '../../bids/bid-lifecycle.service';
import { decryptWithEscrow, decryptWithKey, failureStatus } from '../bid-decryptor';

const TENDER = '6f1c2a4e-8b1d-4c3e-9f0a-1b2c3d4e5f60';
const ORG = '0a1b2c3d-4e5f-4061-8728-394a5b6c7d8e';
const OTHER_ORG = '1a1b2c3d-4e5f-4061-8728-394a5b6c7d8e';

function sealed(o: { org?: string; escrowPublicKey?: string; price?: string } = {}) {
  const s = sealBid({
    tenderId: TENDER,
    bidderOrganizationId: o.org ?? ORG,
    plaintext: {
      price: o.price ?? '38000000.5',
      currency: 'CNY',
      durationDays: 365,
      attachments: [{ name: '报价单.xlsx', contentBase64: Buffer.from('报价').toString('base64') }],
    },
    ...(o.escrowPublicKey ? { escrowPublicKey: o.escrowPublicKey } : {}),
    client: { deviceId: 'd' },
  });
  const ciphertext = Buffer.from(s.request.ciphertext, 'base64');
  const bid: UndecryptedBid = {
    bidId: 'b1',
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    status: BidStatus.OPENED,
    keyCommitment: s.request.keyCommitment,
    ciphertextSha256: sha256Hex(ciphertext),
    hasEscrowedKey: !!s.request.escrowedKey,
    price: null,
    revealedKey: null,
  };
  const parts: SealedParts = {
    bidId: 'b1',
    ciphertext,
    iv: Buffer.from(s.request.iv, 'base64'),
    escrowedKey: s.request.escrowedKey ? Buffer.from(s.request.escrowedKey, 'base64') : null,
  };
  return { s, bid, parts, key: Buffer.from(s.key, 'base64') };
}

describe('decryptWithKey (through the SDK)', () => {
  it('opens a bid with its key: normalised price, duration, attachment names and digests', () => {
    const { bid, parts, key } = sealed();
    const r = decryptWithKey(bid, parts, key);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record.price).toBe('38000000.50');
    expect(r.record.durationDays).toBe(365);
    expect(r.record.attachments).toEqual([{ name: '报价单.xlsx', sha256: sha256Hex(Buffer.from('报价')), size: 6 }]);
    expect(r.record.key).toEqual(key);
  });

  it('KEY_COMMITMENT_MISMATCH for another key', () => {
    const { bid, parts } = sealed();
    expect(decryptWithKey(bid, parts, Buffer.alloc(32, 1))).toEqual({ ok: false, code: 'KEY_COMMITMENT_MISMATCH' });
  });

  it('DECRYPTION_FAILED when the committed key does not authenticate (sealed for another organisation)', () => {
    const { bid, parts, key } = sealed({ org: OTHER_ORG });
    const r = decryptWithKey({ ...bid, ciphertextSha256: sha256Hex(parts.ciphertext) }, parts, key);
    expect(r).toEqual({ ok: false, code: 'DECRYPTION_FAILED' });
  });

  it('CIPHERTEXT_DAMAGED when the stored ciphertext no longer matches its receipt hash', () => {
    const { bid, parts, key } = sealed();
    const damaged = Buffer.from(parts.ciphertext);
    damaged[0] ^= 1;
    expect(decryptWithKey(bid, { ...parts, ciphertext: damaged }, key)).toEqual({ ok: false, code: 'CIPHERTEXT_DAMAGED' });
  });
});

describe('decryptWithEscrow', () => {
  const pair = generateEscrowKeyPair();
  const escrow = createEscrowUnwrapper({ escrowPrivateKey: pair.privateKey, escrowPublicKey: pair.publicKey });

  it('unwraps the escrowed key and opens the bid', () => {
    const { bid, parts } = sealed({ escrowPublicKey: pair.publicKey });
    const r = decryptWithEscrow(bid, parts, escrow);
    expect(r.ok && r.record.price).toBe('38000000.50');
  });

  it("NO_ESCROWED_KEY / ESCROWED_KEY_INVALID are the bidder's", () => {
    const { bid, parts } = sealed();
    expect(decryptWithEscrow(bid, parts, escrow)).toEqual({ ok: false, code: 'NO_ESCROWED_KEY' });
    const other = generateEscrowKeyPair();
    const wrapped = sealed({ escrowPublicKey: other.publicKey });
    expect(decryptWithEscrow(wrapped.bid, wrapped.parts, escrow)).toEqual({ ok: false, code: 'ESCROWED_KEY_INVALID' });
  });
});

describe('failureStatus: EB20 Art. 31', () => {
  it("the bidder's fault revokes, anyone else's withdraws", () => {
    expect(failureStatus('NOT_DECRYPTED_BY_BIDDER')).toEqual({ status: BidStatus.REVOKED, reason: BidStatusReason.NOT_DECRYPTED_BY_BIDDER });
    expect(failureStatus('KEY_COMMITMENT_MISMATCH').status).toBe(BidStatus.REVOKED);
    expect(failureStatus('DECRYPTION_FAILED').status).toBe(BidStatus.REVOKED);
    expect(failureStatus('NO_ESCROWED_KEY').status).toBe(BidStatus.REVOKED);
    expect(failureStatus('ESCROWED_KEY_INVALID').status).toBe(BidStatus.REVOKED);
    expect(failureStatus('CIPHERTEXT_DAMAGED')).toEqual({ status: BidStatus.WITHDRAWN, reason: BidStatusReason.CIPHERTEXT_DAMAGED });
    expect(failureStatus('ESCROW_KEY_UNAVAILABLE').status).toBe(BidStatus.WITHDRAWN);
  });
});
