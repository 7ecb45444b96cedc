import { createCipheriv, createDecipheriv, createHash, createPublicKey, hkdfSync, randomBytes, verify } from 'crypto';
import { GCM_TAG_BYTES } from '../constants';
import type { Bytes } from '../core/bytes';
import type { CryptoPort } from '../core/steps';
import { type KeyObject } from 'crypto';
import { generateX25519KeyObjects, x25519, x25519PublicFromPrivate, x25519WithKey } from '../x25519';

const buf = (b: Bytes) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/**
 * An ephemeral private key this port generated, with its key object and public key: wrapping a key (generate, public
 * key, exchange) then rebuilds nothing from DER. Keyed by the returned buffer and checked against a copy of its
 * bytes, so a buffer changed since (or another one with the same bytes) takes the general path.
 */
const generated = new WeakMap<object, { raw: Buffer; key: KeyObject; publicKey: Buffer }>();
const generatedKey = (b: Bytes) => {
  const g = generated.get(b);
  return g && g.raw.equals(buf(b)) ? g : undefined;
};

/** The crypto port on node:crypto (OpenSSL): the SDK's Node API, the CLI and the server run the core on it. */
export const nodeCrypto: CryptoPort = {
  name: 'node:crypto',
  randomBytes: (length) => randomBytes(length),
  sha256: (data) => createHash('sha256').update(data).digest(),
  aesGcmEncrypt(key, iv, plaintext, aad) {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    if (aad.length) cipher.setAAD(aad);
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  },
  aesGcmDecrypt(key, iv, sealed, aad) {
    if (sealed.length < GCM_TAG_BYTES) throw new Error('too short');
    const s = buf(sealed);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    if (aad.length) decipher.setAAD(aad);
    decipher.setAuthTag(s.subarray(s.length - GCM_TAG_BYTES));
    return Buffer.concat([decipher.update(s.subarray(0, s.length - GCM_TAG_BYTES)), decipher.final()]);
  },
  hkdfSha256: (ikm, salt, info, length) => Buffer.from(hkdfSync('sha256', ikm, salt, info, length)),
  x25519GeneratePrivate: () => {
    const { privateKey, publicKey, key } = generateX25519KeyObjects();
    generated.set(privateKey, { raw: Buffer.from(privateKey), key, publicKey });
    return privateKey;
  },
  x25519PublicFromPrivate: (privateKey) => generatedKey(privateKey)?.publicKey ?? x25519PublicFromPrivate(buf(privateKey)),
  x25519: (privateKey, publicKey) => {
    const g = generatedKey(privateKey);
    return g ? x25519WithKey(g.key, buf(publicKey)) : x25519(buf(privateKey), buf(publicKey));
  },
  ed25519Verify(publicKeySpki, message, signature) {
    const key = createPublicKey({ key: buf(publicKeySpki), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  },
};

/** Bytes as a Buffer sharing the same memory (what the Node API has always returned). */
export function asBuffer(b: Bytes): Buffer {
  return buf(b);
}
