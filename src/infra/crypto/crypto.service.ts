import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, webcrypto } from 'crypto';
import { promisify } from 'util';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** Every cryptographic side effect behind one injectable (immich's crypto repository). */
@Injectable()
export class CryptoService {
  sha256Hex(data: string | Buffer): string {
    return createHash('sha256').update(data).digest('hex');
  }

  /** The same, computed off the event loop (libuv's thread pool): for large inputs, e.g. a 100 KB sealed bid. */
  async sha256HexAsync(data: Buffer): Promise<string> {
    return Buffer.from(await webcrypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>)).toString('hex');
  }

  hmacSha256Hex(secret: string | Buffer, data: string | Buffer): string {
    return createHmac('sha256', secret).update(data).digest('hex');
  }

  /** Constant-time comparison of two hex strings. */
  equalHex(a: string, b: string): boolean {
    if (!/^[0-9a-f]*$/i.test(a) || !/^[0-9a-f]*$/i.test(b) || a.length !== b.length) return false;
    return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
  }

  randomBytes(n: number): Buffer {
    return randomBytes(n);
  }

  uuid(): string {
    return randomUUID();
  }

  /** scrypt password hash: `scrypt$N$r$p$salt$hash`. */
  async hashPassword(password: string): Promise<string> {
    const salt = randomBytes(16);
    const hash = await scrypt(password, salt, 32, SCRYPT);
    return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
  }

  async verifyPassword(password: string, stored: string): Promise<boolean> {
    const [kind, n, r, p, salt, hash] = stored.split('$');
    if (kind !== 'scrypt') return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: SCRYPT.maxmem,
    });
    return timingSafeEqual(expected, actual);
  }

  /** AES-256-GCM sealing of a secret at rest under a 32-byte key: base64(iv ‖ ciphertext ‖ tag). */
  seal(key: Buffer, plaintext: Buffer, aad = ''): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64');
  }

  unseal(key: Buffer, sealed: string, aad = ''): Buffer {
    const raw = Buffer.from(sealed, 'base64');
    const iv = raw.subarray(0, 12);
    const tag = raw.subarray(raw.length - 16);
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
  }
}
