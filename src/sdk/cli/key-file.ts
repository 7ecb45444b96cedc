import { BID_KEY_BYTES, SEALED_BID_FORMAT_VERSION } from '../constants';
import { decodeBase64Strict } from '../encoding';
import { CliError, CliIo, readText } from './cli-io';

/** What `bid-seal seal --key-out` writes (mode 0600). `key` is the only secret. */
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

export interface LoadedKey {
  key: Buffer;
  tenderId?: string;
  bidderOrganizationId?: string;
  keyCommitment?: string;
}

/** Reads a key file written by `seal`, or a file holding just the base64 key. */
export function readKeyFile(io: CliIo, path: string): LoadedKey {
  const text = readText(io, path, 'key file').trim();
  let meta: Partial<KeyFile> = {};
  let b64 = text;
  if (text.startsWith('{')) {
    try {
      meta = JSON.parse(text) as Partial<KeyFile>;
    } catch {
      throw new CliError(`key file "${path}" is not valid JSON`);
    }
    b64 = typeof meta.key === 'string' ? meta.key : '';
  }
  const key = decodeBase64Strict(b64);
  if (!key || key.length !== BID_KEY_BYTES) {
    throw new CliError(`key file "${path}" does not hold a base64 ${BID_KEY_BYTES}-byte key`);
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    key,
    tenderId: str(meta.tenderId),
    bidderOrganizationId: str(meta.bidderOrganizationId),
    keyCommitment: str(meta.keyCommitment),
  };
}
