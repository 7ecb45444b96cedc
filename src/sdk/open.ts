import { createDecipheriv } from 'crypto';
import { TextDecoder } from 'util';
import { bidAad } from './aad';
import { verifyKeyCommitment } from './commitment';
import { BID_IV_BYTES, GCM_TAG_BYTES, MAX_CIPHERTEXT_BYTES } from './constants';
import { BinaryInput, toBytes } from './encoding';
import { SealedBidError } from './errors';
import { BidPlaintext, validatePlaintext } from './plaintext';

export interface OpenBidInput {
  tenderId: string;
  bidderOrganizationId: string;
  /** The stored ciphertext (tag appended), base64 or bytes. */
  ciphertext: BinaryInput;
  iv: BinaryInput;
  /** The revealed or unwrapped key, base64 or bytes. */
  key: BinaryInput;
  /** The keyCommitment submitted with the bid. Checked first: GCM alone does not bind a ciphertext to one key. */
  keyCommitment: string;
}

const failed = (message: string, details: string[] = []) => new SealedBidError('DECRYPTION_FAILED', message, details);

/**
 * Opens a sealed bid: KEY_COMMITMENT_MISMATCH when the key is not the committed one; DECRYPTION_FAILED when the
 * ciphertext, iv or aad (tender, organisation) do not authenticate, or the plaintext is not format v1.
 */
export function openBid(input: OpenBidInput): BidPlaintext {
  if (!verifyKeyCommitment(input.key, input.keyCommitment)) {
    throw new SealedBidError('KEY_COMMITMENT_MISMATCH', 'the key does not match the bid key commitment');
  }
  const key = toBytes(input.key) as Buffer;
  const aad = bidAad(input.tenderId, input.bidderOrganizationId);
  const iv = toBytes(input.iv);
  if (!iv || iv.length !== BID_IV_BYTES) throw failed(`iv must be ${BID_IV_BYTES} bytes`);
  const sealed = toBytes(input.ciphertext);
  if (!sealed || sealed.length < GCM_TAG_BYTES || sealed.length > MAX_CIPHERTEXT_BYTES) {
    throw failed('the ciphertext is not base64 of 16 bytes to the maximum size');
  }
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]);
  } catch {
    throw failed('the bid does not authenticate (tampered, other tender or organisation, or wrong iv)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(plaintext));
  } catch {
    throw failed('the decrypted bid is not UTF-8 JSON');
  }
  const checked = validatePlaintext(parsed);
  if (!checked.ok) throw failed(`the decrypted bid is not format v1: ${checked.problems.join('; ')}`, checked.problems);
  return checked.value;
}
