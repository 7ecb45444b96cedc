/**
 * The crypto port of the sealed-bid core. The format logic (src/sdk/core/format.ts) is written once as generator
 * functions ("steps") that yield the primitive operations they need; a driver runs them on a port:
 * - `runSync` with a synchronous port: node:crypto (src/sdk/ports/node.ts) for the SDK's Node API, the CLI and the
 *   server; the audited pure-JavaScript port (src/sdk/ports/noble.ts) in any JavaScript engine;
 * - `runAsync` with an asynchronous port: WebCrypto in the browser (src/sdk/ports/webcrypto.ts), which falls back
 *   to the pure-JavaScript port operation by operation where the browser lacks an algorithm.
 * So Node keeps its synchronous API and the browser uses WebCrypto, and both run the very same format code.
 */
import type { Bytes } from './bytes';

export interface CryptoPort {
  readonly name: string;
  randomBytes(length: number): Bytes;
  sha256(data: Bytes): Bytes;
  /** AES-256-GCM; returns ciphertext ‖ tag(16). */
  aesGcmEncrypt(key: Bytes, iv: Bytes, plaintext: Bytes, aad: Bytes): Bytes;
  /** AES-256-GCM of ciphertext ‖ tag(16); throws when it does not authenticate. */
  aesGcmDecrypt(key: Bytes, iv: Bytes, sealed: Bytes, aad: Bytes): Bytes;
  hkdfSha256(ikm: Bytes, salt: Bytes, info: Bytes, length: number): Bytes;
  /** A fresh X25519 private key (32 raw bytes). */
  x25519GeneratePrivate(): Bytes;
  x25519PublicFromPrivate(privateKey: Bytes): Bytes;
  /** X25519(private, public); throws for a public key that yields the all-zero secret (low order). */
  x25519(privateKey: Bytes, publicKey: Bytes): Bytes;
  /** Ed25519 verification with a public key given as SPKI DER. */
  ed25519Verify(publicKeySpki: Bytes, message: Bytes, signature: Bytes): boolean;
}

type Op = Exclude<keyof CryptoPort, 'name'>;
type Fn<K extends Op> = CryptoPort[K] extends (...a: infer A) => infer R ? { args: A; result: R } : never;

/** The same operations, each allowed to answer with a promise (WebCrypto). */
export type AsyncCryptoPort = { readonly name: string } & {
  [K in Op]: (...args: Fn<K>['args']) => Fn<K>['result'] | Promise<Fn<K>['result']>;
};

export type CryptoCall = { [K in Op]: { op: K; args: Fn<K>['args'] } }[Op];
export type Steps<T> = Generator<CryptoCall, T, unknown>;

function* call<K extends Op>(op: K, ...args: Fn<K>['args']): Steps<Fn<K>['result']> {
  return (yield { op, args } as CryptoCall) as Fn<K>['result'];
}

/** The operations as steps: `const ct = yield* crypto.aesGcmEncrypt(key, iv, pt, aad)`. */
export const crypto = {
  randomBytes: (length: number) => call('randomBytes', length),
  sha256: (data: Bytes) => call('sha256', data),
  aesGcmEncrypt: (key: Bytes, iv: Bytes, plaintext: Bytes, aad: Bytes) => call('aesGcmEncrypt', key, iv, plaintext, aad),
  aesGcmDecrypt: (key: Bytes, iv: Bytes, sealed: Bytes, aad: Bytes) => call('aesGcmDecrypt', key, iv, sealed, aad),
  hkdfSha256: (ikm: Bytes, salt: Bytes, info: Bytes, length: number) => call('hkdfSha256', ikm, salt, info, length),
  x25519GeneratePrivate: () => call('x25519GeneratePrivate'),
  x25519PublicFromPrivate: (privateKey: Bytes) => call('x25519PublicFromPrivate', privateKey),
  x25519: (privateKey: Bytes, publicKey: Bytes) => call('x25519', privateKey, publicKey),
  ed25519Verify: (publicKeySpki: Bytes, message: Bytes, signature: Bytes) => call('ed25519Verify', publicKeySpki, message, signature),
};

/** Runs steps on a synchronous port. An operation's exception is thrown into the steps, which may catch it. */
export function runSync<T>(steps: Steps<T>, port: CryptoPort): T {
  let next = steps.next();
  while (!next.done) {
    const { op, args } = next.value;
    let result: unknown;
    try {
      result = (port[op] as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

/** Runs steps on a port whose operations may be asynchronous. */
export async function runAsync<T>(steps: Steps<T>, port: AsyncCryptoPort | CryptoPort): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const { op, args } = next.value;
    let result: unknown;
    try {
      result = await (port[op] as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      next = steps.throw(e);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}
