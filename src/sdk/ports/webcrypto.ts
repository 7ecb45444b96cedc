/**
 * The crypto port on WebCrypto (`crypto.subtle`), the browser's native implementation, with the audited
 * pure-JavaScript port as fallback for each algorithm the browser lacks (UI.md "Sealing in the browser": never a
 * fallback to sending plaintext). Only "not supported" falls back — a failed authentication or a bad key is an
 * error, as on every port. `usedFallback()` tells which algorithms ran in JavaScript (shown to the bidder).
 */
import { type Bytes, concatBytes, isAllZero } from '../core/bytes';
import type { AsyncCryptoPort, CryptoPort } from '../core/steps';

/** The parts of SubtleCrypto this port uses (the DOM's SubtleCrypto and Node's webcrypto.subtle both fit). */
export interface SubtleLike {
  digest(algorithm: string, data: BufferSource): Promise<ArrayBuffer>;
  importKey(format: string, keyData: unknown, algorithm: unknown, extractable: boolean, usages: string[]): Promise<unknown>;
  exportKey(format: string, key: unknown): Promise<unknown>;
  generateKey(algorithm: unknown, extractable: boolean, usages: string[]): Promise<unknown>;
  encrypt(algorithm: unknown, key: unknown, data: BufferSource): Promise<ArrayBuffer>;
  decrypt(algorithm: unknown, key: unknown, data: BufferSource): Promise<ArrayBuffer>;
  deriveBits(algorithm: unknown, key: unknown, length: number): Promise<ArrayBuffer>;
  verify(algorithm: unknown, key: unknown, signature: BufferSource, data: BufferSource): Promise<boolean>;
}
type BufferSource = ArrayBuffer | ArrayBufferView;

/** PKCS#8 prefix of a raw X25519 private key (RFC 8410). */
const X25519_PKCS8_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

type Family = 'aes' | 'sha' | 'hkdf' | 'x25519' | 'ed25519';

const u8 = (b: ArrayBuffer) => new Uint8Array(b);
/** A copy in a fresh ArrayBuffer (WebCrypto wants BufferSource; subarrays of shared buffers are copied). */
const bs = (b: Bytes): Uint8Array<ArrayBuffer> => new Uint8Array(b) as Uint8Array<ArrayBuffer>;

function base64UrlToBytes(s: string): Bytes {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export interface WebCryptoPort extends AsyncCryptoPort {
  /** The algorithm families that ran on the fallback so far. */
  usedFallback(): Family[];
}

/**
 * `fallback` is the pure-JavaScript port, or a loader of it (the browser imports it only when an algorithm is
 * missing, so most visitors never download it).
 */
export function createWebCryptoPort(subtle: SubtleLike | undefined, fallbackPort: CryptoPort | (() => Promise<CryptoPort>), random: (n: number) => Bytes): WebCryptoPort {
  let loaded: Promise<CryptoPort> | null = null;
  const js = () => (loaded ??= typeof fallbackPort === 'function' ? fallbackPort() : Promise.resolve(fallbackPort));
  const fallback = new Proxy({} as { [K in keyof CryptoPort]: CryptoPort[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<R> : never }, {
    get:
      (_t, op: string) =>
      async (...args: unknown[]) =>
        ((await js()) as unknown as Record<string, (...a: unknown[]) => unknown>)[op](...args),
  });
  const unsupported = new Set<Family>();
  if (!subtle) (['aes', 'sha', 'hkdf', 'x25519', 'ed25519'] as Family[]).forEach((f) => unsupported.add(f));

  /** Runs `native` unless the family is known unsupported; "not supported" marks it and runs `js` instead. */
  async function attempt<T>(family: Family, native: () => Promise<T>, viaJs: () => Promise<T>): Promise<T> {
    if (!unsupported.has(family)) {
      try {
        return await native();
      } catch (e) {
        const name = (e as { name?: string })?.name;
        if (name !== 'NotSupportedError') throw e;
        unsupported.add(family);
      }
    }
    return viaJs();
  }

  const importX25519Private = (priv: Bytes) => subtle!.importKey('pkcs8', bs(concatBytes(X25519_PKCS8_PREFIX, priv)), { name: 'X25519' }, true, ['deriveBits']);

  return {
    name: 'WebCrypto',
    usedFallback: () => [...unsupported],
    randomBytes: (length) => random(length),
    sha256: (data) =>
      attempt(
        'sha',
        async () => u8(await subtle!.digest('SHA-256', bs(data))),
        () => fallback.sha256(data),
      ),
    aesGcmEncrypt: (key, iv, plaintext, aad) =>
      attempt(
        'aes',
        async () => {
          const k = await subtle!.importKey('raw', bs(key), { name: 'AES-GCM' }, false, ['encrypt']);
          return u8(await subtle!.encrypt({ name: 'AES-GCM', iv: bs(iv), additionalData: bs(aad), tagLength: 128 }, k, bs(plaintext)));
        },
        () => fallback.aesGcmEncrypt(key, iv, plaintext, aad),
      ),
    aesGcmDecrypt: (key, iv, sealed, aad) =>
      attempt(
        'aes',
        async () => {
          const k = await subtle!.importKey('raw', bs(key), { name: 'AES-GCM' }, false, ['decrypt']);
          return u8(await subtle!.decrypt({ name: 'AES-GCM', iv: bs(iv), additionalData: bs(aad), tagLength: 128 }, k, bs(sealed)));
        },
        () => fallback.aesGcmDecrypt(key, iv, sealed, aad),
      ),
    hkdfSha256: (ikm, salt, info, length) =>
      attempt(
        'hkdf',
        async () => {
          const k = await subtle!.importKey('raw', bs(ikm), 'HKDF', false, ['deriveBits']);
          return u8(await subtle!.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: bs(salt), info: bs(info) }, k, length * 8));
        },
        () => fallback.hkdfSha256(ikm, salt, info, length),
      ),
    x25519GeneratePrivate: () =>
      attempt(
        'x25519',
        async () => {
          const pair = (await subtle!.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as { privateKey: unknown };
          const jwk = (await subtle!.exportKey('jwk', pair.privateKey)) as { d: string };
          return base64UrlToBytes(jwk.d);
        },
        () => fallback.x25519GeneratePrivate(),
      ),
    x25519PublicFromPrivate: (privateKey) =>
      attempt(
        'x25519',
        async () => {
          const jwk = (await subtle!.exportKey('jwk', await importX25519Private(privateKey))) as { x: string };
          return base64UrlToBytes(jwk.x);
        },
        () => fallback.x25519PublicFromPrivate(privateKey),
      ),
    x25519: (privateKey, publicKey) =>
      attempt(
        'x25519',
        async () => {
          const priv = await importX25519Private(privateKey);
          const pub = await subtle!.importKey('raw', bs(publicKey), { name: 'X25519' }, true, []);
          const shared = u8(await subtle!.deriveBits({ name: 'X25519', public: pub }, priv, 256));
          if (isAllZero(shared)) throw new Error('X25519 produced a zero secret');
          return shared;
        },
        () => fallback.x25519(privateKey, publicKey),
      ),
    ed25519Verify: (publicKeySpki, message, signature) =>
      attempt(
        'ed25519',
        async () => {
          const k = await subtle!.importKey('spki', bs(publicKeySpki), { name: 'Ed25519' }, false, ['verify']);
          return subtle!.verify({ name: 'Ed25519' }, k, bs(signature), bs(message));
        },
        () => fallback.ed25519Verify(publicKeySpki, message, signature),
      ),
  };
}
