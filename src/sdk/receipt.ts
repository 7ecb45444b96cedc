import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'crypto';
import { type BidReceipt as CoreBidReceipt, type ReceiptFields, receiptMessageBytes, verifyReceiptSteps } from './core/format';
import { runSync } from './core/steps';
import { type BinaryInput, decodeBase64Strict, sha256Hex, toBytes } from './encoding';
import { asBuffer, nodeCrypto } from './ports/node';
import { SealedBidError } from './errors';

export type { ReceiptFields } from './core/format';

/** The receipt of POST /tenders/{id}/bids: API.md's v1 fields, and the v1 receipt extension when the server adds it. */
export interface BidReceipt extends CoreBidReceipt {
  /** v1 receipt extension (docs/SEALED_BID_FORMAT.md §5.1): SHA-256 of the canonical envelope of every stored field. */
  envelopeSha256?: string;
  /** v1 receipt extension: base64 Ed25519 signature over envelopeMessage(...). */
  envelopeSignature?: string;
  /** v1 receipt extension: whether the platform stored the escrowed key (false in BIDDER decryption mode). */
  escrowedKeyStored?: boolean;
}

/**
 * Every field of a sealed bid as the platform stores it (v1 receipt extension): the ciphertext by its hash, the iv
 * and the escrowed key (null when not stored) byte for byte.
 */
export interface EnvelopeFields extends ReceiptFields {
  iv: BinaryInput;
  escrowedKey: BinaryInput | null;
}

export const ENVELOPE_DOMAIN = 'sealed-bid-envelope-v1';

/** UTF-8 of `bidId|version|tenderId|bidderOrganizationId|ciphertextSha256|keyCommitment|receivedAt`. */
export function receiptMessage(f: ReceiptFields): Buffer {
  return asBuffer(receiptMessageBytes(f));
}

/**
 * UTF-8 of `sealed-bid-envelope-v1|bidId|version|tenderId|bidderOrganizationId|ciphertextSha256|base64(iv)|
 * keyCommitment|base64(escrowedKey) or empty|receivedAt` — the canonical envelope (§5.1).
 */
export function envelopeMessage(f: EnvelopeFields): Buffer {
  const base = receiptMessage(f).toString('utf8').split('|'); // validates the shared fields
  const iv = toBytes(f.iv);
  const escrowed = f.escrowedKey === null ? null : toBytes(f.escrowedKey);
  if (!iv || (f.escrowedKey !== null && !escrowed)) throw new SealedBidError('INVALID_INPUT', 'iv and escrowedKey must be bytes or base64');
  const [bidId, version, tenderId, org, sha, commitment, receivedAt] = base;
  return Buffer.from(
    [
      ENVELOPE_DOMAIN,
      bidId,
      version,
      tenderId,
      org,
      sha,
      Buffer.from(iv).toString('base64'),
      commitment,
      escrowed ? Buffer.from(escrowed).toString('base64') : '',
      receivedAt,
    ].join('|'),
    'utf8',
  );
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

/** The extension's two fields, computed and signed by the platform. */
export function signEnvelope(fields: EnvelopeFields, privateKeyPem: string | KeyObject): { envelopeSha256: string; envelopeSignature: string } {
  const message = envelopeMessage(fields);
  return { envelopeSha256: sha256Hex(message), envelopeSignature: sign(null, message, ed25519Key(privateKeyPem, 'private')).toString('base64') };
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
  /**
   * The iv and escrowed key the bidder sent. When the receipt carries the v1 extension (envelopeSha256 and
   * envelopeSignature), they are required, and the envelope must be signed over exactly them (the escrowed key
   * only when the receipt says it was stored).
   */
  iv?: BinaryInput;
  escrowedKey?: BinaryInput | null;
}

/** True when the platform signed this receipt for this bid. Throws INVALID_INPUT only for an unusable key. */
export function verifyReceipt(input: VerifyReceiptInput): boolean {
  const publicKey = ed25519Key(input.receiptPublicKeyPem, 'public');
  const r = input.receipt;
  // API.md's v1 signature: the one shared format code (src/sdk/core), as the browser runs it.
  const signed = runSync(
    verifyReceiptSteps({
      receipt: r,
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      keyCommitment: input.keyCommitment,
      receiptPublicKeySpki: publicKey.export({ format: 'der', type: 'spki' }),
      ciphertext: input.ciphertext === undefined ? undefined : toBytes(input.ciphertext),
    }),
    nodeCrypto,
  );
  if (!signed) return false;
  // v1 receipt extension: present → must hold (a receipt with only one of its fields is not accepted).
  const hasSha = r.envelopeSha256 !== undefined;
  const hasSig = r.envelopeSignature !== undefined;
  if (!hasSha && !hasSig) return true;
  if (!hasSha || !hasSig || input.iv === undefined) return false;
  const envSig = typeof r.envelopeSignature === 'string' ? decodeBase64Strict(r.envelopeSignature) : null;
  if (!envSig || envSig.length !== 64) return false;
  if (r.escrowedKeyStored === true && (input.escrowedKey === undefined || input.escrowedKey === null)) return false;
  let envelope: Buffer;
  try {
    envelope = envelopeMessage({
      bidId: r.bidId,
      version: r.version,
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      ciphertextSha256: r.ciphertextSha256,
      keyCommitment: input.keyCommitment,
      receivedAt: r.receivedAt,
      iv: input.iv,
      escrowedKey: r.escrowedKeyStored === true ? (input.escrowedKey ?? null) : null,
    });
  } catch {
    return false;
  }
  return sha256Hex(envelope) === r.envelopeSha256 && verify(null, envelope, publicKey, envSig);
}

/** An Ed25519 key pair for signing receipts: SPKI PEM public key, PKCS#8 PEM private key. */
export function generateReceiptKeyPair(): { publicKeyPem: string; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}
