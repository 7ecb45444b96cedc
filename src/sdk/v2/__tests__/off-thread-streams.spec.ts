/**
 * A large file read from a source with a new buffer per read (a Node Readable, as the S3 store's HTTP body) is opened
 * on the segment workers when the suite says it pays (`offThread.freshBuffersToSegments`: GM-1 on node:crypto), not
 * only one that reads into reused buffers (fileChunks, FsBlobStore.chunks, `sourceReusesBuffers`): each chunk is
 * copied into the engine's slots as it comes, and no chunk is asked for while every slot is in flight. INTL-1 keeps
 * such a source on the calling thread (AES-NI there costs less than the copies: docs/BENCHMARKS.md, eleventh pass);
 * its copy path is exercised here with the flag forced. Chunks of 1 byte, 7 bytes, 1 MiB + 3 and 1.5 segments
 * (straddling segment boundaries): the same plaintext, file hash and attachment digests as the file read from disk,
 * and the same refusals for damaged, cut, lengthened or reordered files.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { bidFileLength, openBidV2, sealBidV2, type SuitePrimitives, V2_TAG_BYTES } from 'src/sdk/v2';
import { fileChunks, nodeSuite } from 'src/sdk/v2/node';
import { countingEngines, MiB, ORG, readableOf, reusing, sha, TENDER } from './_support';

const noncePrefix = randomBytes(7);
const SEALED = MiB + V2_TAG_BYTES; // a sealed segment of the default size

/** 1-byte chunks within 32 bytes of a sealed segment's boundary, 7-byte ones within 4 KiB, else 1 MiB + 3 (straddling the next boundary). */
const aroundBoundaries = (sealedSize: number) => (at: number) => {
  const r = at % sealedSize;
  const d = Math.min(r, sealedSize - r);
  return d < 32 ? 1 : d < 4096 ? 7 : MiB + 3;
};

const intl = nodeSuite('INTL-1');
const suites: Array<[string, SuitePrimitives]> = [
  ['INTL-1 (fresh buffers sent to the workers: forced)', { ...intl, offThread: { ...intl.offThread!, freshBuffersToSegments: true } }],
  ['GM-1 (node:crypto)', nodeSuite('GM-1')],
];

