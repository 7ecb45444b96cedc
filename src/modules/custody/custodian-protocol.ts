import { createCipheriv, createDecipheriv, createHash, createHmac, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, timingSafeEqual } from 'crypto';
import { rawX25519PublicKey, x25519PrivateKeyObject, x25519PublicKeyObject } from 'src/sdk/x25519';

/**
 * The wire protocol between the platform and a remote escrow custodian (issue 17; docs/SECURITY.md, "Threshold
 * escrow" › "Remote custodians"). Shared by `HttpEscrowCustodian` (the platform's side) and the custodian server
 * (`src/custodian/`). JSON over HTTP:
 *
 * - `GET  /v1/public-key` → `{ name, publicKey }` (public; the platform pins it or fetches it at start);
 * - `POST /v1/deposit`    `{ tenderId, secretId, depositId?, shareIndex, notBefore, sealedShare }` → 201, 409
 *   ALREADY_DEPOSITED when that (tender, secret, deposit id) is held already (never overwritten);
 * - `POST /v1/reschedule` `{ tenderId, secretId, depositId?, notBefore, reason }` → 200 `{ notBefore, previous }`;
 * - `POST /v1/release`    `{ tenderId, secretId, depositId?, recipientPublicKey }` → 200 `{ release }` (the share sealed to
 *   `recipientPublicKey`, the signature over the share's hash as `releaseStatement`), else 409 NOT_YET (with `notBefore`, its instant, and
 *   `now`, its clock) / 404 NO_SHARE;
 * - `POST /v1/blind-indexes` `{ queries: [{ purpose, tenderId, ids }] }` → 200 `{ indexes: string[][] }` (the blind-index
 *   oracle, served by the custodian that holds its key; each query logged per tender: time, purpose, count — never the ids);
 * - `POST /v1/blind-index-lookups` `{ tenderId }` → 200 `{ tenderId, total, byPurpose }` (what it logged for the tender).
 *
 * `depositId` (32 hex, one per publication attempt) names the deposit: a retried publication deposits anew under a new
 * id and the rolled-back attempt's share stays orphaned; the platform asks for the id its committed audit event names.
 * Without it: the legacy share of (tender, secret), deposited before deposit ids.
 *
 * Every POST is authenticated with the custodian's registered key K (32 bytes, one per custodian, shared with the
 * platform at registration): `X-Custodian-Timestamp`, `X-Custodian-Nonce` and `X-Custodian-Mac` =
 * HMAC-SHA256(K, v1 ‖ method ‖ path ‖ timestamp ‖ nonce ‖ SHA-256(body)). The custodian refuses a missing or wrong MAC
 * (401 UNAUTHENTICATED / BAD_MAC), a timestamp outside ±`MAX_SKEW_MS` of its own clock or before it started
 * (401 STALE_REQUEST) and a nonce already seen (401 REPLAYED_REQUEST). Its answers carry `X-Custodian-Response-Mac`
 * = HMAC-SHA256(K, response ‖ nonce ‖ status ‖ SHA-256(body)), so a forged acknowledgement is refused by the platform.
 *
 * Confidentiality in transit: a deposit's share is sealed under HKDF(K, "deposit") (the platform is the dealer: it
 * had the secret anyway); a released share is sealed to a fresh X25519 key of that one request (ECDH + HKDF-SHA256 +
 * AES-256-GCM), so neither an eavesdropper nor whoever later reads K from the platform's configuration can read a
 * recorded release. TLS (https:// URLs, required when NODE_ENV=production) adds server authentication and hides the
 * metadata (which tender, which secret); the signed release statement and the pinned public key make a release
 * verifiable end to end without trusting the transport.
 */
export const CUSTODIAN_PROTOCOL = 'escrow-custodian-v1';
/** How far a request's timestamp may be from the custodian's clock. */
export const MAX_SKEW_MS = 5 * 60_000;

export const H_TIMESTAMP = 'x-custodian-timestamp';
export const H_NONCE = 'x-custodian-nonce';
export const H_MAC = 'x-custodian-mac';
export const H_RESPONSE_MAC = 'x-custodian-response-mac';

