import { existsSync, readdirSync } from 'fs';
import { join } from 'path';

/**
 * The share files a development custodian (FileEscrowCustodian, its folder `dir`) holds for one tender secret: one per
 * deposit (`<tender>.<secret>.<depositId>.json`; a rolled-back publication leaves an orphan), or the legacy one.
 */
export function custodianShareFiles(dir: string, tenderId: string, secretId: string): string[] {
  const shares = join(dir, 'shares');
  if (!existsSync(shares)) return [];
  const re = new RegExp(`^${tenderId}\\.${secretId}(\\.[0-9a-f]{32})?\\.json$`);
  return readdirSync(shares)
    .filter((f) => re.test(f))
    .map((f) => join(shares, f));
}

/** The one share file of a tender secret (a tender published once); a path that does not exist when there is none. */
export function custodianShareFile(dir: string, tenderId: string, secretId: string): string {
  const files = custodianShareFiles(dir, tenderId, secretId);
  if (files.length > 1) throw new Error(`${files.length} deposits of ${secretId} for tender ${tenderId} in ${dir}`);
  return files[0] ?? join(dir, 'shares', `${tenderId}.${secretId}.missing.json`);
}

/** The deposit id in a share file's name (undefined: a legacy deposit). */
export const depositIdOfFile = (file: string): string | undefined => /\.([0-9a-f]{32})\.json$/.exec(file)?.[1];
