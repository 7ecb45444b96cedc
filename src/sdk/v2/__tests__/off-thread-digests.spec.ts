/**
 * Opening on the segment workers with the file hash (openBidV2 `fileHash`): each segment's digest comes from the
 * worker that opens it, and a large attachment's SHA-256 is read by the hash worker in place in the engine's slots
 * (held until it is done). The file hash and the digests must be exactly those of the calling-thread path (the file
 * hashed as read, the attachments hashed here), for any segment size and chunking; damaged or cut files are refused.
 */
import { createHash, randomBytes } from 'crypto';
import { FileHasher, openBidV2, openSegments, sealBidV2, sealSegments, type SlotHolds, type SuitePrimitives } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { workerSha256 } from 'src/sdk/v2/node-hash-worker';
import { MiB, ORG, reusing, sha, TENDER } from './_support';

const engine = nodeSuite('INTL-1');
const onThread: SuitePrimitives = { ...engine, offThread: undefined };
const key = randomBytes(32);
const noncePrefix = randomBytes(7);
const aad = new TextEncoder().encode('digests-test');

async function seal(data: Uint8Array[], segmentSize: number) {
  const segments: Uint8Array[] = [];
  const sealed = await sealBidV2({
    suite: onThread,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    bid: { price: '7.00', currency: 'CNY' },
    attachments: data.map((d, i) => ({ name: `a${i}`, size: d.length, content: [d] })),
    segmentSize,
    key,
    noncePrefix,
    write: (s) => void segments.push(Buffer.from(s)),
  });
  return { envelope: sealed.envelope, file: Buffer.concat(segments) };
}

const open = (
  suite: SuitePrimitives,
  kc: string,
  file: Uint8Array,
  segmentSize: number,
  chunk: number,
  opts: { length?: number; onAttachmentChunk?: (i: number, c: Uint8Array) => void } = {},
) =>
  openBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    segmentSize,
    ciphertextLength: opts.length ?? file.length,
    noncePrefix,
    keyCommitment: kc,
    key,
    sealed: reusing(file, chunk),
    sourceReusesBuffers: true,
    fileHash: true,
    onAttachmentChunk: opts.onAttachmentChunk,
  });

