/**
 * The crypto port in audited pure JavaScript (paulmillr's noble libraries: @noble/ciphers, @noble/curves,
 * @noble/hashes), for browsers without the needed WebCrypto algorithms (X25519 and Ed25519 are recent in WebCrypto;
 * `crypto.subtle` is missing altogether on pages not served over HTTPS or localhost). Random bytes come from
 * `crypto.getRandomValues`, available everywhere; without it the port refuses to work rather than seal weakly.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, isAllZero } from '../core/bytes';
import { ED25519_SPKI_PREFIX } from '../core/format';
import type { CryptoPort } from '../core/steps';

function randomBytes(length: number): Uint8Array {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!c?.getRandomValues) throw new Error('no secure random source (crypto.getRandomValues) in this environment');
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) c.getRandomValues(out.subarray(at, Math.min(length, at + 65_536)));
  return out;
}

export const nobleCrypto: CryptoPort = {
  name: 'noble (pure JavaScript)',
  randomBytes,
  sha256: (data) => sha256(data),
  aesGcmEncrypt: (key, iv, plaintext, aad) => gcm(key, iv, aad.length ? aad : undefined).encrypt(plaintext),
  aesGcmDecrypt: (key, iv, sealed, aad) => gcm(key, iv, aad.length ? aad : undefined).decrypt(sealed),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  x25519GeneratePrivate: () => randomBytes(32),
  x25519PublicFromPrivate: (privateKey) => x25519.getPublicKey(privateKey),
  x25519(privateKey, publicKey) {
    const shared = x25519.getSharedSecret(privateKey, publicKey);
    if (isAllZero(shared)) throw new Error('X25519 produced a zero secret');
    return shared;
  },
  ed25519Verify(publicKeySpki, message, signature) {
    const prefix = publicKeySpki.subarray(0, ED25519_SPKI_PREFIX.length);
    if (publicKeySpki.length !== ED25519_SPKI_PREFIX.length + 32 || !equalBytes(prefix, ED25519_SPKI_PREFIX)) {
      throw new Error('not an Ed25519 SPKI key');
    }
    try {
      // Strict RFC 8032 verification, as OpenSSL does on the server (not the permissive ZIP-215 rules).
      return ed25519.verify(signature, message, publicKeySpki.subarray(ED25519_SPKI_PREFIX.length), { zip215: false });
    } catch {
      return false;
    }
  },
};