describe.each(suites)('%s: a large file from a source with a new buffer per read opens on the segment workers', (_name, suite) => {
  const key = randomBytes(suite.keyBytes);
  const onThread: SuitePrimitives = { ...suite, offThread: undefined };
  const big = randomBytes(9 * MiB + 12_345);
  const small = randomBytes(1000);
  const data = [big, small];
  let dir: string;
  let file: Buffer;
  let envelope: Awaited<ReturnType<typeof sealBidV2>>['envelope'];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sdk-v2-streams-'));
    const segments: Uint8Array[] = [];
    ({ envelope } = await sealBidV2({
      suite: onThread,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      bid: { price: '7.00', currency: 'CNY' },
      attachments: data.map((d, i) => ({ name: `a${i}`, size: d.length, content: [d] })),
      key,
      noncePrefix,
      write: (s) => void segments.push(Buffer.from(s)),
    }));
    file = Buffer.concat(segments);
    writeFileSync(join(dir, 'sealed'), file);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const open = (
    s: SuitePrimitives,
    sealed: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    o: { length?: number; key?: Uint8Array; onAttachmentChunk?: (i: number, c: Uint8Array) => void; reuse?: boolean } = {},
  ) =>
    openBidV2({
      suite: s,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      segmentSize: envelope.segmentSize,
      ciphertextLength: o.length ?? file.length,
      noncePrefix,
      keyCommitment: envelope.keyCommitment,
      key: o.key ?? key,
      sealed,
      sourceReusesBuffers: o.reuse,
      fileHash: true,
      onAttachmentChunk: o.onAttachmentChunk,
    });

  it.each<[string, (at: number) => number]>([
    ['1-byte and 7-byte chunks around every segment boundary, 1 MiB + 3 between', aroundBoundaries(SEALED)],
    ['chunks of 1 MiB + 3', () => MiB + 3],
    ['chunks of 1.5 segments + 5 (every other one straddles a boundary)', () => Math.floor(1.5 * SEALED) + 5],
    ['chunks of 64 KiB (an HTTP body)', () => 64 * 1024],
  ])('%s: the same plaintext, file hash and digests as the file read from disk', async (_what, sizeAt) => {
    const fromDisk = countingEngines(suite);
    const reference = await open(fromDisk.suite, fileChunks(join(dir, 'sealed')), { reuse: true });
    expect(fromDisk.engines).toHaveLength(1); // the fs path: the segment workers
    expect(reference.ciphertextHash).toBe(envelope.ciphertextHash);
    expect(reference.attachments.map((a) => a.sha256)).toEqual(data.map(sha));

    const streamed = countingEngines(suite);
    const pieces: Uint8Array[][] = [[], []];
    const opened = await open(streamed.suite, readableOf(file, sizeAt), { onAttachmentChunk: (i, c) => void pieces[i].push(c) });
    expect(streamed.engines).toHaveLength(1); // the workers, not the calling thread
    expect(opened).toEqual(reference);
    // the plaintext itself, and the chunks handed out are the receiver's to keep (copies of the slots)
    expect(Buffer.concat(pieces[0]).equals(big)).toBe(true);
    expect(Buffer.concat(pieces[1]).equals(small)).toBe(true);
    // and the calling thread's path (no engine) agrees
    expect(await open(onThread, readableOf(file, sizeAt))).toEqual(reference);
  });

  it('asks for no chunk while every slot is in flight (the source is read at most one chunk ahead of the slots)', async () => {
    const large = randomBytes(24 * MiB); // far more than the slots hold
    const segments: Uint8Array[] = [];
    const sealed = await sealBidV2({
      suite: onThread,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      bid: { price: '7.00', currency: 'CNY' },
      attachments: [{ name: 'a0', size: large.length, content: [large] }],
      key,
      noncePrefix,
      write: (x) => void segments.push(Buffer.from(x)),
    });
    const sealedFile = Buffer.concat(segments);
    const chunk = MiB + 3;
    let pulled = 0;
    let delivered = 0;
    let ahead = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < sealedFile.length; at += chunk) {
        const c = Buffer.from(sealedFile.subarray(at, at + chunk));
        pulled += c.length;
        yield c;
      }
    }
    const { suite: s, engines } = countingEngines(suite);
    const opened = await openBidV2({
      suite: s,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      segmentSize: sealed.envelope.segmentSize,
      ciphertextLength: sealedFile.length,
      noncePrefix,
      keyCommitment: sealed.envelope.keyCommitment,
      key,
      sealed: counted(),
      fileHash: true,
      onAttachmentChunk: async (_i, c) => {
        delivered += c.length;
        ahead = Math.max(ahead, pulled - delivered);
        await new Promise((go) => setImmediate(go)); // a slow consumer: the workers get ahead of it
      },
    });
    expect(opened.ciphertextHash).toBe(sealed.envelope.ciphertextHash);
    expect(opened.attachments[0].sha256).toBe(sha(large));
    expect(engines).toHaveLength(1);
    const { slots, slotBytes } = engines[0];
    // bytes read but not yet handed out: the slots' worth, the segment being handed out, one chunk, the header
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThanOrEqual((slots + 1) * slotBytes + chunk + 4096);
  });

  describe('damaged, cut, lengthened or reordered: the same refusal as the file read from disk', () => {
    const flip = (f: Buffer, at: number) => {
      const c = Buffer.from(f);
      c[at] ^= 1;
      return c;
    };
    const swap = (f: Buffer, seg: number) => Buffer.concat([f.subarray(seg, 2 * seg), f.subarray(0, seg), f.subarray(2 * seg)]);
    /** `restated`: the stated length is the damaged file's (else the original's). */
    const cases: Array<[string, (f: Buffer) => { bytes: Buffer; restated?: boolean }]> = [
      ['a flipped byte in the first segment', (f) => ({ bytes: flip(f, 5) })],
      ['a flipped byte in a middle segment', (f) => ({ bytes: flip(f, 4 * SEALED + 100) })],
      ['a flipped tag byte of the last segment', (f) => ({ bytes: flip(f, f.length - 3) })],
      ['two segments swapped', (f) => ({ bytes: swap(f, SEALED) })],
      ['the last segment dropped, length restated', (f) => ({ bytes: f.subarray(0, f.length - (f.length % SEALED || SEALED)), restated: true })],
      ['cut short of its stated length', (f) => ({ bytes: f.subarray(0, f.length - 100) })],
      ['cut at a segment boundary, length restated', (f) => ({ bytes: f.subarray(0, 9 * SEALED), restated: true })],
      ['bytes after the end', (f) => ({ bytes: Buffer.concat([f, Buffer.alloc(5)]) })],
      ['a segment appended, length restated', (f) => ({ bytes: Buffer.concat([f, f.subarray(0, SEALED)]), restated: true })],
    ];
    it.each(cases)('%s: DECRYPTION_FAILED on the workers, as from disk', async (_what, damage) => {
      const { bytes, restated } = damage(file);
      const length = restated ? bytes.length : file.length;
      const fromDisk = countingEngines(suite);
      await expect(open(fromDisk.suite, reusing(bytes, 4 * MiB), { length, reuse: true })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
      const streamed = countingEngines(suite);
      await expect(open(streamed.suite, readableOf(bytes, aroundBoundaries(SEALED)), { length })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
      expect(streamed.engines).toHaveLength(1);
      expect(fromDisk.engines).toHaveLength(1);
      await expect(
        open(
          onThread,
          readableOf(bytes, () => 65_537),
          { length },
        ),
      ).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    });

    it('no plaintext is handed out past a bad segment', async () => {
      const bad = flip(file, 3 * SEALED + 10); // segment 3
      const got: number[] = [];
      const streamed = countingEngines(suite);
      await expect(
        open(
          streamed.suite,
          readableOf(bad, () => 7 * 1024 + 1),
          { onAttachmentChunk: (_i, c) => void got.push(c.length) },
        ),
      ).rejects.toMatchObject({
        code: 'DECRYPTION_FAILED',
      });
      expect(streamed.engines).toHaveLength(1);
      const header =
        bidFileLength({
          price: '7.00',
          currency: 'CNY',
          attachments: [
            { name: 'a0', size: big.length },
            { name: 'a1', size: small.length },
          ],
        }) -
        big.length -
        small.length;
      expect(got.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(3 * MiB - header);
    });

    it('another key: KEY_COMMITMENT_MISMATCH before any decryption', async () => {
      const streamed = countingEngines(suite);
      await expect(
        open(
          streamed.suite,
          readableOf(file, () => MiB + 3),
          { key: randomBytes(suite.keyBytes) },
        ),
      ).rejects.toMatchObject({ code: 'KEY_COMMITMENT_MISMATCH' });
      expect(streamed.engines).toHaveLength(0);
    });

    it('the workers answer correctly afterwards', async () => {
      const opened = await open(
        suite,
        readableOf(file, () => 65_537),
      );
      expect(opened.ciphertextHash).toBe(envelope.ciphertextHash);
      expect(opened.attachments.map((a) => a.sha256)).toEqual(data.map(sha));
    });
  });
});

describe('which sources go to the segment workers by default', () => {
  it('INTL-1: a reused-buffer source does, a fresh-buffer one stays on the calling thread; GM-1 on node:crypto: both do', async () => {
    for (const [suite, fresh] of [
      [nodeSuite('INTL-1'), 0],
      [nodeSuite('GM-1'), 1],
    ] as const) {
      const key = randomBytes(suite.keyBytes);
      const content = randomBytes(9 * MiB);
      const segments: Uint8Array[] = [];
      const { envelope } = await sealBidV2({
        suite: { ...suite, offThread: undefined },
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        bid: { price: '7.00', currency: 'CNY' },
        attachments: [{ name: 'a0', size: content.length, content: [content] }],
        key,
        noncePrefix,
        write: (x) => void segments.push(Buffer.from(x)),
      });
      const file = Buffer.concat(segments);
      const openWith = async (sealed: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, reuse?: boolean) => {
        const c = countingEngines(suite);
        const opened = await openBidV2({
          suite: c.suite,
          tenderId: TENDER,
          bidderOrganizationId: ORG,
          segmentSize: envelope.segmentSize,
          ciphertextLength: file.length,
          noncePrefix,
          keyCommitment: envelope.keyCommitment,
          key,
          sealed,
          sourceReusesBuffers: reuse,
          fileHash: true,
        });
        expect(opened.ciphertextHash).toBe(envelope.ciphertextHash);
        expect(opened.attachments[0].sha256).toBe(sha(content));
        return c.engines.length;
      };
      expect(await openWith(reusing(file, 4 * MiB), true)).toBe(1);
      expect(await openWith(readableOf(file, () => 64 * 1024))).toBe(fresh);
    }
  });
});
