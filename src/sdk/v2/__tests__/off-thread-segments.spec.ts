/**
 * On Node, a large INTL-1 file is sealed and opened on worker threads, segment by segment in slots of shared memory
 * (src/sdk/v2/node-segment-worker.ts), and the CLI reads and writes files through reused buffers
 * (src/sdk/v2/node-file.ts). The sealed bytes, the file hash and the attachment digests must be exactly those of the
 * calling-thread path, whatever the chunking and even when the source reuses its buffer; damaged, cut or lengthened
 * files must still be refused.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { bidFileLength, openBidV2, sealBidV2, type SuitePrimitives, usesSegmentEngine } from 'src/sdk/v2';
import { fileChunks, fileSink, nodeGmSuite, nodeSuite } from 'src/sdk/v2/node';
import { MiB, ORG, reusing, sha, TENDER } from './_support';

const engine = nodeSuite('INTL-1');
const onThread: SuitePrimitives = { ...engine, offThread: undefined };
const key = randomBytes(32);
const noncePrefix = randomBytes(7);

async function seal(suite: SuitePrimitives, data: Uint8Array[], segmentSize: number, chunk: number) {
  const segments: Uint8Array[] = [];
  const sealed = await sealBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    bid: { price: '7.00', currency: 'CNY' },
    attachments: data.map((d, i) => ({ name: `a${i}`, size: d.length, content: reusing(d, chunk) })),
    segmentSize,
    key,
    noncePrefix,
    write: (s) => void segments.push(Buffer.from(s)), // copies: the segment's memory is reused after write
    writeConsumes: true,
  });
  return { sealed, file: Buffer.concat(segments) };
}

const open = (suite: SuitePrimitives, keyCommitment: string, file: Uint8Array, segmentSize: number, chunk: number, onAttachmentChunk?: (i: number, c: Uint8Array) => void) =>
  openBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    segmentSize,
    ciphertextLength: file.length,
    noncePrefix,
    keyCommitment,
    key,
    sealed: reusing(file, chunk),
    sourceReusesBuffers: true,
    onAttachmentChunk,
  });

describe('INTL-1 segments on worker threads (Node)', () => {
  const big = randomBytes(9 * MiB + 12_345);
  const small = randomBytes(1000);

  it('is used for large files whose consumer is done with each segment, only then', () => {
    expect(usesSegmentEngine({ suite: engine, length: 9 * MiB, reuse: true })).toBe(true);
    expect(usesSegmentEngine({ suite: engine, length: 9 * MiB })).toBe(false);
    expect(usesSegmentEngine({ suite: engine, length: 1 * MiB, reuse: true })).toBe(false);
    // GM-1 too when node:crypto has SM4-GCM and SM3 (src/sdk/v2/__tests__/gm-native.spec.ts), not on its fallback
    expect(usesSegmentEngine({ suite: nodeGmSuite({ native: false }), length: 9 * MiB, reuse: true })).toBe(false);
  });

  it.each([
    [1 * MiB, 4 * MiB],
    [64 * 1024, 1_000_003],
    [4096, 65_537],
  ])('seals and opens to the same bytes, hashes and digests as the calling thread (segment %i, chunks of %i)', async (segmentSize, chunk) => {
    const a = await seal(engine, [big, small], segmentSize, chunk);
    const b = await seal(onThread, [big, small], segmentSize, chunk);
    expect(a.file.equals(b.file)).toBe(true);
    expect(a.sealed.envelope).toEqual(b.sealed.envelope);
    const pieces: Uint8Array[][] = [[], []];
    const opened = await open(engine, a.sealed.envelope.keyCommitment, a.file, segmentSize, chunk + 17, (i, c) => void pieces[i].push(c));
    expect(opened.attachments.map((x) => x.sha256)).toEqual([sha(big), sha(small)]);
    expect(await open(onThread, a.sealed.envelope.keyCommitment, a.file, segmentSize, chunk)).toEqual(opened);
    // the chunks handed to onAttachmentChunk are the receiver's to keep (copies of the reused slots)
    expect(Buffer.concat(pieces[0]).equals(big)).toBe(true);
    expect(Buffer.concat(pieces[1]).equals(small)).toBe(true);
  });

  it('segments exactly filling the file, and a copy for a write() that keeps them', async () => {
    const header = bidFileLength({ price: '7.00', currency: 'CNY', attachments: [{ name: 'a0', size: 10_000_000 }] }) - 10_000_000;
    const exact = randomBytes(12 * MiB - header); // the plaintext is exactly 12 segments: the last one is full
    expect(bidFileLength({ price: '7.00', currency: 'CNY', attachments: [{ name: 'a0', size: exact.length }] })).toBe(12 * MiB);
    const a = await seal(engine, [exact], MiB, 3 * MiB);
    const b = await seal(onThread, [exact], MiB, 3 * MiB);
    expect(a.file.equals(b.file)).toBe(true);
    expect(a.file.length).toBe(12 * (MiB + 16));
    const kept: Uint8Array[] = [];
    const c = await sealBidV2({
      suite: engine,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      bid: { price: '7.00', currency: 'CNY' },
      attachments: [{ name: 'a0', size: exact.length, content: reusing(exact, 3 * MiB) }],
      key,
      noncePrefix,
      write: (s) => void kept.push(s), // keeps them: no writeConsumes, so the SDK hands out copies
    });
    expect(Buffer.concat(kept).equals(a.file)).toBe(true);
    expect(c.envelope).toEqual(a.sealed.envelope);
  });

  it('refuses a flipped byte, a cut file, bytes after the end and a plaintext of another length', async () => {
    const { sealed, file } = await seal(engine, [big], MiB, 4 * MiB);
    const kc = sealed.envelope.keyCommitment;
    for (const at of [5, file.length - 5 * MiB, file.length - 3]) {
      const flipped = Buffer.from(file);
      flipped[at] ^= 1;
      await expect(open(engine, kc, flipped, MiB, 4 * MiB)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    }
    const openAs = (bytes: Uint8Array, length: number) =>
      openBidV2({
        suite: engine,
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        segmentSize: MiB,
        ciphertextLength: length,
        noncePrefix,
        keyCommitment: kc,
        key,
        sealed: reusing(bytes, MiB),
        sourceReusesBuffers: true,
      });
    await expect(openAs(file.subarray(0, file.length - 100), file.length)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(openAs(Buffer.concat([file, Buffer.alloc(5)]), file.length)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(openAs(file, file.length)).resolves.toMatchObject({ attachments: [{ size: big.length, sha256: sha(big) }] });
    const base = { suite: engine, tenderId: TENDER, bidderOrganizationId: ORG, bid: { price: '1.00', currency: 'CNY' as const }, write: () => undefined, writeConsumes: true };
    await expect(sealBidV2({ ...base, attachments: [{ name: 'a', size: big.length - 1, content: reusing(big, MiB) }] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(sealBidV2({ ...base, attachments: [{ name: 'a', size: big.length + 1, content: reusing(big, MiB) }] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('fileChunks and fileSink: a file sealed from disk to disk and opened back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdk-v2-files-'));
    try {
      const plain = join(dir, 'plain');
      writeFileSync(plain, big);
      const sink = await fileSink(join(dir, 'sealed'), { flags: 'wx', bufferBytes: 3 * MiB + 1 });
      const s = await sealBidV2({
        suite: engine,
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        bid: { price: '7.00', currency: 'CNY' },
        attachments: [{ name: 'a0', size: big.length, content: fileChunks(plain, 2 * MiB + 3) }],
        key,
        noncePrefix,
        write: (x) => sink.write(x),
        writeConsumes: true,
      });
      await sink.close();
      const ref = await seal(onThread, [big], MiB, MiB);
      expect(readFileSync(join(dir, 'sealed')).equals(ref.file)).toBe(true);
      expect(s.envelope).toEqual(ref.sealed.envelope);
      const opened = await openBidV2({
        suite: engine,
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        segmentSize: MiB,
        ciphertextLength: s.envelope.ciphertextLength,
        noncePrefix,
        keyCommitment: s.envelope.keyCommitment,
        key,
        sealed: fileChunks(join(dir, 'sealed')),
        sourceReusesBuffers: true,
      });
      expect(opened.attachments[0].sha256).toBe(sha(big));
      await expect(fileSink(join(dir, 'sealed'), { flags: 'wx' })).rejects.toMatchObject({ code: 'EEXIST' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GM-1 (segments kept across chunks on the calling thread) seals the same from a reused buffer', async () => {
    const gm = nodeSuite('GM-1');
    const data = randomBytes(3 * 4096 + 100);
    const run = async (src: AsyncIterable<Uint8Array> | Uint8Array[]) => {
      const out: Uint8Array[] = [];
      await sealBidV2({
        suite: gm,
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        bid: { price: '7.00', currency: 'CNY' },
        attachments: [{ name: 'a', size: data.length, content: src }],
        segmentSize: 4096,
        key: key.subarray(0, 16),
        noncePrefix,
        write: (s) => void out.push(Buffer.from(s)),
      });
      return Buffer.concat(out);
    };
    expect((await run(reusing(data, 9000))).equals(await run([data]))).toBe(true);
  });
});
