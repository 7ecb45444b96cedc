/**
 * Sealed-bid format v1 (API.md "Sealed bids"), written once for every platform: the aad, the plaintext's validation
 * and serialisation, the key commitment, the escrow wrap and unwrap, sealing, opening and the receipt's signed
 * message. Pure TypeScript on Uint8Array; every cryptographic primitive comes from the crypto port through
 * `yield* crypto.x(...)` (see steps.ts), so the same code runs synchronously on node:crypto and asynchronously on
 * WebCrypto. The Node API (src/sdk/*.ts) and the browser API (src/sdk/browser.ts) are thin wrappers over this file.
 */
import {
  BID_IV_BYTES,
  BID_KEY_BYTES,
  ESCROWED_KEY_BYTES,
  ESCROW_HKDF_INFO,
  GCM_TAG_BYTES,
  KEY_COMMITMENT_LABEL,
  MAX_ATTACHMENTS,
  MAX_ATTACHMENT_NAME_LENGTH,
  MAX_CIPHERTEXT_BYTES,
  MAX_DURATION_DAYS,
  MAX_PLAINTEXT_BYTES,
  PRICE_PATTERN,
  X25519_KEY_BYTES,
} from '../constants';
import { SealedBidError } from '../errors';
import { base64DecodeStrict, base64Encode, type Bytes, concatBytes, equalBytes, isStrictBase64, toHex, utf8, utf8DecodeStrict } from './bytes';
import { crypto, type Steps } from './steps';

// ── ids and aad ────────────────────────────────────────────────────────────────────────────────────────────────

/** Canonical lowercase UUID, as the API returns ids. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * aad = UTF-8 of "<tenderId>|<bidderOrganizationId>". The ids are used byte for byte, so the bidder must seal with
 * exactly the strings the platform uses (lowercase UUIDs; the organisation's id, not its USCC). An id holding '|'
 * would make the aad ambiguous and is refused.
 */
export function bidAadBytes(tenderId: string, bidderOrganizationId: string): Bytes {
  for (const [field, v] of [
    ['tenderId', tenderId],
    ['bidderOrganizationId', bidderOrganizationId],
  ] as const) {
    if (typeof v !== 'string' || v.length === 0 || v.includes('|')) {
      throw new SealedBidError('INVALID_INPUT', `${field} must be a non-empty string without '|'`);
    }
  }
  return utf8(`${tenderId}|${bidderOrganizationId}`);
}

/** Stricter check used when sealing: a mistake in an id is only discovered at opening, when it is too late. */
export function assertSealingIds(tenderId: string, bidderOrganizationId: string): void {
  const problems: string[] = [];
  if (!UUID_PATTERN.test(tenderId)) problems.push(`tenderId "${tenderId}" is not a lowercase UUID`);
  if (!UUID_PATTERN.test(bidderOrganizationId)) {
    problems.push(`bidderOrganizationId "${bidderOrganizationId}" is not a lowercase UUID ` + '(use the organizationId of GET /me, not the USCC)');
  }
  if (problems.length) throw new SealedBidError('INVALID_INPUT', problems.join('; '), problems);
}

