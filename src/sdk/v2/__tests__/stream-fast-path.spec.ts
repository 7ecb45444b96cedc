/**
 * INTL-1 on Node seals and opens through node:crypto's streaming cipher when the length is known (no segment-sized
 * copies): it must give byte for byte what the one-shot path gives, and refuse every damaged file the same way.
 */
import { createHash, randomBytes } from 'crypto';
import { openBidV2, sealBidV2, type SuitePrimitives, V2_TAG_BYTES } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { ORG, TENDER, views } from './_support';

const SEG = 4096;
const fast = nodeSuite('INTL-1');
const oneShot: SuitePrimitives = { ...fast, createSegmentSealer: undefined, createSegmentOpener: undefined };
const key = randomBytes(32);
const noncePrefix = randomBytes(7);

async function seal(suite: SuitePrimitives, data: Uint8Array, chunk: number) {
  const segments: Uint8Array[] = [];
  const sealed = await sealBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    bid: { price: '7.00', currency: 'CNY' },
    attachments: [{ name: 'a', size: data.length, content: views(data, chunk) }],
    segmentSize: SEG,
    key,
    noncePrefix,
    write: (s) => void segments.push(new Uint8Array(s)),
  });
  return { sealed, file: Buffer.concat(segments), segments };
}

const open = (suite: SuitePrimitives, env: { keyCommitment: string }, file: Uint8Array, chunk: number, ciphertextLength = file.length) =>
  openBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    segmentSize: SEG,
    ciphertextLength,
    noncePrefix,
    keyCommitment: env.keyCommitment,
    key,
    sealed: views(file, chunk),
  });

describe('INTL-1 streaming segments (node:crypto)', () => {
  it.each([0, 1, SEG - 60, SEG, 3 * SEG + 5, 5 * SEG])('an attachment of %i bytes: same sealed bytes, segments and hash as the one-shot path', async (n) => {
    const data = randomBytes(n);
    for (const chunk of [1, 777, SEG, SEG + 16, 3 * SEG + 1]) {
      if (chunk === 1 && n > SEG) continue;
      const a = await seal(fast, data, chunk);
      const b = await seal(oneShot, data, chunk);
      expect(a.file.equals(b.file)).toBe(true);
      expect(a.segments.map((s) => s.length)).toEqual(b.segments.map((s) => s.length));
      expect(a.sealed.envelope).toEqual(b.sealed.envelope);
      for (const c of [5, 999, SEG + V2_TAG_BYTES, 1 << 20]) {
        const opened = await open(fast, a.sealed.envelope, a.file, c);
        expect(opened.attachments[0]).toEqual({ name: 'a', size: n, sha256: createHash('sha256').update(data).digest('hex') });
      }
    }
  });

  it('refuses a flipped bit, a cut, an extension and a reordering with DECRYPTION_FAILED, releasing nothing unauthenticated', async () => {
    const data = randomBytes(3 * SEG + 100);
    const { sealed, file } = await seal(fast, data, 1000);
    const seen: number[] = [];
    const flipped = Buffer.from(file);
    flipped[SEG + 16 + 10] ^= 1; // inside segment 1
    await expect(
      openBidV2({
        suite: fast,
        tenderId: TENDER,
        bidderOrganizationId: ORG,
        segmentSize: SEG,
        ciphertextLength: file.length,
        noncePrefix,
        keyCommitment: sealed.envelope.keyCommitment,
        key,
        sealed: views(flipped, 333),
        onAttachmentChunk: (_, c) => void seen.push(c.length),
      }),
    ).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    // segment 0 authenticated and was released; nothing of segment 1
    expect(seen.reduce((s, x) => s + x, 0)).toBeLessThanOrEqual(SEG);
    const tagFlip = Buffer.from(file);
    tagFlip[file.length - 1] ^= 1;
    await expect(open(fast, sealed.envelope, tagFlip, 500)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(open(fast, sealed.envelope, file.subarray(0, file.length - 1), 500, file.length)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(open(fast, sealed.envelope, Buffer.concat([file, Buffer.from([0])]), 500, file.length)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    // a file cut at a segment boundary, stated with its cut length: the new last segment lacks the last flag
    const cut = file.subarray(0, 2 * (SEG + 16));
    await expect(open(fast, sealed.envelope, cut, 500)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    const s = SEG + 16;
    const reordered = Buffer.concat([file.subarray(s, 2 * s), file.subarray(0, s), file.subarray(2 * s)]);
    await expect(open(fast, sealed.envelope, reordered, 4096)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
  });

  it('refuses a plaintext longer or shorter than its stated size', async () => {
    const base = { suite: fast, tenderId: TENDER, bidderOrganizationId: ORG, bid: { price: '7.00', currency: 'CNY' as const }, segmentSize: SEG, write: () => undefined };
    await expect(sealBidV2({ ...base, attachments: [{ name: 'a', size: 10, content: [randomBytes(11)] }] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(sealBidV2({ ...base, attachments: [{ name: 'a', size: 10, content: [randomBytes(9)] }] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
