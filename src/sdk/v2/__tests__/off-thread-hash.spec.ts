/**
 * On Node, files and attachments from 8 MiB up are hashed on worker threads while the main thread encrypts
 * (src/sdk/v2/node-hash-worker.ts). The sealed bytes, the file hash and the attachment digests must be exactly those
 * of the calling-thread path, a damaged file must still be refused, and an abandoned hash must not keep the
 * process alive (Jest would report an open handle).
 */
import { spawnSync } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import { resolve } from 'path';
import { FileHasher, openBidV2, sealBidV2, type SuitePrimitives } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { workerSha256 } from 'src/sdk/v2/node-hash-worker';
import { MiB, ORG, TENDER, views } from './_support';

const offThread = nodeSuite('INTL-1');
const onThread: SuitePrimitives = { ...offThread, offThread: undefined };
const key = randomBytes(32);
const noncePrefix = randomBytes(7);
const SEG = 64 * 1024;

async function seal(suite: SuitePrimitives, attachments: Uint8Array[]) {
  const segments: Uint8Array[] = [];
  const sealed = await sealBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    bid: { price: '7.00', currency: 'CNY' },
    attachments: attachments.map((d, i) => ({ name: `a${i}`, size: d.length, content: views(d, 1_000_003) })),
    segmentSize: SEG,
    key,
    noncePrefix,
    write: (s) => void segments.push(new Uint8Array(s)),
  });
  return { sealed, file: Buffer.concat(segments) };
}

const open = (suite: SuitePrimitives, keyCommitment: string, file: Uint8Array) =>
  openBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    segmentSize: SEG,
    ciphertextLength: file.length,
    noncePrefix,
    keyCommitment,
    key,
    sealed: views(file, 3 * MiB + 7),
  });

describe('INTL-1 hashing on worker threads (Node)', () => {
  const big = randomBytes(9 * MiB + 12_345);
  const small = randomBytes(1000);

  it('seals to the same bytes and file hash as the calling-thread path', async () => {
    const a = await seal(offThread, [big, small]);
    const b = await seal(onThread, [big, small]);
    expect(a.file.equals(b.file)).toBe(true);
    expect(a.sealed.envelope).toEqual(b.sealed.envelope);
    // and the file hash fed in arbitrary pieces (the opening reads the blob store's chunks) agrees with both
    const h = new FileHasher(offThread, SEG, a.file.length);
    expect(h.offThread).toBe(true);
    for (const c of views(a.file, 777_777)) await h.update(c);
    expect(h.bytes).toBe(a.file.length);
    expect(await h.digestHex()).toBe(a.sealed.envelope.ciphertextHash);
    expect(() => h.clone()).toThrow(/cannot be cloned/);
    // the caller may reuse its buffer as soon as update() resolved (the bytes were copied to the worker's ring)
    const reused = new FileHasher(offThread, SEG, a.file.length);
    const buf = new Uint8Array(1_048_583);
    for (const c of views(a.file, buf.length)) {
      buf.set(c);
      await reused.update(buf.subarray(0, c.length));
      buf.fill(0xee);
    }
    expect(await reused.digestHex()).toBe(a.sealed.envelope.ciphertextHash);
  });

  it('opens with the same attachment digests; a flipped byte is still DECRYPTION_FAILED', async () => {
    const { sealed, file } = await seal(onThread, [small, big]);
    const opened = await open(offThread, sealed.envelope.keyCommitment, file);
    expect(opened.attachments.map((x) => x.sha256)).toEqual([small, big].map((d) => createHash('sha256').update(d).digest('hex')));
    expect(await open(onThread, sealed.envelope.keyCommitment, file)).toEqual(opened);
    const flipped = Buffer.from(file);
    flipped[file.length - 5 * MiB] ^= 1;
    await expect(open(offThread, sealed.envelope.keyCommitment, flipped)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('a process whose opening failed half-way exits by itself (the workers do not hold it)', () => {
    // a separate process: Jest itself does not wait for open handles
    const script = `
      const { openBidV2, sealBidV2 } = require('src/sdk/v2');
      const { nodeSuite } = require('src/sdk/v2/node');
      (async () => {
        const suite = nodeSuite('INTL-1');
        const T = '${TENDER}', O = '${ORG}';
        const data = new Uint8Array(10 << 20).fill(7);
        const parts = [];
        const s = await sealBidV2({ suite, tenderId: T, bidderOrganizationId: O, bid: { price: '1.00', currency: 'CNY' },
          attachments: [{ name: 'a', size: data.length, content: [data] }], write: (p) => void parts.push(Buffer.from(p)) });
        const file = Buffer.concat(parts);
        file[file.length - (3 << 20)] ^= 1;
        const chunks = []; for (let i = 0; i < file.length; i += 1 << 20) chunks.push(Buffer.from(file.subarray(i, i + (1 << 20))));
        await openBidV2({ suite, tenderId: T, bidderOrganizationId: O, segmentSize: s.envelope.segmentSize, ciphertextLength: file.length,
          noncePrefix: Buffer.from(s.envelope.noncePrefix, 'base64'), keyCommitment: s.envelope.keyCommitment, key: s.key, sealed: chunks })
          .then(() => console.log('opened?'), (e) => console.log(e.code));
      })();`;
    const root = resolve(__dirname, '..', '..', '..', '..');
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TS_NODE_PROJECT: resolve(root, 'tsconfig.json') },
    });
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.stdout.trim()).toBe('DECRYPTION_FAILED');
    expect(r.status).toBe(0);
  });

  it('an abandoned worker hash neither fails nor holds the process; a finished one answers plain SHA-256', async () => {
    const dropped = workerSha256();
    await dropped.update(big);
    dropped.abort();
    const h = workerSha256();
    for (const c of views(big, 123_457)) await h.update(c);
    expect(Buffer.from(await h.digest()).toString('hex')).toBe(createHash('sha256').update(big).digest('hex'));
  });
});
