/**
 * BidFileOpener over a real FsBlobStore: the stored pieces are read into two reused buffers (BlobStore.chunks) and a
 * large file is opened on the SDK's segment workers. The same answers as before for intact, damaged, cut and wrongly
 * hashed files, for pieces of any size; and the upload's file hash rebuilt from the pieces (BidUploadsService.hasherAt)
 * through the same reused buffers equals the receipt's. A store with a new buffer per read (the S3 store, here over
 * a real S3-compatible server) opens a large GM-1 file on the segment workers too, and a large INTL-1 file on the
 * calling thread (AES-NI there costs less than the copies into the slots: docs/BENCHMARKS.md, eleventh pass).
 */
import { createHash, randomBytes } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { BlobStore } from 'src/infra/blob-store/blob-store';
import { FsBlobStore } from 'src/infra/blob-store/fs-blob-store';
import { S3BlobStore } from 'src/infra/blob-store/s3-blob-store';
import { startTestS3 } from 'src/infra/blob-store/__tests__/test-s3';
import { generateEscrowKeyPair } from 'src/sdk';
import { generateSm2KeyPair, sealBidV2, type SuiteId } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import type { BidUploadRow, UploadPieceRow } from '../../bids/uploads/bid-uploads.repository';
import { BidUploadsService } from '../../bids/uploads/bid-uploads.service';
import { BidFileOpener, type SealedFileBid } from '../bid-file-opener';

const TENDER = '6f1c2a4e-3b5d-4c7e-9f01-23456789abcd';
const ORG = '0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9';
const MiB = 1024 * 1024;

