import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'crypto';
import { BinaryInput, decodeBase64Strict, sha256Hex, toBytes } from './encoding';
import { SealedBidError } from './errors';

/** The fields an Ed25519 receipt signature covers, in signing order. */
export interface ReceiptFields {
  bidId: string;
  version: number;
  tenderId: string;
  bidderOrganizationId: string;
  ciphertextSha256: string;
  keyCommitment: string;
  /** ISO-8601 UTC, exactly as the server returned it. */
  receivedAt: string;
}

/** The receipt of POST /tenders/{id}/bids. */
export interface BidReceipt {
  bidId: string;
  version: number;
  receivedAt: string;
  ciphertextSha256: string;
  signature: string;
}

/** UTF-8 of `bidId|version|tenderId|bidderOrganizationId|ciphertextSha256|keyCommitment|receivedAt`. */
export function receiptMessage(f: ReceiptFields): Buffer {
  const parts = [
    f.bidId,
    f.version,
    f.tenderId,
    f.bidderOrganizationId,
    f.ciphertextSha256,
    f.keyCommitment,
    f.receivedAt,
  ];
  if (!Number.isSafeInteger(f.version) || f.version < 1) {
    throw new SealedBidError('INVALID_INPUT', 'receipt version must be a positive integer');
  }
  for (const p of parts) {
    if (typeof p === 'string' && (p.length === 0 || p.includes('|'))) {
      throw new SealedBidError('INVALID_INPUT', "receipt fields must be non-empty and free of '|'");
    } else if (typeof p !== 'string' && typeof p !== 'number') {
      throw new SealedBidError('INVALID_INPUT', 'receipt fields must be strings (version: a number)');
    }
  }
  return Buffer.from(parts.join('|'), 'utf8');
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
  const r = input.receipt;
  if (typeof r !== 'object' || r === null) return false;
  if (input.ciphertext !== undefined) {
    const bytes = toBytes(input.ciphertext);
    if (!bytes || sha256Hex(bytes) !== r.ciphertextSha256) return false;
  }
  const signature = typeof r.signature === 'string' ? decodeBase64Strict(r.signature) : null;
  if (!signature || signature.length !== 64) return false;
  let message: Buffer;
  try {
    message = receiptMessage({
      bidId: r.bidId,
      version: r.version,
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      ciphertextSha256: r.ciphertextSha256,
      keyCommitment: input.keyCommitment,
      receivedAt: r.receivedAt,
    });
  } catch {
    return false;
  }
  return verify(null, message, publicKey, signature);
}

/** An Ed25519 key pair for signing receipts: SPKI PEM public key, PKCS#8 PEM private key. */
export function generateReceiptKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}
