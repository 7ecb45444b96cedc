import { BID_KEY_BYTES, SEALED_BID_FORMAT_VERSION } from '../constants';
import { base64DecodeStrict, type Bytes } from './bytes';

/**
 * The bid key file: what `bid-seal seal --key-out` writes and what the console offers as `下载密钥`, one format for
 * both (either tool's file opens a bid in the other). `key` is the only secret.
 */
export interface KeyFile {
  type: 'bid-seal-key';
  formatVersion: typeof SEALED_BID_FORMAT_VERSION;
  tenderId: string;
  bidderOrganizationId: string;
  keyCommitment: string;
  ciphertextSha256: string;
  createdAt: string;
  key: string;
}

export interface ParsedKeyFile {
  key: Bytes;
  tenderId?: string;
  bidderOrganizationId?: string;
  keyCommitment?: string;
}

export type KeyFileProblem = 'NOT_JSON' | 'NO_KEY';

/** Reads a key file's text: the JSON above, or just the base64 key. Returns the problem instead of throwing. */
export function parseKeyFileText(raw: string): { ok: true; value: ParsedKeyFile } | { ok: false; problem: KeyFileProblem } {
  const text = raw.trim();
  let meta: Partial<KeyFile> = {};
  let b64 = text;
  if (text.startsWith('{')) {
    try {
      meta = JSON.parse(text) as Partial<KeyFile>;
    } catch {
      return { ok: false, problem: 'NOT_JSON' };
    }
    b64 = typeof meta.key === 'string' ? meta.key : '';
  }
  const key = base64DecodeStrict(b64);
  if (!key || key.length !== BID_KEY_BYTES) return { ok: false, problem: 'NO_KEY' };
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    ok: true,
    value: { key, tenderId: str(meta.tenderId), bidderOrganizationId: str(meta.bidderOrganizationId), keyCommitment: str(meta.keyCommitment) },
  };
}

/** The key file's text (pretty JSON and a final newline, as the CLI writes it). */
export function keyFileText(f: Omit<KeyFile, 'type' | 'formatVersion'>): string {
  const file: KeyFile = { type: 'bid-seal-key', formatVersion: SEALED_BID_FORMAT_VERSION, ...f };
  return `${JSON.stringify(file, null, 2)}\n`;
}
