/**
 * The two suites' primitives. INTL-1 runs on a v1 crypto port (node:crypto, WebCrypto or noble), so its escrow wrap
 * is v1's own code; GM-1 runs on sm-crypto-v2 (pure JavaScript: the browser's path, and Node's fallback). On Node,
 * GM-1's SM4-GCM and SM3 run on node:crypto when its OpenSSL has them (src/sdk/v2/node.ts: the same bytes, several
 * times faster); SM2 always stays here: Node's crypto.sign is deliberately not used for SM2 (its SM2 support depends
 * on the OpenSSL build and ignores the signer id).
 */
import { sm2, sm3, sm4 } from 'sm-crypto-v2';
import { type Bytes, concatBytes, fromHex, toHex } from '../core/bytes';
import { unwrapEscrowedKeySteps, wrapEscrowKeySteps } from '../core/format';
import { type AsyncCryptoPort, type CryptoPort, runAsync, runSync } from '../core/steps';
import { KEY_BYTES, SM2_SIGNER_ID, V2_TAG_BYTES } from './constants';
import type { SuitePrimitives } from './suite';

/** INTL-1 on a v1 crypto port; a synchronous port keeps every operation synchronous. */
export function intlSuite(port: CryptoPort | AsyncCryptoPort, opts: { sync?: boolean } = {}): SuitePrimitives {
  const sync = opts.sync === true;
  return {
    id: 'INTL-1',
    keyBytes: KEY_BYTES['INTL-1'],
    randomBytes: (n) => port.randomBytes(n),
    hash: (data) => port.sha256(data),
    seal: (key, nonce, pt, aad) => port.aesGcmEncrypt(key, nonce, pt, aad),
    open: (key, nonce, sealed, aad) => port.aesGcmDecrypt(key, nonce, sealed, aad),
    wrapKey: (key, escrowPublicKey) =>
      sync ? runSync(wrapEscrowKeySteps({ key, escrowPublicKey }), port as CryptoPort) : runAsync(wrapEscrowKeySteps({ key, escrowPublicKey }), port),
    unwrapKey(escrowedKey, escrowPrivateKey, escrowPublicKey) {
      const steps = unwrapEscrowedKeySteps(escrowedKey, escrowPrivateKey, escrowPublicKey);
      return sync ? runSync(steps, port as CryptoPort) : runAsync(steps, port);
    },
    verifySignature: (publicKey, message, signature) => port.ed25519Verify(publicKey, message, signature),
  };
}

function secureRandom(length: number): Bytes {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!c?.getRandomValues) throw new Error('no secure random source (crypto.getRandomValues) in this environment');
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) c.getRandomValues(out.subarray(at, Math.min(length, at + 65_536)));
  return out;
}

const SM2_POINT_BYTES = 65;

/** An SM2 public key as sm-crypto-v2 wants it: lowercase hex of 04‖x‖y. */
export function sm2PublicHex(publicKey: Bytes): string {
  if (publicKey.length !== SM2_POINT_BYTES || publicKey[0] !== 0x04) throw new Error('an SM2 public key is 65 bytes 04‖x‖y');
  return toHex(publicKey);
}

/** An SM2 private key (32 bytes) as hex; refuses other lengths. */
function sm2PrivateHex(privateKey: Bytes): string {
  if (privateKey.length !== 32) throw new Error('an SM2 private key is 32 bytes');
  return toHex(privateKey);
}

/** SM2 encryption of the bid key (GB/T 32918.4, C1‖C3‖C2 with C1 = 04‖x‖y). */
export function sm2Wrap(key: Bytes, escrowPublicKey: Bytes): Bytes {
  const hex = sm2.doEncrypt(key, sm2PublicHex(escrowPublicKey), 1); // cipherMode 1 = C1C3C2; C1 without its 04
  return concatBytes(new Uint8Array([0x04]), fromHex(hex) as Bytes);
}

