/**
 * A format v2 upload abandoned after its retries, kept in this browser (IndexedDB) so that 继续上传 still works after
 * a reload, a closed tab or a crashed browser. Keyed by user + tender (+ lot): one pending upload per bid.
 *
 * What is kept: what resumeUploadV2 needs to re-seal byte-identical data (the upload id, the envelope with its nonce
 * prefix, the bid key), the form values the file was sealed from (price, duration, author), the suite, and a
 * fingerprint of each bid file (name, size, lastModified, SHA-256 of its first MiB) to check that the bidder chose
 * the same files again. The files themselves are not kept (the bidder chooses them again).
 *
 * Threat model. Everything secret (the bid key, the price and other form values, the file fingerprints) is stored
 * only AES-GCM-encrypted under a WebCrypto key generated here as NON-EXTRACTABLE and kept in the same IndexedDB (a
 * structured clone of a non-extractable CryptoKey stays non-extractable): no script, extension API, DevTools view or
 * export of the site's storage can read the raw key or the price, and the bytes at rest are not the key. This does
 * not protect against someone who controls this machine or runs script in the console's origin (they can use the
 * CryptoKey to decrypt, or read the browser profile's files): but that machine already holds the plaintext bid files
 * and the price typed into the page, so the stored record gives such an attacker nothing the machine did not already
 * hold. Nothing of it ever reaches the platform (the platform only ever received the sealed upload and the envelope).
 * The record is deleted as soon as it cannot or need not be resumed: the upload finalised, a new seal, a withdrawal,
 * the upload gone or closed on the platform, the bid deadline passed, or the bidder discarding it.
 *
 * Without IndexedDB or WebCrypto AES-GCM (an old or locked-down browser), nothing is kept: save() answers false and the
 * page says a reload loses the upload, as before.
 */
import type { PendingBidUpload, SealedEnvelopeV2, SuiteId } from '@shared/sdk/v2/browser';
import type { FileFingerprint } from './file-fingerprint';

export { type FileFingerprint, type FileMatch, fingerprintFile, matchFiles } from './file-fingerprint';

const DB_NAME = 'ebid-pending-bid-uploads';
const DB_VERSION = 1;
const PENDING = 'pending';
const KEYS = 'keys';
const WRAPPING_KEY_ID = 'aes-gcm-v1';

export interface PendingUploadOwner {
  userId: string;
  tenderId: string;
  /** The lot, when the bid is for one. */
  lotId?: string | null;
}

export interface PendingUploadForm {
  price: string;
  durationDays?: number;
  documentAuthor?: string;
}

/** What the page restores (the secret part decrypted). */
export interface RestoredPendingUpload {
  owner: PendingUploadOwner;
  pending: PendingBidUpload;
  suite: SuiteId;
  organizationId: string;
  form: PendingUploadForm;
  files: FileFingerprint[];
  failure: string;
  bidDeadline: string;
  savedAt: string;
}

/** The secret part, encrypted as one JSON document. */
interface SecretPart {
  key: string; // base64 of the bid key
  envelope: SealedEnvelopeV2;
  suite: SuiteId;
  organizationId: string;
  form: PendingUploadForm;
  files: FileFingerprint[];
  failure: string;
}

/** The stored record: only what finding and expiring it needs is in the clear. */
interface StoredRecord {
  id: string;
  userId: string;
  tenderId: string;
  lotId: string | null;
  uploadId: string;
  total: number;
  bidDeadline: string;
  savedAt: string;
  iv: Uint8Array<ArrayBuffer>;
  sealed: ArrayBuffer;
}

export const recordId = (o: PendingUploadOwner): string => [o.userId, o.tenderId, ...(o.lotId ? [o.lotId] : [])].join(':');

const b64 = (b: Uint8Array) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(''));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

export const pendingUploadsSupported = (): boolean => typeof indexedDB !== 'undefined' && typeof crypto !== 'undefined' && !!crypto.subtle;

let dbPromise: Promise<IDBDatabase> | null = null;
function openDb(): Promise<IDBDatabase> {
  dbPromise ??= new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, DB_VERSION);
    r.onupgradeneeded = () => {
      const db = r.result;
      if (!db.objectStoreNames.contains(PENDING)) db.createObjectStore(PENDING, { keyPath: 'id' });
      if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB unavailable'));
  }).catch((e: unknown) => {
    dbPromise = null;
    throw e;
  });
  return dbPromise;
}

