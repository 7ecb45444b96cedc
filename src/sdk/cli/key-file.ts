import { parseKeyFileText } from '../core/key-file';
import { BID_KEY_BYTES } from '../constants';
import { CliError, type CliIo, readText } from './cli-io';

export type { KeyFile } from '../core/key-file';

export interface LoadedKey {
  key: Buffer;
  tenderId?: string;
  bidderOrganizationId?: string;
  keyCommitment?: string;
}

/** Reads a key file written by `seal` (or by the console's 下载密钥), or a file holding just the base64 key. */
export function readKeyFile(io: CliIo, path: string): LoadedKey {
  const parsed = parseKeyFileText(readText(io, path, 'key file'));
  if (!parsed.ok) {
    throw new CliError(parsed.problem === 'NOT_JSON' ? `key file "${path}" is not valid JSON` : `key file "${path}" does not hold a base64 ${BID_KEY_BYTES}-byte key`);
  }
  const { key, ...meta } = parsed.value;
  return { key: Buffer.from(key.buffer, key.byteOffset, key.byteLength), ...meta };
}