describe('BidFileOpener: escrow opening from the fs blob store with reused read buffers', () => {
  let root: string;
  let store: FsBlobStore;
  const piecesOf = new Map<string, UploadPieceRow[]>();
  class Uploads extends BidUploadsService {
    override async pieces(uploadId: string): Promise<UploadPieceRow[]> {
      return piecesOf.get(uploadId) ?? [];
    }
  }
  let uploads: Uploads;
  let opener: BidFileOpener;
  const none = undefined as never;
  const intlPair = generateEscrowKeyPair();
  const intlEscrow = { privateKey: Buffer.from(intlPair.privateKey, 'base64'), publicKey: Buffer.from(intlPair.publicKey, 'base64') };
  const gm = generateSm2KeyPair();
  const gmEscrow = { privateKey: Buffer.from(gm.privateKey), publicKey: Buffer.from(gm.publicKey) };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bid-file-opener-'));
    store = new FsBlobStore(root);
    uploads = new Uploads(none, none, store, none, none, none, none, none);
    opener = new BidFileOpener(uploads, none);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Seals `size` bytes and stores the sealed file as pieces of the given sizes (the last one takes the rest). */
  async function stored(uploadId: string, suite: SuiteId, size: number, pieceSizes: number[], into: BlobStore = store) {
    const data = randomBytes(size);
    const parts: Buffer[] = [];
    const sealed = await sealBidV2({
      suite: nodeSuite(suite),
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      bid: { price: '1234.50', currency: 'CNY', durationDays: 90 },
      attachments: [{ name: 'bid.bin', size, content: [data] }],
      escrowPublicKey: suite === 'GM-1' ? gmEscrow.publicKey : intlEscrow.publicKey,
      write: (s) => void parts.push(Buffer.from(s)),
    });
    const file = Buffer.concat(parts);
    const rows: UploadPieceRow[] = [];
    for (let offset = 0, i = 0; offset < file.length; i++) {
      const length = Math.min(pieceSizes[i] ?? file.length, file.length - offset);
      const blobKey = `uploads/${uploadId}/${String(offset).padStart(16, '0')}`;
      await into.put(blobKey, Readable.from([file.subarray(offset, offset + length)]), length);
      rows.push({ offset, length, blobKey });
      offset += length;
    }
    piecesOf.set(uploadId, rows);
    const e = sealed.envelope;
    const bid: SealedFileBid = {
      bidId: uploadId,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      suite,
      segmentSize: e.segmentSize,
      ciphertextLength: e.ciphertextLength,
      ciphertextHash: e.ciphertextHash,
      noncePrefix: Buffer.from(e.noncePrefix, 'base64'),
      keyCommitment: e.keyCommitment,
      escrowedKey: Buffer.from(e.escrowedKey!, 'base64'),
      blobKey: rows[0].blobKey,
    };
    return { data, file, rows, bid, escrow: suite === 'GM-1' ? gmEscrow : intlEscrow };
  }

  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it.each<[string, SuiteId, number, number[]]>([
    ['INTL-1, 9 MiB + 7 (segment workers), pieces of 4 MiB', 'INTL-1', 9 * MiB + 7, [4 * MiB, 4 * MiB]],
    ['INTL-1, 9 MiB + 7, odd pieces (1 byte, 5 MiB + 3, 64 KiB …)', 'INTL-1', 9 * MiB + 7, [1, 5 * MiB + 3, 64 * 1024, 2 * MiB - 1]],
    ['INTL-1, 150 KB (calling thread)', 'INTL-1', 150_000, [70_001]],
    ['GM-1, 300 KB', 'GM-1', 300_000, [100_003, 4096]],
  ])('opens %s with the same attachment digest, and the rebuilt upload hash is the receipt’s', async (_n, suite, size, pieces) => {
    const id = `ok-${suite.toLowerCase()}-${size}-${pieces.length}`;
    const { data, bid, escrow } = await stored(id, suite, size, pieces);
    const r = await opener.openWithEscrow(bid, escrow);
    expect(r).toMatchObject({ ok: true, record: { price: '1234.50', durationDays: 90, attachments: [{ name: 'bid.bin', size, sha256: sha(data) }] } });
    const hasher = await uploads.hasherAt({ id, suite, segmentSize: bid.segmentSize } as BidUploadRow, bid.ciphertextLength);
    expect(await hasher.digestHex()).toBe(bid.ciphertextHash);
  });

  /** Counts the segment engines the suite makes (the path an opening takes), for the duration of `run`. */
  async function engines<T>(suite: SuiteId, run: () => Promise<T>): Promise<[T, number]> {
    const spy = jest.spyOn(nodeSuite(suite).offThread!, 'segments');
    try {
      const r = await run();
      return [r, spy.mock.calls.length];
    } finally {
      spy.mockRestore();
    }
  }

  it('opens the same from a store that reads a new buffer per chunk (as S3: get() streams); INTL-1 on the calling thread', async () => {
    const { data, bid, escrow } = await stored('streamed', 'INTL-1', 9 * MiB + 7, [4 * MiB]);
    class StreamedStore extends FsBlobStore {
      override readonly chunksReuseBuffers = false;
      override chunks(keys: readonly string[]): AsyncGenerator<Uint8Array> {
        return BlobStore.prototype.chunks.call(this, keys);
      }
    }
    const streamed = new Uploads(none, none, new StreamedStore(root), none, none, none, none, none);
    expect(streamed.piecesReuseBuffers).toBe(false);
    expect(uploads.piecesReuseBuffers).toBe(true);
    const [r, n] = await engines('INTL-1', () => new BidFileOpener(streamed, none).openWithEscrow(bid, escrow));
    expect(r).toMatchObject({ ok: true, record: { attachments: [{ size: data.length, sha256: sha(data) }] } });
    expect(n).toBe(0);
  });

  describe('from the S3 store (s3rver over HTTP: a new buffer per read)', () => {
    let s3: Awaited<ReturnType<typeof startTestS3>>;
    let s3Store: S3BlobStore;
    let s3Opener: BidFileOpener;
    beforeAll(async () => {
      s3 = await startTestS3();
      s3Store = new S3BlobStore(s3.options);
      s3Opener = new BidFileOpener(new Uploads(none, none, s3Store, none, none, none, none, none), none);
    });
    afterAll(() => s3.stop());

    it.each<[SuiteId, number[], number]>([
      ['INTL-1', [4 * MiB, 4 * MiB], 0],
      ['GM-1', [1, 5 * MiB + 3, 64 * 1024], 1],
    ])('%s, 9 MiB + 7 in pieces of %j: the same digest (segment engines: %d); damaged: CIPHERTEXT_DAMAGED', async (suite, pieces, workers) => {
      const { data, bid, escrow, rows, file } = await stored(`s3-${suite.toLowerCase()}`, suite, 9 * MiB + 7, pieces, s3Store);
      const [r, n] = await engines(suite, () => s3Opener.openWithEscrow(bid, escrow));
      expect(r).toMatchObject({ ok: true, record: { price: '1234.50', attachments: [{ size: data.length, sha256: sha(data) }] } });
      expect(n).toBe(workers);
      // a flipped byte in the last piece: the workers refuse the segment, the stored file no longer matches its receipt
      const last = rows[rows.length - 1];
      const piece = Buffer.from(file.subarray(last.offset, last.offset + last.length));
      piece[piece.length >> 1] ^= 1;
      await s3Store.put(last.blobKey, Readable.from([piece]), piece.length);
      const [damaged, m] = await engines(suite, () => s3Opener.openWithEscrow(bid, escrow));
      expect(damaged).toEqual({ ok: false, code: 'CIPHERTEXT_DAMAGED' });
      expect(m).toBe(workers);
    });
  });

  it('answers CIPHERTEXT_DAMAGED for a flipped byte in a middle piece, a missing piece, or a receipt that names another hash', async () => {
    const flipped = await stored('flipped', 'INTL-1', 9 * MiB + 7, [3 * MiB, 3 * MiB]);
    const path = join(root, ...flipped.rows[1].blobKey.split('/'));
    const piece = readFileSync(path);
    piece[12345] ^= 1;
    writeFileSync(path, piece);
    expect(await opener.openWithEscrow(flipped.bid, flipped.escrow)).toEqual({ ok: false, code: 'CIPHERTEXT_DAMAGED' });

    const missing = await stored('missing', 'INTL-1', 9 * MiB + 7, [4 * MiB, 4 * MiB]);
    await store.delete(missing.rows[1].blobKey);
    expect(await opener.openWithEscrow(missing.bid, missing.escrow)).toEqual({ ok: false, code: 'CIPHERTEXT_DAMAGED' });

    const other = await stored('other-hash', 'INTL-1', 9 * MiB + 7, [4 * MiB]);
    expect(await opener.openWithEscrow({ ...other.bid, ciphertextHash: '0'.repeat(64) }, other.escrow)).toEqual({ ok: false, code: 'CIPHERTEXT_DAMAGED' });
  });
});
