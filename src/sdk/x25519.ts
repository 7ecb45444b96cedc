import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'crypto';
import { X25519_KEY_BYTES } from './constants';
import { SealedBidError } from './errors';

/** DER prefixes that turn 32 raw bytes into an X25519 SubjectPublicKeyInfo / PKCS#8 PrivateKeyInfo (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function checkLength(raw: Buffer, what: string): void {
  if (raw.length !== X25519_KEY_BYTES) {
    throw new SealedBidError('INVALID_INPUT', `${what} must be ${X25519_KEY_BYTES} raw bytes, got ${raw.length}`);
  }
}

export function x25519PublicKeyObject(raw: Buffer): KeyObject {
  checkLength(raw, 'X25519 public key');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function x25519PrivateKeyObject(raw: Buffer): KeyObject {
  checkLength(raw, 'X25519 private key');
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

export function rawX25519PublicKey(key: KeyObject): Buffer {
  const der = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  if (!der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)) {
    throw new SealedBidError('INVALID_INPUT', 'not an X25519 key');
  }
  return Buffer.from(der.subarray(SPKI_PREFIX.length));
}

export function rawX25519PrivateKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  if (!der.subarray(0, PKCS8_PREFIX.length).equals(PKCS8_PREFIX)) {
    throw new SealedBidError('INVALID_INPUT', 'not an X25519 private key');
  }
  return Buffer.from(der.subarray(PKCS8_PREFIX.length));
}

export function x25519PublicFromPrivate(privateRaw: Buffer): Buffer {
  return rawX25519PublicKey(x25519PrivateKeyObject(privateRaw));
}

/** X25519(private, public). OpenSSL refuses low-order public keys (all-zero shared secret); so do we. */
export function x25519(privateRaw: Buffer, publicRaw: Buffer): Buffer {
  return x25519WithKey(x25519PrivateKeyObject(privateRaw), publicRaw);
}

/**
 * Public key objects of the few keys used over and over (a tender's escrow or identity public key): building one
 * from DER costs more than the exchange itself. Bounded; a key object holds no secret.
 */
const publicKeyObjects = new Map<string, KeyObject>();
function cachedPublicKeyObject(raw: Buffer): KeyObject {
  checkLength(raw, 'X25519 public key');
  const id = raw.toString('base64');
  let key = publicKeyObjects.get(id);
  if (!key) {
    if (publicKeyObjects.size >= 256) publicKeyObjects.clear();
    key = x25519PublicKeyObject(raw);
    publicKeyObjects.set(id, key);
  }
  return key;
}

/** X25519 with a private key object built once (building it costs more than the exchange itself). */
export function x25519WithKey(privateKey: KeyObject, publicRaw: Buffer): Buffer {
  const shared = diffieHellman({ privateKey, publicKey: cachedPublicKeyObject(publicRaw) });
  if (shared.every((b) => b === 0)) throw new SealedBidError('INVALID_INPUT', 'X25519 produced a zero secret');
  return shared;
}

export interface X25519RawKeyPair {
  publicKey: Buffer;
  privateKey: Buffer;
}

export function generateX25519KeyPair(): X25519RawKeyPair {
  const { privateKey, publicKey } = generateX25519KeyObjects();
  return { privateKey, publicKey };
}

/** A fresh key pair: both raw keys from one JWK export (RFC 8037: `d` and `x` are the raw 32 bytes), and the key object. */
export function generateX25519KeyObjects(): X25519RawKeyPair & { key: KeyObject } {
  const { privateKey: key } = generateKeyPairSync('x25519');
  const jwk = key.export({ format: 'jwk' });
  const privateKey = Buffer.from(jwk.d!, 'base64url');
  const publicKey = Buffer.from(jwk.x!, 'base64url');
  checkLength(privateKey, 'X25519 private key');
  checkLength(publicKey, 'X25519 public key');
  return { privateKey, publicKey, key };
}

/** A tender's escrow key pair: base64 of the 32 raw bytes of each key (the public one is `sealing.escrowPublicKey`). */
export function generateEscrowKeyPair(): { publicKey: string; privateKey: string } {
  const pair = generateX25519KeyPair();
  return { publicKey: pair.publicKey.toString('base64'), privateKey: pair.privateKey.toString('base64') };
}
