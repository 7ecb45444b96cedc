/**
 * GM-1 on Node runs SM4-GCM and SM3 on node:crypto (OpenSSL) when this Node has them, and a large file's segments on
 * the segment workers (src/sdk/v2/node.ts, node-segment-worker.ts); without them it falls back to sm-crypto-v2, the
 * browser's code. The format must not notice: the same segments, tags, file hash and attachment digests both ways,
 * each path opening what the other sealed, and the same refusals (DECRYPTION_FAILED, KEY_COMMITMENT_MISMATCH) for
 * damaged, cut, lengthened or reordered files.
 */
import { randomBytes } from 'crypto';
import { bidFileLength, FileHasher, gmSuite, openBidV2, sealBidV2, sm3Hash, sm4GcmOpen, sm4GcmSeal, type SuitePrimitives, usesSegmentEngine, V2_TAG_BYTES } from 'src/sdk/v2';
import type * as NodeModule from 'src/sdk/v2/node';
import type * as SuitesModule from 'src/sdk/v2/suites';
import { gmNativeSupport, nativeSm3Hash, nativeSm4GcmOpen, nativeSm4GcmSeal, nodeGmSuite, nodeSuite } from 'src/sdk/v2/node';
import { chunked, MiB, ORG, reusing, sha, TENDER } from './_support';

const native = nodeSuite('GM-1');
const fallback = nodeGmSuite({ native: false });
const key = randomBytes(16);
const noncePrefix = randomBytes(7);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

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
    write: (s) => void segments.push(Buffer.from(s)), // copies: the segment's memory may be reused after write
    writeConsumes: true,
  });
  return { sealed, segments, file: Buffer.concat(segments) };
}

/** Opens as the platform does (length known, file hash) from reused reads, or from fresh chunks with `stream` (both on the segment workers for a large file). */
const open = (
  suite: SuitePrimitives,
  keyCommitment: string,
  file: Uint8Array,
  segmentSize: number,
  o: { chunk?: number; stream?: boolean; length?: number | null; key?: Uint8Array; fileHash?: boolean } = {},
) =>
  openBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    segmentSize,
    ciphertextLength: o.length === null ? undefined : (o.length ?? file.length),
    noncePrefix,
    keyCommitment,
    key: o.key ?? key,
    sealed: o.stream ? chunked(file, o.chunk ?? 65_537) : reusing(file, o.chunk ?? 4 * MiB),
    sourceReusesBuffers: !o.stream,
    fileHash: o.fileHash ?? true,
  });