/** The wrapping key (non-extractable AES-GCM), created on first use; a concurrent tab's key wins (add, not put). */
async function wrappingKey(db: IDBDatabase): Promise<CryptoKey> {
  const existing = await req(db.transaction(KEYS).objectStore(KEYS).get(WRAPPING_KEY_ID) as IDBRequest<CryptoKey | undefined>);
  if (existing) return existing;
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  try {
    const tx = db.transaction(KEYS, 'readwrite');
    tx.objectStore(KEYS).add(key, WRAPPING_KEY_ID);
    await done(tx);
    return key;
  } catch {
    const other = await req(db.transaction(KEYS).objectStore(KEYS).get(WRAPPING_KEY_ID) as IDBRequest<CryptoKey | undefined>);
    if (!other) throw new Error('no wrapping key');
    return other;
  }
}

/** Binds the ciphertext to its record (a record's sealed part cannot be swapped into another's). */
const aad = (id: string, uploadId: string) => new TextEncoder().encode(`ebid pending bid upload v1|${id}|${uploadId}`);

/** Keeps (or replaces) the pending upload of this user + tender (+ lot). Answers false when it could not be kept. */
export async function savePendingUpload(
  owner: PendingUploadOwner,
  p: { pending: PendingBidUpload; suite: SuiteId; organizationId: string; form: PendingUploadForm; files: FileFingerprint[]; failure: string; bidDeadline: string },
): Promise<boolean> {
  if (!pendingUploadsSupported()) return false;
  try {
    const db = await openDb();
    const key = await wrappingKey(db);
    const id = recordId(owner);
    const secret: SecretPart = {
      key: b64(p.pending.key),
      envelope: p.pending.envelope,
      suite: p.suite,
      organizationId: p.organizationId,
      form: p.form,
      files: p.files,
      failure: p.failure,
    };
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(id, p.pending.uploadId) }, key, new TextEncoder().encode(JSON.stringify(secret)));
    const record: StoredRecord = {
      id,
      userId: owner.userId,
      tenderId: owner.tenderId,
      lotId: owner.lotId ?? null,
      uploadId: p.pending.uploadId,
      total: p.pending.total,
      bidDeadline: p.bidDeadline,
      savedAt: new Date().toISOString(),
      iv,
      sealed,
    };
    const tx = db.transaction(PENDING, 'readwrite');
    tx.objectStore(PENDING).put(record);
    await done(tx);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pending upload of this user + tender (+ lot), decrypted; null when there is none. A record past the bid
 * deadline (`bidDeadline`: the tender's current one, an extension included; `now`: the server's clock) or that cannot
 * be decrypted any more (the wrapping key lost) is deleted.
 */
export async function loadPendingUpload(owner: PendingUploadOwner, now: number, bidDeadline: string): Promise<RestoredPendingUpload | null> {
  if (!pendingUploadsSupported()) return null;
  const id = recordId(owner);
  let db: IDBDatabase;
  let rec: StoredRecord | undefined;
  try {
    db = await openDb();
    rec = await req(db.transaction(PENDING).objectStore(PENDING).get(id) as IDBRequest<StoredRecord | undefined>);
  } catch {
    return null;
  }
  if (!rec) return null;
  if (!(Date.parse(bidDeadline) > now)) {
    await deletePendingUpload(owner);
    return null;
  }
  try {
    const key = await wrappingKey(db);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: rec.iv, additionalData: aad(id, rec.uploadId) }, key, rec.sealed);
    const s = JSON.parse(new TextDecoder().decode(plain)) as SecretPart;
    return {
      owner,
      pending: { uploadId: rec.uploadId, envelope: s.envelope, key: unb64(s.key), total: rec.total },
      suite: s.suite,
      organizationId: s.organizationId,
      form: s.form,
      files: s.files,
      failure: s.failure,
      bidDeadline,
      savedAt: rec.savedAt,
    };
  } catch {
    await deletePendingUpload(owner);
    return null;
  }
}

export async function deletePendingUpload(owner: PendingUploadOwner): Promise<void> {
  if (!pendingUploadsSupported()) return;
  try {
    const db = await openDb();
    const tx = db.transaction(PENDING, 'readwrite');
    tx.objectStore(PENDING).delete(recordId(owner));
    await done(tx);
  } catch {
    /* nothing kept, nothing to delete */
  }
}

/**
 * Deletes every record (any user, any tender) whose bid deadline, as it was when the record was kept, has passed
 * (`now`, the server's clock) — except `keep`'s, whose tender's current deadline (perhaps extended) loadPendingUpload
 * checks.
 */
export async function purgeExpiredPendingUploads(now: number, keep?: PendingUploadOwner): Promise<void> {
  if (!pendingUploadsSupported()) return;
  try {
    const db = await openDb();
    const tx = db.transaction(PENDING, 'readwrite');
    const store = tx.objectStore(PENDING);
    const all = await req(store.getAll() as IDBRequest<StoredRecord[]>);
    const kept = keep ? recordId(keep) : null;
    for (const r of all) if (r.id !== kept && !(Date.parse(r.bidDeadline) > now)) store.delete(r.id);
    await done(tx);
  } catch {
    /* best effort */
  }
}