export function sm2Unwrap(escrowedKey: Bytes, escrowPrivateKey: Bytes, keyBytes: number): Bytes {
  if (escrowedKey.length !== SM2_POINT_BYTES + 32 + keyBytes || escrowedKey[0] !== 0x04) throw new Error('malformed SM2 escrowed key');
  const out = sm2.doDecrypt(toHex(escrowedKey.subarray(1)), sm2PrivateHex(escrowPrivateKey), 1, { output: 'array' });
  // sm-crypto-v2 answers an empty array when C3 does not match.
  if (!out || out.length !== keyBytes) throw new Error('SM2 escrowed key does not authenticate');
  return new Uint8Array(out);
}

export function sm2Sign(message: Bytes, privateKey: Bytes): Bytes {
  const sigHex = sm2.doSignature(message, sm2PrivateHex(privateKey), { hash: true, der: true, userId: SM2_SIGNER_ID });
  return fromHex(sigHex) as Bytes;
}

export function sm2Verify(publicKey: Bytes, message: Bytes, signature: Bytes): boolean {
  try {
    return sm2.doVerifySignature(message, toHex(signature), sm2PublicHex(publicKey), { hash: true, der: true, userId: SM2_SIGNER_ID });
  } catch {
    return false;
  }
}

export function generateSm2KeyPair(): { privateKey: Bytes; publicKey: Bytes } {
  const kp = sm2.generateKeyPairHex();
  return { privateKey: fromHex(kp.privateKey.padStart(64, '0')) as Bytes, publicKey: fromHex(kp.publicKey) as Bytes };
}

/** An SM2 key pair derived from 32 seed bytes (scalar = seed mod (n − 1) + 1, as sm-crypto-v2 derives it). */
export function sm2KeyPairFromSeed(seed: Bytes): { privateKey: Bytes; publicKey: Bytes } {
  if (seed.length !== 32) throw new Error('an SM2 seed is 32 bytes');
  const kp = sm2.generateKeyPairHex(`0x${toHex(seed)}`);
  return { privateKey: fromHex(kp.privateKey.padStart(64, '0')) as Bytes, publicKey: fromHex(kp.publicKey) as Bytes };
}

export function sm2PublicFromPrivate(privateKey: Bytes): Bytes {
  return fromHex(sm2.getPublicKeyFromPrivateKey(sm2PrivateHex(privateKey))) as Bytes;
}

export function sm4GcmSeal(key: Bytes, nonce: Bytes, plaintext: Bytes, aad: Bytes): Bytes {
  const r = sm4.encrypt(plaintext, key, { mode: 'gcm', iv: nonce, associatedData: aad, output: 'array', outputTag: true, padding: 'none' });
  return concatBytes(r.output, r.tag as Bytes);
}

export function sm4GcmOpen(key: Bytes, nonce: Bytes, sealed: Bytes, aad: Bytes): Bytes {
  if (sealed.length < V2_TAG_BYTES) throw new Error('segment shorter than its tag');
  const body = sealed.subarray(0, sealed.length - V2_TAG_BYTES);
  const tag = sealed.subarray(sealed.length - V2_TAG_BYTES);
  return sm4.decrypt(body, key, { mode: 'gcm', iv: nonce, associatedData: aad, tag, output: 'array', padding: 'none' });
}

export const sm3Hash = (data: Bytes): Bytes => fromHex(sm3(data)) as Bytes;

/** GM-1 on sm-crypto-v2 (the browser; on Node, nodeGmSuite in node.ts replaces its symmetric parts when it can). */
export function gmSuite(random: (n: number) => Bytes = secureRandom): SuitePrimitives {
  return {
    id: 'GM-1',
    keyBytes: KEY_BYTES['GM-1'],
    randomBytes: random,
    hash: sm3Hash,
    seal: sm4GcmSeal,
    open: sm4GcmOpen,
    wrapKey: sm2Wrap,
    unwrapKey: (escrowedKey, escrowPrivateKey) => sm2Unwrap(escrowedKey, escrowPrivateKey, KEY_BYTES['GM-1']),
    verifySignature: sm2Verify,
  };
}
