import { BID_IV_BYTES, BID_KEY_BYTES, X25519_KEY_BYTES } from './constants';
import { encryptBidSteps, sealBidSteps } from './core/format';
import { runSync } from './core/steps';
import { type ClientInfo, collectClientInfo } from './client-info';
import { type BinaryInput, requireBytes } from './encoding';
import { type BidPlaintext } from './plaintext';
import { asBuffer, nodeCrypto } from './ports/node';

export type { BidSubmissionRequest } from './core/format';
import type { BidSubmissionRequest } from './core/format';

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
  return asBuffer(runSync(encryptBidSteps({ ...input, key, iv }), nodeCrypto));
}

/** Seals a bid on the bidder's machine (format v1): fresh key and iv, commitment, optional escrow wrap. */
export function sealBid(input: SealBidInput): SealedBid {
  const sealed = runSync(
    sealBidSteps({
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      plaintext: input.plaintext,
      escrowPublicKey: input.escrowPublicKey === undefined ? undefined : requireBytes(input.escrowPublicKey, 'escrowPublicKey', X25519_KEY_BYTES),
      client: collectClientInfo(input.client),
      base64: (b) => asBuffer(b).toString('base64'),
    }),
    nodeCrypto,
  );
  return { request: sealed.request, key: asBuffer(sealed.key).toString('base64'), ciphertextSha256: sealed.ciphertextSha256 };
}