describe('openBidV2 fileHash: digests computed where the bytes are (Node)', () => {
  // two attachments hashed in place (≥ 8 MiB, across segment boundaries), one exactly 8 MiB, one small (this thread)
  const big = randomBytes(9 * MiB + 12_345);
  const exact = randomBytes(8 * MiB);
  const small = randomBytes(1000);
  const big2 = randomBytes(8 * MiB + 777);
  const data = [big, exact, small, big2];

  it.each([
    [1 * MiB, 4 * MiB],
    [64 * 1024, 1_000_003],
    [4096, 65_537],
  ])('the same file hash and attachment digests as the calling thread (segment %i, chunks of %i)', async (segmentSize, chunk) => {
    const { envelope, file } = await seal(data, segmentSize);
    const whole = new FileHasher(onThread, segmentSize);
    await whole.update(file);
    expect(await whole.digestHex()).toBe(envelope.ciphertextHash);
    const pieces: Uint8Array[][] = data.map(() => []);
    const a = await open(engine, envelope.keyCommitment, file, segmentSize, chunk, { onAttachmentChunk: (i, c) => void pieces[i].push(c) });
    expect(a.ciphertextHash).toBe(envelope.ciphertextHash);
    expect(a.attachments.map((x) => x.sha256)).toEqual(data.map(sha));
    data.forEach((d, i) => expect(Buffer.concat(pieces[i]).equals(d)).toBe(true));
    const b = await open(onThread, envelope.keyCommitment, file, segmentSize, chunk + 1);
    expect(b).toEqual(a);
    // without fileHash: no file hash answered, the same digests
    const c = await openBidV2({
      suite: engine,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      segmentSize,
      ciphertextLength: file.length,
      noncePrefix,
      keyCommitment: envelope.keyCommitment,
      key,
      sealed: reusing(file, chunk),
      sourceReusesBuffers: true,
    });
    expect(c.ciphertextHash).toBeUndefined();
    expect(c.attachments).toEqual(a.attachments);
  });

  it('refuses a damaged segment and a cut file on both paths, and the workers answer correctly afterwards', async () => {
    const { envelope, file } = await seal([big, small], MiB);
    const kc = envelope.keyCommitment;
    for (const at of [100, 5 * MiB + 3, file.length - 3]) {
      const flipped = Buffer.from(file);
      flipped[at] ^= 1;
      await expect(open(engine, kc, flipped, MiB, 4 * MiB)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
      await expect(open(onThread, kc, flipped, MiB, 4 * MiB)).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    }
    const cut = file.subarray(0, file.length - 100);
    await expect(open(engine, kc, cut, MiB, 3 * MiB, { length: file.length })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    await expect(open(onThread, kc, cut, MiB, 3 * MiB, { length: file.length })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    // a file cut at a segment boundary, stated with its own (valid) length: its last segment lacks the last flag
    const atBoundary = file.subarray(0, 5 * (MiB + 16));
    await expect(open(engine, kc, atBoundary, MiB, MiB, { length: atBoundary.length })).rejects.toMatchObject({ code: 'DECRYPTION_FAILED' });
    const ok = await open(engine, kc, file, MiB, 4 * MiB);
    expect(ok.ciphertextHash).toBe(envelope.ciphertextHash);
    expect(ok.attachments.map((x) => x.sha256)).toEqual([sha(big), sha(small)]);
  });

  it('openings at once, some failing half-way, each answer their own hashes (the slots memory is reused after each)', async () => {
    const one = await seal([big], MiB);
    const two = await seal([big2, small], 64 * 1024);
    const flipped = Buffer.from(one.file);
    flipped[3 * MiB] ^= 1;
    for (let round = 0; round < 3; round++) {
      const [a, b, c, d] = await Promise.allSettled([
        open(engine, one.envelope.keyCommitment, one.file, MiB, 4 * MiB),
        open(engine, one.envelope.keyCommitment, flipped, MiB, 4 * MiB),
        open(engine, two.envelope.keyCommitment, two.file, 64 * 1024, 1_000_003),
        open(engine, two.envelope.keyCommitment, two.file.subarray(0, two.file.length - 1), 64 * 1024, MiB, { length: two.file.length }),
      ]);
      expect(a).toMatchObject({ status: 'fulfilled', value: { ciphertextHash: one.envelope.ciphertextHash, attachments: [{ sha256: sha(big) }] } });
      expect(b).toMatchObject({ status: 'rejected', reason: { code: 'DECRYPTION_FAILED' } });
      expect(c).toMatchObject({ status: 'fulfilled', value: { ciphertextHash: two.envelope.ciphertextHash, attachments: [{ sha256: sha(big2) }, { sha256: sha(small) }] } });
      expect(d).toMatchObject({ status: 'rejected', reason: { code: 'DECRYPTION_FAILED' } });
    }
  });

  it('a slot held by the consumer is not refilled before its hold settles', async () => {
    const plain = randomBytes(10 * MiB + 5);
    const sealed: Uint8Array[] = [];
    for await (const s of sealSegments({ suite: onThread, key, noncePrefix, aad, segmentSize: MiB, length: plain.length }, [plain])) sealed.push(Buffer.from(s));
    const file = Buffer.concat(sealed);
    let slots: SlotHolds | null = null;
    const checks: Array<Promise<boolean>> = [];
    const out: Buffer[] = [];
    let views = 0;
    for await (const seg of openSegments(
      { suite: engine, key, noncePrefix, aad, segmentSize: MiB, length: file.length, reuse: true, onSlots: (s) => (slots = s) },
      reusing(file, 3 * MiB),
    )) {
      const copy = Buffer.from(seg);
      out.push(copy);
      expect(slots!.owns(seg)).toBe(true);
      expect(slots!.owns(copy)).toBe(false);
      views++;
      // held for a while (longer than the workers take to open the next segments): unchanged until released
      const done = new Promise<void>((go) => setTimeout(go, 20));
      slots!.hold(seg, done);
      checks.push(done.then(() => Buffer.from(seg).equals(copy)));
    }
    expect(views).toBe(11);
    expect(Buffer.concat(out).equals(plain)).toBe(true);
    expect(await Promise.all(checks)).toEqual(new Array(11).fill(true));
  });

  it("the hash worker's in-place update: shared memory only, hashed in call order with copied updates", async () => {
    const h = workerSha256();
    expect(h.updateShared(new Uint8Array(10))).toBeNull();
    const shared = Buffer.from(new SharedArrayBuffer(3 * MiB));
    randomBytes(3 * MiB).copy(shared);
    const plain = randomBytes(MiB + 7);
    const waits = [h.updateShared(shared.subarray(0, MiB)), h.update(plain), h.updateShared(shared.subarray(MiB, 3 * MiB - 1))];
    await Promise.all(waits);
    expect(Buffer.from(await h.digest()).toString('hex')).toBe(
      createHash('sha256')
        .update(shared.subarray(0, MiB))
        .update(plain)
        .update(shared.subarray(MiB, 3 * MiB - 1))
        .digest('hex'),
    );
  });
});
