import { randomBytes } from 'crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

/** The project's data directory (setup.sh keeps the project-local PostgreSQL and Redis there too). */
export const DEFAULT_DATA_DIR = resolve(__dirname, '../../../.data');

const cache = new Map<string, Buffer>();

/**
 * A secret of this installation that was not configured (outside production only): 32 random bytes generated
 * once, kept in `<dataDir>/secrets/<name>.key` (directory 0700, file 0600, base64) and the same for every process
 * of the installation. Never derived from anything public. Concurrent first starts agree on one value: the file
 * is written aside and hard-linked into place, which fails when another process was first.
 */
export function localSecret(name: string, dataDir = DEFAULT_DATA_DIR): Buffer {
  const dir = join(dataDir, 'secrets');
  const file = join(dir, `${name}.key`);
  const hit = cache.get(file);
  if (hit) return hit;
  let value = readSecret(file);
  if (!value) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      unlinkSync(tmp);
    }
    value = readSecret(file);
    if (!value) throw new Error(`could not read the generated secret ${file}`);
  }
  cache.set(file, value);
  return value;
}

function readSecret(file: string): Buffer | null {
  try {
    const b = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    return b.length === 32 ? b : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
