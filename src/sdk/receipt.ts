import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'crypto';
import { BidReceipt, ReceiptFields, receiptMessageBytes, verifyReceiptSteps } from './core/format';
import { runSync } from './core/steps';
import { BinaryInput, toBytes } from './encoding';
import { asBuffer, nodeCrypto } from './ports/node';
import { SealedBidError } from './errors';

export type { BidReceipt, ReceiptFields } from './core/format';

/** UTF-8 of `bidId|version|tenderId|bidderOrganizationId|ciphertextSha256|keyCommitment|receivedAt`. */
export function receiptMessage(f: ReceiptFields): Buffer {
  return asBuffer(receiptMessageBytes(f));
}

function ed25519Key(pem: string | KeyObject, kind: 'public' | 'private'): KeyObject {
  let key: KeyObject;
  try {
    key = typeof pem !== 'string' ? pem : kind === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
  } catch {
    throw new SealedBidError('INVALID_INPUT', `not a PEM ${kind} key`);
  }
  if (key.asymmetricKeyType !== 'ed25519' || (kind === 'private' && key.type !== 'private')) {
    throw new SealedBidError('INVALID_INPUT', `the receipt ${kind} key must be an Ed25519 ${kind} key`);
  }
  return kind === 'public' && key.type === 'private' ? createPublicKey(key) : key;
}

/** base64 Ed25519 signature of receiptMessage(fields) (server side). */
export function signReceipt(fields: ReceiptFields, privateKeyPem: string | KeyObject): string {
  return sign(null, receiptMessage(fields), ed25519Key(privateKeyPem, 'private')).toString('base64');
}

export interface VerifyReceiptInput {
  receipt: BidReceipt;
  tenderId: string;
  bidderOrganizationId: string;
  keyCommitment: string;
  /** `receiptPublicKey` of GET /platform/keys (SPKI PEM). */
  receiptPublicKeyPem: string | KeyObject;
  /** When given, the receipt must also name the SHA-256 of exactly this ciphertext (what the bidder sent). */
  ciphertext?: BinaryInput;
}

/** True when the platform signed this receipt for this bid. Throws INVALID_INPUT only for an unusable key. */
export function verifyReceipt(input: VerifyReceiptInput): boolean {
  const publicKey = ed25519Key(input.receiptPublicKeyPem, 'public');
  return runSync(
    verifyReceiptSteps({
      receipt: input.receipt,
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      keyCommitment: input.keyCommitment,
      receiptPublicKeySpki: publicKey.export({ format: 'der', type: 'spki' }),
      ciphertext: input.ciphertext === undefined ? undefined : toBytes(input.ciphertext),
    }),
    nodeCrypto,
  );
}

/** An Ed25519 key pair for signing receipts: SPKI PEM public key, PKCS#8 PEM private key. */
export function generateReceiptKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}
