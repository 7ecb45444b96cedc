import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'crypto';
import {
  BID_IV_BYTES,
  BID_KEY_BYTES,
  ESCROWED_KEY_BYTES,
  ESCROW_HKDF_INFO,
  GCM_TAG_BYTES,
  X25519_KEY_BYTES,
} from './constants';
import { BinaryInput, requireBytes, toBytes } from './encoding';
import { SealedBidError } from './errors';
import {
  generateX25519KeyPair,
  rawX25519PublicKey,
  x25519,
  x25519PrivateKeyObject,
  x25519PublicFromPrivate,
  x25519WithKey,
} from './x25519';

/** kek = HKDF-SHA256(ikm = shared, salt = ephemeralPublic ‖ escrowPublic, info = "bid-escrow-v1", 32 bytes). */
export function deriveEscrowKek(shared: Buffer, ephemeralPublic: Buffer, escrowPublic: Buffer): Buffer {
  const salt = Buffer.concat([ephemeralPublic, escrowPublic]);
  return Buffer.from(hkdfSync('sha256', shared, salt, Buffer.from(ESCROW_HKDF_INFO, 'utf8'), BID_KEY_BYTES));
}

export interface WrapEscrowKeyInput {
  /** The bid key (32 bytes, raw or base64). */
  key: BinaryInput;
  /** The tender's `sealing.escrowPublicKey` (base64 of 32 raw bytes, or the bytes). */
  escrowPublicKey: BinaryInput;
  /**
   * Deterministic inputs, for test vectors only. Leave them out: they are drawn at random, and a reused ephemeral
   * key or iv2 breaks the scheme.
   */
  ephemeralPrivateKey?: BinaryInput;
  iv2?: BinaryInput;
}

/** escrowedKey = base64(ephemeralPublic(32) ‖ iv2(12) ‖ AES-256-GCM(kek, iv2, key) ‖ tag(16)). */
export function wrapEscrowKey(input: WrapEscrowKeyInput): string {
  const key = requireBytes(input.key, 'key', BID_KEY_BYTES);
  const escrowPublic = requireBytes(input.escrowPublicKey, 'escrowPublicKey', X25519_KEY_BYTES);
  const ephemeralPrivate =
    input.ephemeralPrivateKey === undefined
      ? generateX25519KeyPair().privateKey
      : requireBytes(input.ephemeralPrivateKey, 'ephemeralPrivateKey', X25519_KEY_BYTES);
  const iv2 = input.iv2 === undefined ? randomBytes(BID_IV_BYTES) : requireBytes(input.iv2, 'iv2', BID_IV_BYTES);
  const ephemeralPublic = x25519PublicFromPrivate(ephemeralPrivate);
  let shared: Buffer;
  try {
    shared = x25519(ephemeralPrivate, escrowPublic);
  } catch {
    throw new SealedBidError('INVALID_INPUT', 'escrowPublicKey is not a usable X25519 public key');
  }
  const kek = deriveEscrowKek(shared, ephemeralPublic, escrowPublic);
  const cipher = createCipheriv('aes-256-gcm', kek, iv2);
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([ephemeralPublic, iv2, body, cipher.getAuthTag()]).toString('base64');
}

export interface UnwrapEscrowedKeyInput {
  escrowedKey: BinaryInput;
  /** The tender's escrow private key (base64 of 32 raw bytes, or the bytes). */
  escrowPrivateKey: BinaryInput;
  /** The tender's published escrow public key; derived from the private key when omitted, checked when given. */
  escrowPublicKey?: BinaryInput;
}

/** The bid key held in an escrowedKey. Throws ESCROW_UNWRAP_FAILED (malformed, tampered, or another key pair). */
export function unwrapEscrowedKey(input: UnwrapEscrowedKeyInput): Buffer {
  return createEscrowUnwrapper(input)(input.escrowedKey);
}

export type EscrowKeyPairInput = Omit<UnwrapEscrowedKeyInput, 'escrowedKey'>;

/** Unwraps escrowed keys with one escrow key pair (see createEscrowUnwrapper). */
export type EscrowUnwrapper = (escrowedKey: BinaryInput) => Buffer;

/**
 * An unwrapper for many escrowed keys of one tender (the escrow opening): the escrow private key object and its
 * public key are built and checked once instead of for every bid — most of an unwrap's cost. Same results and
 * errors as unwrapEscrowedKey, which is this applied once: INVALID_INPUT at once for a bad or mismatched key pair,
 * ESCROW_UNWRAP_FAILED per escrowed key that cannot be unwrapped. It holds the private key (a KeyObject, which
 * cannot be wiped): drop it as soon as the opening is done.
 */
export function createEscrowUnwrapper(input: EscrowKeyPairInput): EscrowUnwrapper {
  const escrowPrivate = requireBytes(input.escrowPrivateKey, 'escrowPrivateKey', X25519_KEY_BYTES);
  const privateKey = x25519PrivateKeyObject(escrowPrivate);
  const derivedPublic = rawX25519PublicKey(privateKey);
  if (input.escrowPublicKey !== undefined) {
    const given = requireBytes(input.escrowPublicKey, 'escrowPublicKey', X25519_KEY_BYTES);
    if (!given.equals(derivedPublic)) {
      throw new SealedBidError('INVALID_INPUT', 'escrowPublicKey does not belong to escrowPrivateKey');
    }
  }
  return (escrowedKey: BinaryInput): Buffer => {
    const raw = toBytes(escrowedKey);
    if (!raw || raw.length !== ESCROWED_KEY_BYTES) {
      throw new SealedBidError('ESCROW_UNWRAP_FAILED', `escrowedKey must be base64 of ${ESCROWED_KEY_BYTES} bytes`);
    }
    const ephemeralPublic = raw.subarray(0, X25519_KEY_BYTES);
    const iv2 = raw.subarray(X25519_KEY_BYTES, X25519_KEY_BYTES + BID_IV_BYTES);
    const body = raw.subarray(X25519_KEY_BYTES + BID_IV_BYTES, raw.length - GCM_TAG_BYTES);
    const tag = raw.subarray(raw.length - GCM_TAG_BYTES);
    try {
      const kek = deriveEscrowKek(x25519WithKey(privateKey, ephemeralPublic), ephemeralPublic, derivedPublic);
      const decipher = createDecipheriv('aes-256-gcm', kek, iv2);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new SealedBidError('ESCROW_UNWRAP_FAILED', 'the escrowed key cannot be unwrapped with this escrow key');
    }
  };
}