/** The custodian server's error codes (JSON `{ code, message }`). */
export type CustodianErrorCode =
  | 'UNAUTHENTICATED'
  | 'BAD_MAC'
  | 'STALE_REQUEST'
  | 'REPLAYED_REQUEST'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'NOT_YET'
  | 'NO_SHARE'
  | 'ALREADY_DEPOSITED'
  | 'RESCHEDULE_REFUSED'
  | 'INTERNAL';

export interface DepositBody {
  tenderId: string;
  secretId: string;
  depositId?: string;
  shareIndex: number;
  notBefore: string;
  /** base64(iv ‖ ciphertext ‖ tag) under depositKey(K), AAD depositAad(...). */
  sealedShare: string;
}
export interface RescheduleBody {
  tenderId: string;
  secretId: string;
  depositId?: string;
  notBefore: string;
  reason: string;
}
export interface ReleaseBody {
  tenderId: string;
  secretId: string;
  depositId?: string;
  /** base64 raw X25519 public key of this request's ephemeral key pair. */
  recipientPublicKey: string;
}
export interface BlindIndexesBody {
  queries: Array<{ purpose: string; tenderId: string; ids: string[] }>;
}
export interface BlindIndexLookupsBody {
  tenderId: string;
}
/** A release on the wire: ShareRelease with the share sealed to the request's recipient key. */
export interface WireRelease {
  custodian: string;
  tenderId: string;
  secretId: string;
  shareIndex: number;
  notBefore: string;
  releasedAt: string;
  signature: string;
  publicKey: string;
  sealedShare: SealedToRecipient;
}
export interface SealedToRecipient {
  /** base64 raw X25519 ephemeral public key of the custodian. */
  ephemeralPublicKey: string;
  /** base64(iv ‖ ciphertext ‖ tag). */
  ciphertext: string;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function requestMac(key: Buffer, method: string, path: string, timestamp: string, nonce: string, body: Buffer | string): string {
  return createHmac('sha256', key)
    .update([CUSTODIAN_PROTOCOL, method.toUpperCase(), path, timestamp, nonce, sha256(body)].join('\n'))
    .digest('base64');
}
function responseMac(key: Buffer, nonce: string, status: number, body: Buffer | string): string {
  return createHmac('sha256', key)
    .update([CUSTODIAN_PROTOCOL, 'response', nonce, String(status), sha256(body)].join('\n'))
    .digest('base64');
}
const equalB64 = (a: string, b: string) => {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
};

/** The platform's side: the headers of one authenticated request. */
export function signRequest(key: Buffer, method: string, path: string, body: string, now = new Date()): Record<string, string> {
  const timestamp = now.toISOString();
  const nonce = randomBytes(16).toString('hex');
  return { [H_TIMESTAMP]: timestamp, [H_NONCE]: nonce, [H_MAC]: requestMac(key, method, path, timestamp, nonce, body) };
}

/** The platform's side: the answer is the custodian's, to this request. */
export function checkResponse(key: Buffer, nonce: string, status: number, body: string, mac: string | null): boolean {
  return !!mac && equalB64(mac, responseMac(key, nonce, status, body));
}

/** The custodian's side: the MAC of its answer to the request with `nonce`. */
export function signResponse(key: Buffer, nonce: string, status: number, body: string): string {
  return responseMac(key, nonce, status, body);
}

/** Nonces seen within the skew window (a replay inside it is refused; outside it the timestamp is). */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  /** False when the nonce was seen already. */
  add(nonce: string, nowMs: number): boolean {
    for (const [n, exp] of this.seen) {
      if (exp > nowMs) break; // insertion order ≈ expiry order
      this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return false;
    this.seen.set(nonce, nowMs + 2 * MAX_SKEW_MS);
    return true;
  }
}

/**
 * The custodian's side: checks a request's authentication. `notBeforeMs`: the instant the server started (a request
 * signed before it may have been seen by the previous process, whose nonces are gone).
 */
export function checkRequest(
  key: Buffer,
  req: { method: string; path: string; body: Buffer; header: (name: string) => string | undefined },
  now: Date,
  nonces: NonceCache,
  notBeforeMs: number,
): { ok: true; nonce: string } | { ok: false; code: 'UNAUTHENTICATED' | 'BAD_MAC' | 'STALE_REQUEST' | 'REPLAYED_REQUEST'; nonce?: string } {
  const timestamp = req.header(H_TIMESTAMP);
  const nonce = req.header(H_NONCE);
  const mac = req.header(H_MAC);
  if (!timestamp || !nonce || !mac || !/^[0-9a-f]{32}$/.test(nonce)) return { ok: false, code: 'UNAUTHENTICATED' };
  if (!equalB64(mac, requestMac(key, req.method, req.path, timestamp, nonce, req.body))) return { ok: false, code: 'BAD_MAC' };
  const t = Date.parse(timestamp);
  if (!Number.isFinite(t) || Math.abs(now.getTime() - t) > MAX_SKEW_MS || t < notBeforeMs) return { ok: false, code: 'STALE_REQUEST', nonce };
  if (!nonces.add(nonce, now.getTime())) return { ok: false, code: 'REPLAYED_REQUEST', nonce };
  return { ok: true, nonce };
}

/** The key that seals a deposit in transit (derived from the registered key K). */
export function depositKey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `${CUSTODIAN_PROTOCOL}|deposit`, 32));
}
export const depositAad = (custodian: string, d: { tenderId: string; secretId: string; shareIndex: number; notBefore: string; depositId?: string }) =>
  [CUSTODIAN_PROTOCOL, 'deposit', custodian, d.tenderId, d.secretId, d.shareIndex, d.notBefore, ...(d.depositId ? [d.depositId] : [])].join('|');

