import { BID_IV_BYTES, BID_KEY_BYTES, X25519_KEY_BYTES } from './constants';
import { deriveEscrowKekSteps, unwrapEscrowedKeySteps, wrapEscrowKeySteps } from './core/format';
import { type CryptoPort, runSync } from './core/steps';
import { type BinaryInput, requireBytes, toBytes } from './encoding';
import { SealedBidError } from './errors';
import { asBuffer, nodeCrypto } from './ports/node';
import { rawX25519PublicKey, x25519PrivateKeyObject, x25519WithKey } from './x25519';

/** kek = HKDF-SHA256(ikm = shared, salt = ephemeralPublic ‖ escrowPublic, info = "bid-escrow-v1", 32 bytes). */
export function deriveEscrowKek(shared: Buffer, ephemeralPublic: Buffer, escrowPublic: Buffer): Buffer {
  return asBuffer(runSync(deriveEscrowKekSteps(shared, ephemeralPublic, escrowPublic), nodeCrypto));
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
  const wrapped = runSync(
    wrapEscrowKeySteps({
      key: requireBytes(input.key, 'key', BID_KEY_BYTES),
      escrowPublicKey: requireBytes(input.escrowPublicKey, 'escrowPublicKey', X25519_KEY_BYTES),
      ephemeralPrivateKey: input.ephemeralPrivateKey === undefined ? undefined : requireBytes(input.ephemeralPrivateKey, 'ephemeralPrivateKey', X25519_KEY_BYTES),
      iv2: input.iv2 === undefined ? undefined : requireBytes(input.iv2, 'iv2', BID_IV_BYTES),
    }),
    nodeCrypto,
  );
  return asBuffer(wrapped).toString('base64');
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
  // The node port with this escrow key's KeyObject built once (the core passes back the same private-key bytes).
  const port: CryptoPort = {
    ...nodeCrypto,
    x25519: (priv, pub) => (priv === escrowPrivate ? x25519WithKey(privateKey, asBuffer(pub)) : nodeCrypto.x25519(priv, pub)),
  };
  return (escrowedKey: BinaryInput): Buffer => asBuffer(runSync(unwrapEscrowedKeySteps(toBytes(escrowedKey), escrowPrivate, derivedPublic), port));
}