describe('GM-1 on node:crypto (SM4-GCM, SM3) and on its sm-crypto-v2 fallback', () => {
  it('this Node has native SM4-GCM and SM3, and the Node suite uses them (the fallback does not)', () => {
    expect(gmNativeSupport()).toEqual({ sm4Gcm: true, sm3: true });
    expect(native.seal).toBe(nativeSm4GcmSeal);
    expect(native.hash).toBe(nativeSm3Hash);
    expect(native.offThread?.segments).toBeDefined();
    expect(usesSegmentEngine({ suite: native, length: 8 * MiB, reuse: true })).toBe(true);
    expect(usesSegmentEngine({ suite: native, length: 8 * MiB - 1, reuse: true })).toBe(false);
    expect(fallback.seal).toBe(sm4GcmSeal);
    expect(fallback.hash).toBe(sm3Hash);
    expect(fallback.createSegmentSealer).toBeUndefined();
    expect(fallback.createSegmentHash).toBeUndefined();
    expect(fallback.offThread?.segments).toBeUndefined();
    expect(fallback.offThread?.fileHasher).toBeUndefined();
    expect(usesSegmentEngine({ suite: fallback, length: 9 * MiB, reuse: true })).toBe(false);
  });

  it('SEALED_BID_GM_NATIVE=0 forces the fallback for nodeSuite', () => {
    const before = process.env.SEALED_BID_GM_NATIVE;
    process.env.SEALED_BID_GM_NATIVE = '0';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const m = require('src/sdk/v2/node') as typeof NodeModule;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const s = require('src/sdk/v2/suites') as typeof SuitesModule;
        expect(m.gmNativeSupport()).toEqual({ sm4Gcm: false, sm3: false });
        const gm = m.nodeSuite('GM-1');
        expect(gm.seal).toBe(s.sm4GcmSeal);
        expect(gm.hash).toBe(s.sm3Hash);
        expect(gm.createSegmentOpener).toBeUndefined();
        expect(gm.offThread?.segments).toBeUndefined();
        expect(m.nodeSuite('INTL-1').offThread?.segments).toBeDefined(); // INTL-1 untouched
      });
    } finally {
      if (before === undefined) delete process.env.SEALED_BID_GM_NATIVE;
      else process.env.SEALED_BID_GM_NATIVE = before;
    }
  });

  describe('SM4-GCM segments: node:crypto and sm-crypto-v2 give the same bytes, each opens the other', () => {
    const aads = [Buffer.from(`${TENDER}|${ORG}`), Buffer.alloc(0), randomBytes(1000)];
    it.each([0, 1, 15, 16, 17, 4095, 4096 + 7, 65_536, MiB - 1, MiB, MiB + 5])('%i bytes', (n) => {
      const pt = randomBytes(n);
      for (const aad of aads) {
        const k = randomBytes(16);
        const nonce = randomBytes(12);
        const a = nativeSm4GcmSeal(k, nonce, pt, aad);
        const b = sm4GcmSeal(k, nonce, pt, aad);
        expect(a.length).toBe(n + V2_TAG_BYTES);
        expect(hex(a)).toBe(hex(b));
        expect(hex(sm4GcmOpen(k, nonce, a, aad))).toBe(hex(pt)); // sealed natively, opened in JavaScript
        expect(hex(nativeSm4GcmOpen(k, nonce, b, aad))).toBe(hex(pt)); // and the reverse
        // the streaming sealer / opener (the calling-thread path), fed in odd pieces
        const s = native.createSegmentSealer!(k, nonce, aad);
        const parts: Uint8Array[] = [];
        for (let at = 0; at < n; at += 99_991) parts.push(s.update(pt.subarray(at, at + 99_991)));
        parts.push(s.final());
        expect(hex(Buffer.concat(parts))).toBe(hex(b));
        const o = native.createSegmentOpener!(k, nonce, aad);
        const out: Uint8Array[] = [];
        for (let at = 0; at < n; at += 77_777) out.push(o.update(b.subarray(at, Math.min(n, at + 77_777))));
        out.push(o.final(b.subarray(n)));
        expect(hex(Buffer.concat(out))).toBe(hex(pt));
        // a flipped bit, another aad, another nonce: refused by both
        const bad = Uint8Array.from(b);
        bad[Math.floor(bad.length / 2)] ^= 1;
        for (const [sealed, ad, iv] of [
          [bad, aad, nonce],
          [b, Buffer.concat([aad, Buffer.from('x')]), nonce],
          [b, aad, Buffer.from(nonce).fill(1, 11)],
        ] as const) {
          if (iv !== nonce && Buffer.from(iv).equals(nonce)) continue;
          expect(() => nativeSm4GcmOpen(k, iv, sealed, ad)).toThrow();
          expect(() => sm4GcmOpen(k, iv, sealed, ad)).toThrow();
        }
      }
    });

    it('a sealed segment shorter than its tag is refused by both', () => {
      for (const n of [0, 1, 15]) {
        expect(() => nativeSm4GcmOpen(key, randomBytes(12), randomBytes(n), Buffer.alloc(0))).toThrow();
        expect(() => sm4GcmOpen(key, randomBytes(12), randomBytes(n), Buffer.alloc(0))).toThrow();
      }
    });
  });

  it.each([0, 1, 55, 56, 63, 64, 65, 1000, 65_536 + 3, MiB, 3 * MiB + 1])('SM3 of %i bytes: node:crypto = sm-crypto-v2, incremental and copied', (n) => {
    const d = randomBytes(n);
    expect(hex(nativeSm3Hash(d))).toBe(hex(sm3Hash(d)));
    const h = native.createSegmentHash!();
    for (let at = 0; at < n; at += 12_345) h.update(d.subarray(at, at + 12_345));
    const copy = h.copy();
    expect(hex(h.digest())).toBe(hex(sm3Hash(d)));
    copy.update(Buffer.from('more'));
    expect(hex(copy.digest())).toBe(hex(sm3Hash(Buffer.concat([d, Buffer.from('more')]))));
  });

  describe('whole bid files', () => {
    const big = randomBytes(9 * MiB + 12_345);
    const small = randomBytes(1000);

    it.each([
      ['a small file (calling thread)', () => [small], 4096, 777],
      ['a small file, 1 MiB segments, one partial segment', () => [small], MiB, 4 * MiB],
      ['a large file (segment workers), 1 MiB segments', () => [big, small], MiB, 4 * MiB],
      ['a large file, 64 KiB segments, odd chunks', () => [big], 64 * 1024, 1_000_003],
    ])('%s: same sealed bytes and envelope on both paths; each opens the other', async (_what, data, segmentSize, chunk) => {
      const files = data();
      const a = await seal(native, files, segmentSize, chunk);
      const b = await seal(fallback, files, segmentSize, chunk);
      const c = await seal(gmSuite(), files, segmentSize, chunk); // the browser's suite
      expect(a.file.equals(b.file)).toBe(true);
      expect(a.file.equals(c.file)).toBe(true);
      expect(a.sealed.envelope).toEqual(b.sealed.envelope);
      expect(a.sealed.envelope).toEqual(c.sealed.envelope);
      // the file hash recomputed over the whole file by the fallback's FileHasher, and by the native one in odd chunks
      const hb = new FileHasher(fallback, segmentSize);
      await hb.update(b.file);
      expect(await hb.digestHex()).toBe(a.sealed.envelope.ciphertextHash);
      const ha = new FileHasher(native, segmentSize);
      for (const piece of chunked(a.file, 333_333)) expect(ha.updateSync(piece)).toBe(true); // the upload path
      expect(await ha.clone().digestHex()).toBe(a.sealed.envelope.ciphertextHash);
      const digests = files.map(sha);
      const kc = a.sealed.envelope.keyCommitment;
      for (const [opener, file] of [
        [native, b.file], // sealed on sm-crypto-v2, opened natively (workers for the large file)
        [fallback, a.file], // sealed natively, opened on sm-crypto-v2
        [native, a.file],
      ] as const) {
        for (const stream of [false, true]) {
          const opened = await open(opener, kc, file, segmentSize, { stream, chunk: stream ? chunk + 17 : chunk });
          expect(opened.ciphertextHash).toBe(a.sealed.envelope.ciphertextHash);
          expect(opened.attachments.map((x) => x.sha256)).toEqual(digests);
        }
      }
      // without the stated length (the split path, one-shot seal/open)
      expect((await open(native, kc, b.file, segmentSize, { stream: true, length: null, fileHash: false })).attachments.map((x) => x.sha256)).toEqual(digests);
    });

    it('segments exactly filling a large file', async () => {
      const header = bidFileLength({ price: '7.00', currency: 'CNY', attachments: [{ name: 'a0', size: 9_000_000 }] }) - 9_000_000; // same digit count
      const exact = randomBytes(9 * MiB - header);
      expect(bidFileLength({ price: '7.00', currency: 'CNY', attachments: [{ name: 'a0', size: exact.length }] })).toBe(9 * MiB);
      const a = await seal(native, [exact], MiB, 3 * MiB);
      const b = await seal(fallback, [exact], MiB, 3 * MiB);
      expect(a.file.length).toBe(9 * (MiB + 16));
      expect(a.file.equals(b.file)).toBe(true);
      expect(a.sealed.envelope).toEqual(b.sealed.envelope);
    });

    describe('damaged, cut, lengthened or reordered files are refused with the same codes on both paths', () => {
      let large: Awaited<ReturnType<typeof seal>>;
      let smallFile: Awaited<ReturnType<typeof seal>>;
      beforeAll(async () => {
        large = await seal(native, [big], MiB, 4 * MiB);
        smallFile = await seal(native, [randomBytes(3 * 4096 + 123)], 4096, 1000);
      });
      const flip = (f: Uint8Array, at: number) => {
        const c = Buffer.from(f);
        c[at] ^= 1;
        return c;
      };
      const swap = (f: Buffer, seg: number) => Buffer.concat([f.subarray(seg, 2 * seg), f.subarray(0, seg), f.subarray(2 * seg)]);
      /** `restated`: the stated length is the damaged file's (else the original's). */
      const cases: Array<[string, (f: Buffer, seg: number) => { bytes: Buffer; restated?: boolean }]> = [
        ['a flipped byte in the first segment', (f) => ({ bytes: flip(f, 5) })],
        ['a flipped byte in a middle segment', (f, seg) => ({ bytes: flip(f, seg + 100) })],
        ['a flipped tag byte of the last segment', (f) => ({ bytes: flip(f, f.length - 3) })],
        ['two segments swapped', (f, seg) => ({ bytes: swap(f, seg) })],
        ['the last segment dropped, length restated', (f, seg) => ({ bytes: f.subarray(0, f.length - (f.length % seg || seg)), restated: true })],
        ['cut short of its stated length', (f) => ({ bytes: f.subarray(0, f.length - 100) })],
        ['cut at a segment boundary, length restated', (f, seg) => ({ bytes: f.subarray(0, 2 * seg), restated: true })],
        ['cut inside a tag, length restated', (f, seg) => ({ bytes: f.subarray(0, seg + 5), restated: true })],
        ['bytes after the end', (f) => ({ bytes: Buffer.concat([f, Buffer.alloc(5)]) })],
        ['a segment appended, length restated', (f, seg) => ({ bytes: Buffer.concat([f, f.subarray(0, seg)]), restated: true })],
      ];
      it.each(cases)('%s: DECRYPTION_FAILED', async (_what, damage) => {
        for (const [f, segmentSize] of [
          [large, MiB],
          [smallFile, 4096],
        ] as const) {
          const { bytes, restated } = damage(f.file, segmentSize + V2_TAG_BYTES);
          const kc = f.sealed.envelope.keyCommitment;
          const length = restated ? bytes.length : f.file.length;
          for (const suite of [native, fallback]) {
            // reused reads and fresh chunks (the segment workers for the large file), no stated length (the calling thread)
            await expect(open(suite, kc, bytes, segmentSize, { length })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
            await expect(open(suite, kc, bytes, segmentSize, { length, stream: true })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
            await expect(open(suite, kc, bytes, segmentSize, { length: null, stream: true, fileHash: false })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
          }
        }
        // the workers still answer correctly afterwards
        const ok = await open(native, large.sealed.envelope.keyCommitment, large.file, MiB);
        expect(ok.attachments[0].sha256).toBe(sha(big));
      });

      it('another key: KEY_COMMITMENT_MISMATCH before any decryption, on both paths', async () => {
        for (const suite of [native, fallback]) {
          await expect(open(suite, large.sealed.envelope.keyCommitment, large.file, MiB, { key: randomBytes(16) })).rejects.toMatchObject({ code: 'KEY_COMMITMENT_MISMATCH' });
        }
      });

      it('a damaged file leaves no plaintext handed out past the bad segment (native workers)', async () => {
        const bad = flip(large.file, 3 * (MiB + 16) + 10); // segment 3
        const got: number[] = [];
        await expect(
          openBidV2({
            suite: native,
            tenderId: TENDER,
            bidderOrganizationId: ORG,
            segmentSize: MiB,
            ciphertextLength: bad.length,
            noncePrefix,
            keyCommitment: large.sealed.envelope.keyCommitment,
            key,
            sealed: reusing(bad, 4 * MiB),
            sourceReusesBuffers: true,
            onAttachmentChunk: (_i, c) => void got.push(c.length),
          }),
        ).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
        const header = bidFileLength({ price: '7.00', currency: 'CNY', attachments: [{ name: 'a0', size: big.length }] }) - big.length;
        expect(got.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(3 * MiB - header);
      });
    });
  });
});
