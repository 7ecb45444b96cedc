/**
 * The key file of format v2 (docs/SEALED_BID_FORMAT.md v2.9): what `bid-seal seal-v2 --key-out` writes and what the
 * console offers as `下载密钥`. `key` is the only secret (16 bytes for GM-1, 32 for INTL-1).
 */
import { base64DecodeStrict, base64Encode, type Bytes } from '../core/bytes';
import { isSuiteId, KEY_BYTES, type SuiteId } from './constants';

export interface KeyFileV2 {
  type: 'bid-seal-key';
  formatVersion: 'v2';
  suite: SuiteId;
  tenderId: string;
  bidderOrganizationId: string;
  keyCommitment: string;
  ciphertextHash: string;
  createdAt: string;
  key: string;
}

export function keyFileTextV2(f: Omit<KeyFileV2, 'type' | 'formatVersion' | 'key' | 'createdAt'> & { key: Bytes; createdAt?: string }): string {
  const file: KeyFileV2 = {
    type: 'bid-seal-key',
    formatVersion: 'v2',
    suite: f.suite,
    tenderId: f.tenderId,
    bidderOrganizationId: f.bidderOrganizationId,
    keyCommitment: f.keyCommitment,
    ciphertextHash: f.ciphertextHash,
    createdAt: f.createdAt ?? new Date().toISOString(),
    key: base64Encode(f.key),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * Reads a key file for a bid of `suite`: the JSON above (or a v1 key file, or just the base64 key) whose key has the
 * suite's length. Returns the problem instead of throwing.
 */
export function parseKeyFileTextV2(
  raw: string,
  suite: SuiteId,
): { ok: true; value: { key: Bytes; tenderId?: string; suite?: SuiteId } } | { ok: false; problem: 'NOT_JSON' | 'NO_KEY' | 'OTHER_SUITE' } {
  const text = raw.trim();
  let meta: Record<string, unknown> = {};
  let b64 = text;
  if (text.startsWith('{')) {
    try {
      meta = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { ok: false, problem: 'NOT_JSON' };
    }
    b64 = typeof meta.key === 'string' ? meta.key : '';
  }
  if (isSuiteId(meta.suite) && meta.suite !== suite) return { ok: false, problem: 'OTHER_SUITE' };
  const key = base64DecodeStrict(b64);
  if (!key || key.length !== KEY_BYTES[suite]) return { ok: false, problem: 'NO_KEY' };
  return { ok: true, value: { key, tenderId: typeof meta.tenderId === 'string' ? meta.tenderId : undefined, suite: isSuiteId(meta.suite) ? meta.suite : undefined } };
}