export function requireLength(bytes: Bytes, field: string, length: number): Bytes {
  if (bytes.length !== length) {
    throw new SealedBidError('INVALID_INPUT', `${field} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}

// ── plaintext (step 1) ─────────────────────────────────────────────────────────────────────────────────────────

export interface BidAttachment {
  name: string;
  /** Standard base64 of the file's bytes. */
  contentBase64: string;
}

/** The sealed content (format v1 step 1). */
export interface BidPlaintext {
  /** CNY, decimal string with at most 2 decimals ("12345678.90"); never a float. */
  price: string;
  currency: 'CNY';
  durationDays?: number;
  attachments?: BidAttachment[];
}

export type PlaintextValidation = { ok: true; value: BidPlaintext } | { ok: false; problems: string[] };

export function isValidPrice(price: unknown): price is string {
  return typeof price === 'string' && PRICE_PATTERN.test(price);
}

/**
 * Checks a plaintext object against format v1 and returns its normalised form: the known fields only (unknown
 * fields are tolerated and dropped, `null` optional fields count as absent).
 */
export function validatePlaintext(input: unknown): PlaintextValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: ['the plaintext must be a JSON object'] };
  }
  const o = input as Record<string, unknown>;
  const problems: string[] = [];
  if (!isValidPrice(o.price)) {
    problems.push('price must be a decimal string with at most 2 decimals and 16 integer digits, e.g. "12345678.90"');
  }
  if (o.currency !== 'CNY') problems.push('currency must be "CNY"');
  const value: BidPlaintext = { price: o.price as string, currency: 'CNY' };

  if (o.durationDays !== undefined && o.durationDays !== null) {
    const d = o.durationDays;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DURATION_DAYS) {
      problems.push(`durationDays must be an integer from 1 to ${MAX_DURATION_DAYS}`);
    } else value.durationDays = d;
  }

  if (o.attachments !== undefined && o.attachments !== null) {
    const list = o.attachments;
    if (!Array.isArray(list)) problems.push('attachments must be an array');
    else if (list.length > MAX_ATTACHMENTS) problems.push(`at most ${MAX_ATTACHMENTS} attachments`);
    else {
      value.attachments = list.map((a: unknown, i) => {
        const att = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
        const name = att.name;
        if (typeof name !== 'string' || name.length === 0 || [...name].length > MAX_ATTACHMENT_NAME_LENGTH) {
          problems.push(`attachments[${i}].name must be a string of 1 to ${MAX_ATTACHMENT_NAME_LENGTH} characters`);
        }
        if (!isStrictBase64(att.contentBase64)) problems.push(`attachments[${i}].contentBase64 must be standard base64`);
        return { name: name as string, contentBase64: att.contentBase64 as string };
      });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value };
}

/** The JSON text that gets encrypted (as UTF-8), fields in a fixed order (price, currency, durationDays, attachments). */
export function serializePlaintextJson(p: BidPlaintext): string {
  const ordered: BidPlaintext = { price: p.price, currency: p.currency };
  if (p.durationDays !== undefined) ordered.durationDays = p.durationDays;
  if (p.attachments !== undefined) {
    ordered.attachments = p.attachments.map((a) => ({ name: a.name, contentBase64: a.contentBase64 }));
  }
  return JSON.stringify(ordered);
}

/** The plaintext validated and serialised to UTF-8, or INVALID_INPUT naming every problem. */
export function plaintextBytes(plaintext: BidPlaintext): Bytes {
  const checked = validatePlaintext(plaintext);
  if (!checked.ok) {
    throw new SealedBidError('INVALID_INPUT', `invalid bid: ${checked.problems.join('; ')}`, checked.problems);
  }
  const bytes = utf8(serializePlaintextJson(checked.value));
  if (bytes.length > MAX_PLAINTEXT_BYTES) {
    throw new SealedBidError('INVALID_INPUT', `the bid is ${bytes.length} bytes; at most ${MAX_PLAINTEXT_BYTES}`);
  }
  return bytes;
}

// ── key commitment (step 3) ────────────────────────────────────────────────────────────────────────────────────

export const HEX_SHA256_PATTERN = /^[0-9a-f]{64}$/;

function* commitmentDigest(key: Bytes): Steps<Bytes> {
  return yield* crypto.sha256(concatBytes(utf8(KEY_COMMITMENT_LABEL), key));
}

/** keyCommitment = hex(SHA-256(UTF-8 "bid-key-v1" ‖ key)), lowercase. */
export function* keyCommitmentSteps(key: Bytes): Steps<string> {
  return toHex(yield* commitmentDigest(requireLength(key, 'key', BID_KEY_BYTES)));
}

/**
 * True when `key` (32 bytes; null when the caller's input was malformed) hashes to `commitment` (64 hex digits, any
 * case). The digest comparison is constant-time; malformed inputs give false, never an exception.
 */
export function* verifyKeyCommitmentSteps(key: Bytes | null, commitment: string): Steps<boolean> {
  const wellFormed = key !== null && key.length === BID_KEY_BYTES && typeof commitment === 'string' && HEX_SHA256_PATTERN.test(commitment.toLowerCase());
  const actual = yield* commitmentDigest(key && key.length === BID_KEY_BYTES ? key : new Uint8Array(BID_KEY_BYTES));
  const expected = wellFormed ? hexToBytes32(commitment) : new Uint8Array(32);
  return equalBytes(actual, expected) && wellFormed;
}

function hexToBytes32(hex: string): Bytes {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ── encryption (step 2) ────────────────────────────────────────────────────────────────────────────────────────

export interface EncryptBidStepsInput {
  tenderId: string;
  bidderOrganizationId: string;
  plaintext: BidPlaintext;
  key: Bytes;
  iv: Bytes;
}

/** ciphertext = AES-256-GCM(key, iv, plaintext, aad) ‖ tag(16), the plaintext validated and serialised first. */
export function* encryptBidSteps(input: EncryptBidStepsInput): Steps<Bytes> {
  const key = requireLength(input.key, 'key', BID_KEY_BYTES);
  const iv = requireLength(input.iv, 'iv', BID_IV_BYTES);
  const aad = bidAadBytes(input.tenderId, input.bidderOrganizationId);
  const plaintext = plaintextBytes(input.plaintext);
  return yield* crypto.aesGcmEncrypt(key, iv, plaintext, aad);
}

// ── escrow (step 4) ────────────────────────────────────────────────────────────────────────────────────────────

/** kek = HKDF-SHA256(ikm = shared, salt = ephemeralPublic ‖ escrowPublic, info = "bid-escrow-v1", 32 bytes). */
export function* deriveEscrowKekSteps(shared: Bytes, ephemeralPublic: Bytes, escrowPublic: Bytes): Steps<Bytes> {
  return yield* crypto.hkdfSha256(shared, concatBytes(ephemeralPublic, escrowPublic), utf8(ESCROW_HKDF_INFO), BID_KEY_BYTES);
}

export interface WrapEscrowKeyStepsInput {
  key: Bytes;
  escrowPublicKey: Bytes;
  /** Deterministic inputs for test vectors only; drawn at random when absent. */
  ephemeralPrivateKey?: Bytes;
  iv2?: Bytes;
}

/** escrowedKey bytes = ephemeralPublic(32) ‖ iv2(12) ‖ AES-256-GCM(kek, iv2, key) ‖ tag(16). */
export function* wrapEscrowKeySteps(input: WrapEscrowKeyStepsInput): Steps<Bytes> {
  const key = requireLength(input.key, 'key', BID_KEY_BYTES);
  const escrowPublic = requireLength(input.escrowPublicKey, 'escrowPublicKey', X25519_KEY_BYTES);
  const ephemeralPrivate =
    input.ephemeralPrivateKey === undefined ? yield* crypto.x25519GeneratePrivate() : requireLength(input.ephemeralPrivateKey, 'ephemeralPrivateKey', X25519_KEY_BYTES);
  const iv2 = input.iv2 === undefined ? yield* crypto.randomBytes(BID_IV_BYTES) : requireLength(input.iv2, 'iv2', BID_IV_BYTES);
  const ephemeralPublic = yield* crypto.x25519PublicFromPrivate(ephemeralPrivate);
  let shared: Bytes;
  try {
    shared = yield* crypto.x25519(ephemeralPrivate, escrowPublic);
  } catch {
    throw new SealedBidError('INVALID_INPUT', 'escrowPublicKey is not a usable X25519 public key');
  }
  const kek = yield* deriveEscrowKekSteps(shared, ephemeralPublic, escrowPublic);
  const wrapped = yield* crypto.aesGcmEncrypt(kek, iv2, key, new Uint8Array(0));
  return concatBytes(ephemeralPublic, iv2, wrapped);
}

/**
 * The bid key held in escrowedKey bytes (null: not decodable), with the tender's escrow private key and its public
 * key (already checked to belong together). ESCROW_UNWRAP_FAILED when malformed, tampered, or another key pair.
 */
export function* unwrapEscrowedKeySteps(raw: Bytes | null, escrowPrivate: Bytes, escrowPublic: Bytes): Steps<Bytes> {
  if (!raw || raw.length !== ESCROWED_KEY_BYTES) {
    throw new SealedBidError('ESCROW_UNWRAP_FAILED', `escrowedKey must be base64 of ${ESCROWED_KEY_BYTES} bytes`);
  }
  const ephemeralPublic = raw.subarray(0, X25519_KEY_BYTES);
  const iv2 = raw.subarray(X25519_KEY_BYTES, X25519_KEY_BYTES + BID_IV_BYTES);
  const wrapped = raw.subarray(X25519_KEY_BYTES + BID_IV_BYTES);
  try {
    const shared = yield* crypto.x25519(escrowPrivate, ephemeralPublic);
    const kek = yield* deriveEscrowKekSteps(shared, ephemeralPublic, escrowPublic);
    return yield* crypto.aesGcmDecrypt(kek, iv2, wrapped, new Uint8Array(0));
  } catch {
    throw new SealedBidError('ESCROW_UNWRAP_FAILED', 'the escrowed key cannot be unwrapped with this escrow key');
  }
}

// ── sealing ────────────────────────────────────────────────────────────────────────────────────────────────────

/** The `client` block of a bid request: where the bid was prepared (a collusion signal, regulations §2). */
export interface ClientInfo {
  deviceId: string;
  macAddresses?: string[];
  toolVersion?: string;
  documentAuthor?: string;
}

/** The body of POST /tenders/{id}/bids (base64 fields). */
export interface BidSubmissionRequest {
  ciphertext: string;
  iv: string;
  keyCommitment: string;
  escrowedKey?: string;
  client: ClientInfo;
}

export interface SealBidStepsInput {
  tenderId: string;
  bidderOrganizationId: string;
  plaintext: BidPlaintext;
  /** The tender's escrow public key (32 raw bytes); needed for the ESCROW decryption modes. */
  escrowPublicKey?: Bytes;
  client: ClientInfo;
  /** Base64 encoder of the platform (Node's Buffer is faster than the portable one). */
  base64?: (bytes: Bytes) => string;
}

export interface SealedBidParts {
  request: BidSubmissionRequest;
  /** The bid key (raw). Keep it secret until opening. */
  key: Bytes;
  /** The raw ciphertext (tag appended). */
  ciphertext: Bytes;
  /** hex(SHA-256(raw ciphertext bytes)): what the receipt will carry. */
  ciphertextSha256: string;
}

/** Seals a bid on the bidder's machine (format v1): fresh key and iv, commitment, optional escrow wrap. */
export function* sealBidSteps(input: SealBidStepsInput): Steps<SealedBidParts> {
  assertSealingIds(input.tenderId, input.bidderOrganizationId);
  const b64 = input.base64 ?? base64Encode;
  const key = yield* crypto.randomBytes(BID_KEY_BYTES);
  const iv = yield* crypto.randomBytes(BID_IV_BYTES);
  const ciphertext = yield* encryptBidSteps({ ...input, key, iv });
  const request: BidSubmissionRequest = {
    ciphertext: b64(ciphertext),
    iv: b64(iv),
    keyCommitment: yield* keyCommitmentSteps(key),
    ...(input.escrowPublicKey !== undefined && {
      escrowedKey: b64(yield* wrapEscrowKeySteps({ key, escrowPublicKey: input.escrowPublicKey })),
    }),
    client: input.client,
  };
  return { request, key, ciphertext, ciphertextSha256: toHex(yield* crypto.sha256(ciphertext)) };
}

// ── opening ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface OpenBidStepsInput {
  tenderId: string;
  bidderOrganizationId: string;
  /** null when the caller's input was not decodable. */
  ciphertext: Bytes | null;
  iv: Bytes | null;
  key: Bytes | null;
  keyCommitment: string;
}

const failed = (message: string, details: string[] = []) => new SealedBidError('DECRYPTION_FAILED', message, details);

/**
 * Opens a sealed bid: KEY_COMMITMENT_MISMATCH when the key is not the committed one (checked first: GCM alone does
 * not bind a ciphertext to one key); DECRYPTION_FAILED when the ciphertext, iv or aad (tender, organisation) do not
 * authenticate, or the plaintext is not format v1.
 */
export function* openBidSteps(input: OpenBidStepsInput): Steps<BidPlaintext> {
  if (!(yield* verifyKeyCommitmentSteps(input.key, input.keyCommitment))) {
    throw new SealedBidError('KEY_COMMITMENT_MISMATCH', 'the key does not match the bid key commitment');
  }
  const key = input.key as Bytes;
  const aad = bidAadBytes(input.tenderId, input.bidderOrganizationId);
  const iv = input.iv;
  if (!iv || iv.length !== BID_IV_BYTES) throw failed(`iv must be ${BID_IV_BYTES} bytes`);
  const sealed = input.ciphertext;
  if (!sealed || sealed.length < GCM_TAG_BYTES || sealed.length > MAX_CIPHERTEXT_BYTES) {
    throw failed('the ciphertext is not base64 of 16 bytes to the maximum size');
  }
  let plaintext: Bytes;
  try {
    plaintext = yield* crypto.aesGcmDecrypt(key, iv, sealed, aad);
  } catch {
    throw failed('the bid does not authenticate (tampered, other tender or organisation, or wrong iv)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8DecodeStrict(plaintext));
  } catch {
    throw failed('the decrypted bid is not UTF-8 JSON');
  }
  const checked = validatePlaintext(parsed);
  if (!checked.ok) throw failed(`the decrypted bid is not format v1: ${checked.problems.join('; ')}`, checked.problems);
  return checked.value;
}

// ── receipt ────────────────────────────────────────────────────────────────────────────────────────────────────

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
export function receiptMessageBytes(f: ReceiptFields): Bytes {
  const parts = [f.bidId, f.version, f.tenderId, f.bidderOrganizationId, f.ciphertextSha256, f.keyCommitment, f.receivedAt];
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
  return utf8(parts.join('|'));
}

export interface VerifyReceiptStepsInput {
  receipt: BidReceipt;
  tenderId: string;
  bidderOrganizationId: string;
  keyCommitment: string;
  /** The platform's receipt key (GET /platform/keys), as Ed25519 SPKI DER. */
  receiptPublicKeySpki: Bytes;
  /** When given, the receipt must name the SHA-256 of exactly this ciphertext (null: it was not decodable). */
  ciphertext?: Bytes | null;
}

/** True when the platform signed this receipt for this bid. */
export function* verifyReceiptSteps(input: VerifyReceiptStepsInput): Steps<boolean> {
  const r = input.receipt;
  if (typeof r !== 'object' || r === null) return false;
  if (input.ciphertext !== undefined) {
    if (!input.ciphertext || toHex(yield* crypto.sha256(input.ciphertext)) !== r.ciphertextSha256) return false;
  }
  const signature = typeof r.signature === 'string' ? base64DecodeStrict(r.signature) : null;
  if (!signature || signature.length !== 64) return false;
  let message: Bytes;
  try {
    message = receiptMessageBytes({
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
  return yield* crypto.ed25519Verify(input.receiptPublicKeySpki, message, signature);
}

/** SPKI DER prefix of an Ed25519 public key (RFC 8410): 302a300506032b6570032100 ‖ 32 raw bytes. */
export const ED25519_SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** The DER of a "PUBLIC KEY" PEM holding an Ed25519 key, or INVALID_INPUT. */
export function ed25519SpkiFromPem(pem: string): Bytes {
  const m = typeof pem === 'string' ? /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem) : null;
  const der = m ? base64DecodeStrict(m[1].replace(/\s+/g, '')) : null;
  if (!der) throw new SealedBidError('INVALID_INPUT', 'not a PEM public key');
  if (der.length !== ED25519_SPKI_PREFIX.length + 32 || !equalBytes(der.subarray(0, ED25519_SPKI_PREFIX.length), ED25519_SPKI_PREFIX)) {
    throw new SealedBidError('INVALID_INPUT', 'the receipt public key must be an Ed25519 public key');
  }
  return der;
}