const releaseInfo = (r: { custodian: string; tenderId: string; secretId: string; shareIndex: number }) =>
  [CUSTODIAN_PROTOCOL, 'release', r.custodian, r.tenderId, r.secretId, r.shareIndex].join('|');

function aesGcm(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64');
}
function aesGcmOpen(key: Buffer, sealed: string, aad: string): Buffer {
  const raw = Buffer.from(sealed, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
}

export const sealDeposit = (key: Buffer, custodian: string, d: Omit<DepositBody, 'sealedShare'>, share: Buffer): string => aesGcm(depositKey(key), share, depositAad(custodian, d));
export const openDeposit = (key: Buffer, custodian: string, d: DepositBody): Buffer => aesGcmOpen(depositKey(key), d.sealedShare, depositAad(custodian, d));

/** A fresh X25519 key pair for one release request (raw 32-byte keys). */
export function ephemeralRecipient(): { publicKey: string; privateKey: Buffer } {
  const { privateKey } = generateKeyPairSync('x25519');
  const raw = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  return { publicKey: rawX25519PublicKey(privateKey).toString('base64'), privateKey: Buffer.from(raw) };
}

function sharedKey(privateKey: Parameters<typeof diffieHellman>[0]['privateKey'], publicKey: Parameters<typeof diffieHellman>[0]['publicKey'], info: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', diffieHellman({ privateKey, publicKey }), salt, info, 32));
}

/** The custodian's side: seals a released share to the request's recipient key. */
export function sealToRecipient(recipientPublicKeyB64: string, r: { custodian: string; tenderId: string; secretId: string; shareIndex: number }, share: Buffer): SealedToRecipient {
  const recipient = x25519PublicKeyObject(Buffer.from(recipientPublicKeyB64, 'base64'));
  const eph = generateKeyPairSync('x25519');
  const ephPub = rawX25519PublicKey(eph.privateKey);
  const key = sharedKey(eph.privateKey, recipient, releaseInfo(r), Buffer.concat([ephPub, Buffer.from(recipientPublicKeyB64, 'base64')]));
  return { ephemeralPublicKey: ephPub.toString('base64'), ciphertext: aesGcm(key, share, releaseInfo(r)) };
}

/** The platform's side: opens a released share with the request's ephemeral private key. */
export function openFromCustodian(privateKey: Buffer, recipientPublicKeyB64: string, r: WireRelease): Buffer {
  const ephPub = Buffer.from(r.sealedShare.ephemeralPublicKey, 'base64');
  const key = sharedKey(x25519PrivateKeyObject(privateKey), x25519PublicKeyObject(ephPub), releaseInfo(r), Buffer.concat([ephPub, Buffer.from(recipientPublicKeyB64, 'base64')]));
  return aesGcmOpen(key, r.sealedShare.ciphertext, releaseInfo(r));
}
