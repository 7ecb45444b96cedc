import { createCipheriv, randomBytes } from 'crypto';
import { assertSealingIds, bidAad } from './aad';
import { ClientInfo, collectClientInfo } from './client-info';
import { keyCommitment } from './commitment';
import { BID_IV_BYTES, BID_KEY_BYTES, MAX_PLAINTEXT_BYTES } from './constants';
import { BinaryInput, requireBytes, sha256Hex } from './encoding';
import { wrapEscrowKey } from './escrow';
import { SealedBidError } from './errors';
import { BidPlaintext, serializePlaintext, validatePlaintext } from './plaintext';

/** The body of POST /tenders/{id}/bids (base64 fields). */
export interface BidSubmissionRequest {
  ciphertext: string;
  iv: string;
  keyCommitment: string;
  escrowedKey?: string;
  client: ClientInfo;
}

export interface SealBidInput {
  tenderId: string;
  /** The bidder's organizationId (UUID of GET /me), not its USCC. */
  bidderOrganizationId: string;
  plaintext: BidPlaintext;
  /** The tender's `sealing.escrowPublicKey` (base64 of 32 raw bytes); needed for the ESCROW decryption modes. */
  escrowPublicKey?: BinaryInput;
  /** Overrides of the device fingerprint; missing fields are filled from this machine. */
  client?: Partial<ClientInfo>;
}

export interface SealedBid {
  request: BidSubmissionRequest;
  /** The bid key, base64. Keep it secret until opening. */
  key: string;
  /** hex(SHA-256(raw ciphertext bytes)): what the receipt will carry. */
  ciphertextSha256: string;
}

export interface EncryptBidInput {
  tenderId: string;
  bidderOrganizationId: string;
  plaintext: BidPlaintext;
  /** Explicit key and iv: for test vectors and re-implementations only. Never reuse an iv with a key. */
  key: BinaryInput;
  iv: BinaryInput;
}

/** ciphertext = AES-256-GCM(key, iv, plaintext, aad) ‖ tag(16), the plaintext validated and serialised first. */
export function encryptBid(input: EncryptBidInput): Buffer {
  const key = requireBytes(input.key, 'key', BID_KEY_BYTES);
  const iv = requireBytes(input.iv, 'iv', BID_IV_BYTES);
  const aad = bidAad(input.tenderId, input.bidderOrganizationId);
  const checked = validatePlaintext(input.plaintext);
  if (!checked.ok) {
    throw new SealedBidError('INVALID_INPUT', `invalid bid: ${checked.problems.join('; ')}`, checked.problems);
  }
  const plaintext = serializePlaintext(checked.value);
  if (plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new SealedBidError('INVALID_INPUT', `the bid is ${plaintext.length} bytes; at most ${MAX_PLAINTEXT_BYTES}`);
  }
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Seals a bid on the bidder's machine (format v1): fresh key and iv, commitment, optional escrow wrap. */
export function sealBid(input: SealBidInput): SealedBid {
  assertSealingIds(input.tenderId, input.bidderOrganizationId);
  const key = randomBytes(BID_KEY_BYTES);
  const iv = randomBytes(BID_IV_BYTES);
  const ciphertext = encryptBid({ ...input, key, iv });
  const request: BidSubmissionRequest = {
    ciphertext: ciphertext.toString('base64'),
    iv: iv.toString('base64'),
    keyCommitment: keyCommitment(key),
    ...(input.escrowPublicKey !== undefined && {
      escrowedKey: wrapEscrowKey({ key, escrowPublicKey: input.escrowPublicKey }),
    }),
    client: collectClientInfo(input.client),
  };
  return { request, key: key.toString('base64'), ciphertextSha256: sha256Hex(ciphertext) };
}
