/**
 * Format v2 bid files (docs/SEALED_BID_FORMAT.md "format v2"), measured in one process on this machine:
 *
 * 1. Raw AES-256-GCM: node:crypto encrypting `mb` MiB in 1 MiB calls (the ceiling the SDK's INTL-1 sealing is held to),
 *    and a raw file copy of the plaintext (read and write streams, no crypto: the disk's own ceiling). Reported beside
 *    it, not targets: AES-256-GCM without an output buffer per call, SHA-256 alone, and AES over the file with the
 *    sealing's reads (fileChunks).
 * 2. INTL-1 sealing of a bid file of `mb` MiB read from disk and written to disk as the CLI's seal-v2 does (sealBidV2,
 *    fileChunks → fileSink: reused buffers; a large file's segments on worker threads), the same
 *    sealing into a null sink (read → encrypt → hash: the crypto pipeline without the disk write), its escrow opening
 *    (unwrap with the escrow key, then openBidV2 streaming from disk, with the attachment's SHA-256) and the escrow
 *    opening as the platform does it (plus the file hash checked against the receipt's; once with its reads imitated,
 *    once by the platform's own code — BidFileOpener.openWithEscrow over a FsBlobStore holding the file as 4 MiB
 *    upload pieces, only the database look-up of the pieces replaced): each as a ratio to (1), the
 *    process RSS growth, and the CPU time of the main thread and of the other threads (on Node the file hash and the
 *    attachment digests of large files run on worker threads beside the encryption: src/sdk/v2/node-hash-worker.ts).
 * 3. GM-1 sealing and opening of a smaller file (`gmMb`): SM4-GCM and SM3 on node:crypto when this Node's OpenSSL has
 *    them (a file ≥ 8 MiB on the segment workers), else on sm-crypto-v2 (pure JavaScript; `SEALED_BID_GM_NATIVE=0`
 *    forces it): recorded, beside raw SM4-GCM and SM3 on node:crypto (1 MiB calls) when present.
 * 4. Blob store: the sealed file copied through the S3 adapter to a local s3rver over HTTP and read back, next to a
 *    raw loopback copy (fs stream → HTTP → fs) of the same bytes measured in the same run; then the platform's own
 *    opening code (BidFileOpener.openWithEscrow) over the S3 store holding the INTL-1 and GM-1 files as 4 MiB upload
 *    pieces (a new buffer per read: the HTTP bodies; s3rver runs in this process, so its CPU is counted too).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/bid-files.bench.ts [--mb 500] [--gm-mb 50]
 *
 * 5. Memory bound of escrow opening: `escrowFiles` bids (default 200) of `escrowFileMb` MiB (default 20) sealed into
 *    the filesystem blob store as 4 MiB upload pieces, then opened one after another by the platform's own code
 *    (BidFileOpener.openWithEscrow, as close-decryption-window: unwrap the escrowed key, stream the pieces from the
 *    store through openBidV2 and the file hash; only the database look-up of the pieces is replaced): the process RSS
 *    growth over all of them and the throughput.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/bid-files.bench.ts [--mb 500] [--gm-mb 50]
 *     [--escrow-files 200] [--escrow-file-mb 20]
 *
 * The HTTP upload of a 500 MB bid with the server's RSS is bench/bid-file-upload.bench.ts.
 */
import { createCipheriv, createHash, randomBytes } from 'crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'fs';
import { once } from 'events';
import http from 'http';
import { type AddressInfo } from 'net';
import { loadavg, tmpdir } from 'os';
import { join } from 'path';
import { pipeline } from 'stream/promises';
import { generateEscrowKeyPair } from '../src/sdk';
import { openBidV2, sealBidV2, type SuiteId, unwrapEscrowedKeyV2, generateSm2KeyPair } from '../src/sdk/v2';
import { fileChunks, fileSink, gmNativeSupport, nodeSuite } from '../src/sdk/v2/node';
import { S3BlobStore } from '../src/infra/blob-store/s3-blob-store';
import { FsBlobStore } from '../src/infra/blob-store/fs-blob-store';
import type { BlobStore } from '../src/infra/blob-store/blob-store';
import { startTestS3 } from '../src/infra/blob-store/__tests__/test-s3';
import { BidUploadsService } from '../src/modules/bids/uploads/bid-uploads.service';
import type { UploadPieceRow } from '../src/modules/bids/uploads/bid-uploads.repository';
import { BidFileOpener, type SealedFileBid } from '../src/modules/opening/bid-file-opener';

const MiB = 1024 * 1024;
const TENDER = '6f1c2a4e-3b5d-4c7e-9f01-23456789abcd';
const ORG = '0a1b2c3d-4e5f-4061-8273-8495a6b7c8d9';

/** CPU time of the main thread and of all other threads (hash workers, libuv's pool, V8's GC helpers), ms. */
export interface CpuSplit {
  mainMs: number;
  otherMs: number;
}

export interface BidFilesBenchResult {
  mb: number;
  gmMb: number;
  loadavg: number[];
  loadavgEnd: number[];
  /** The plaintext copied file → file with the same streams, no crypto: what the disk allows sealing file → file. */
  rawFileCopyMBps: number;
  rawAesGcmMBps: number;
  rawCpu: CpuSplit;
  /** raw AES-256-GCM over the plaintext file with the sealing's reads (the I/O-equal ceiling; reported, not the target's). */
  rawAesGcmFromFileMBps: number;
  /** AES-256-GCM without an output buffer per call (reported, not the target's reference). */
  rawAesGcmInPlaceMBps: number;
  /** SHA-256 alone, 1 MiB calls (reported: each hash pass of sealing and opening costs this). */
  rawSha256MBps: number;
  intl: {
    /** file → file: read the plaintext from disk, seal, write the sealed file to disk (as seal-v2 does). */
    sealMBps: number;
    /** the same with the sealed segments dropped (read → encrypt → hash): the crypto pipeline without the disk write. */
    sealNullSinkMBps: number;
    /** unwrap + openBidV2 streaming from disk, with the attachment's SHA-256. */
    openMBps: number;
    /** as the platform's opening (BidFileOpener): the above plus the file hash checked against the receipt's (reads as FsBlobStore.get). */
    openWithFileHashMBps: number;
    /** the same with the CLI's reads (fileChunks: two reused buffers). */
    openWithFileHashReusedReadsMBps: number;
    /** the platform's own code: BidFileOpener.openWithEscrow over the file stored in a FsBlobStore as 4 MiB upload pieces. */
    platformOpenMBps: number;
    platformOpenRssGrowthMB: number;
    sealRssGrowthMB: number;
    openRssGrowthMB: number;
    cpu: { seal: CpuSplit; sealNullSink: CpuSplit; open: CpuSplit; openWithFileHash: CpuSplit; openWithFileHashReusedReads: CpuSplit; platformOpen: CpuSplit };
  };
  gm: {
    /** 'node:crypto' (SM4-GCM and SM3 on OpenSSL) or 'sm-crypto-v2' (the fallback). */
    path: string;
    rawSm4GcmMBps: number | null;
    rawSm3MBps: number | null;
    sealMBps: number;
    sealNullSinkMBps: number;
    openMBps: number;
    openWithFileHashMBps: number;
    platformOpenMBps: number;
    cpu: { seal: CpuSplit; sealNullSink: CpuSplit; open: CpuSplit; openWithFileHash: CpuSplit; platformOpen: CpuSplit };
  };
  s3: {
    putMBps: number;
    getMBps: number;
    rawLoopbackMBps: number;
    /** The platform's code (BidFileOpener.openWithEscrow) over the S3 store (s3rver in this process): INTL-1 `mb` MiB, GM-1 `gmMb` MiB. */
    platformOpen: { intlMBps: number; intlCpu: CpuSplit; gmMBps: number; gmCpu: CpuSplit };
  };
  escrowMany: { files: number; fileMb: number; openMBps: number; rssGrowthMB: number; heapGrowthMB: number; cpu: CpuSplit };
}

const mbps = (bytes: number, ms: number) => Math.round((bytes / MiB / (ms / 1000)) * 10) / 10;

/** Process and main-thread CPU time (process.threadCpuUsage: Node ≥ 23.9). */
function cpuNow(): { main: number; all: number } {
  const p = process.cpuUsage();
  const t = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.() ?? p;
  return { main: (t.user + t.system) / 1000, all: (p.user + p.system) / 1000 };
}
function cpuSince(c0: { main: number; all: number }): CpuSplit {
  const c1 = cpuNow();
  const main = c1.main - c0.main;
  return { mainMs: Math.round(main), otherMs: Math.round(c1.all - c0.all - main) };
}

async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const block = randomBytes(MiB);
  for (let at = 0; at < bytes; at += MiB) {
    // vary the content a little per block (AES does not care; it keeps any dedup out of the way)
    block.writeUInt32BE(at >>> 0, 0);
    if (!out.write(at + MiB <= bytes ? Buffer.from(block) : block.subarray(0, bytes - at))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The upload client's default piece size (src/sdk/v2/upload.ts): a bid file is stored as pieces of this size. */
const PIECE_BYTES = 4 * MiB;

/**
 * The platform's own opening code (BidFileOpener → BidUploadsService.piecesStream → the blob store's reads), over a
 * FsBlobStore holding the sealed files as upload pieces: only the database look-up of the pieces is replaced.
 */
class BenchPlatform {
  private readonly piecesOf = new Map<string, UploadPieceRow[]>();
  readonly opener: BidFileOpener;
  /** `store`: a FsBlobStore (reused read buffers), or the S3 store (a new buffer per read: the HTTP body). */
  constructor(readonly store: BlobStore) {
    const piecesOf = this.piecesOf;
    class Uploads extends BidUploadsService {
      override async pieces(uploadId: string): Promise<UploadPieceRow[]> {
        return piecesOf.get(uploadId)!;
      }
    }
    const none = undefined as never;
    this.opener = new BidFileOpener(new Uploads(none, none, this.store, none, none, none, none, none), none);
  }
  /** Stores the sealed file as an upload's pieces (PIECE_BYTES each) and answers the bid as the opening loads it. */
  async put(uploadId: string, sealedPath: string, envelope: Awaited<ReturnType<typeof sealBidV2>>['envelope'], suite: SuiteId): Promise<SealedFileBid> {
    const size = envelope.ciphertextLength;
    const rows: UploadPieceRow[] = [];
    for (let offset = 0; offset < size; offset += PIECE_BYTES) {
      const length = Math.min(PIECE_BYTES, size - offset);
      const blobKey = `uploads/${uploadId}/${String(offset).padStart(16, '0')}`;
      await this.store.put(blobKey, createReadStream(sealedPath, { start: offset, end: offset + length - 1, highWaterMark: MiB }), length);
      rows.push({ offset, length, blobKey });
    }
    this.piecesOf.set(uploadId, rows);
    return {
      bidId: uploadId,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      suite,
      segmentSize: envelope.segmentSize,
      ciphertextLength: size,
      ciphertextHash: envelope.ciphertextHash,
      noncePrefix: Buffer.from(envelope.noncePrefix, 'base64'),
      keyCommitment: envelope.keyCommitment,
      escrowedKey: Buffer.from(envelope.escrowedKey!, 'base64'),
      blobKey: rows[0].blobKey,
    };
  }
}

/** GM-1's symmetric algorithms on node:crypto alone, 1 MiB calls (null when this Node's OpenSSL lacks them). */
function rawGm(bytes: number): { sm4Gcm: { MBps: number; cpu: CpuSplit } | null; sm3: { MBps: number; cpu: CpuSplit } | null } {
  const block = randomBytes(MiB);
  const n = gmNativeSupport();
  let sm4Gcm = null;
  if (n.sm4Gcm) {
    const key = randomBytes(16);
    const c0 = cpuNow();
    const t0 = performance.now();
    for (let i = 0; i * MiB < bytes; i++) {
      const iv = Buffer.alloc(12);
      iv.writeUInt32BE(i, 4);
      const c = createCipheriv('sm4-gcm' as 'aes-128-gcm', key, iv);
      c.update(block);
      c.final();
      c.getAuthTag();
    }
    sm4Gcm = { MBps: mbps(bytes, performance.now() - t0), cpu: cpuSince(c0) };
  }
  let sm3 = null;
  if (n.sm3) {
    const c0 = cpuNow();
    const t0 = performance.now();
    for (let at = 0; at < bytes; at += MiB) createHash('sm3').update(block).digest();
    sm3 = { MBps: mbps(bytes, performance.now() - t0), cpu: cpuSince(c0) };
  }
  return { sm4Gcm, sm3 };
}

function rawAesGcm(bytes: number): { MBps: number; cpu: CpuSplit } {
  const key = randomBytes(32);
  const block = randomBytes(MiB);
  const c0 = cpuNow();
  const t0 = performance.now();
  for (let at = 0, i = 0; at < bytes; at += MiB, i++) {
    const iv = Buffer.alloc(12);
    iv.writeUInt32BE(i, 4);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.update(block);
    c.final();
    c.getAuthTag();
  }
  return { MBps: mbps(bytes, performance.now() - t0), cpu: cpuSince(c0) };
}

/** SHA-256 alone (node:crypto, 1 MiB calls, from memory): the cost of each hash pass (file hash, attachment digest). */
function rawSha256(bytes: number): { MBps: number; cpu: CpuSplit } {
  const block = randomBytes(MiB);
  const c0 = cpuNow();
  const t0 = performance.now();
  for (let at = 0; at < bytes; at += MiB) createHash('sha256').update(block).digest();
  return { MBps: mbps(bytes, performance.now() - t0), cpu: cpuSince(c0) };
}

/**
 * AES-256-GCM itself, without node:crypto's output buffer per call: the same 1 MiB segments fed in 256 KiB pieces
 * with latin1 output written in place (what the SDK's segment workers do, src/sdk/v2/node-segment-worker.ts). Reported
 * to show what the in-memory ceiling spends on allocating its outputs; not the target's reference.
 */
function rawAesGcmInPlace(bytes: number): { MBps: number; cpu: CpuSplit } {
  const key = randomBytes(32);
  const block = randomBytes(MiB);
  const out = Buffer.allocUnsafeSlow(MiB);
  const piece = 256 << 10;
  const c0 = cpuNow();
  const t0 = performance.now();
  for (let at = 0, i = 0; at < bytes; at += MiB, i++) {
    const iv = Buffer.alloc(12);
    iv.writeUInt32BE(i, 4);
    const c = createCipheriv('aes-256-gcm', key, iv);
    for (let p = 0; p < MiB; p += piece) out.write(c.update(block.subarray(p, p + piece), undefined, 'latin1'), p, 'latin1');
    c.final();
    c.getAuthTag();
  }
  return { MBps: mbps(bytes, performance.now() - t0), cpu: cpuSince(c0) };
}

/**
 * The same ceiling with the sealing's I/O: raw AES-256-GCM in 1 MiB segments over the plaintext file read from disk
 * as the CLI and this bench read it (fileChunks: 4 MiB reads into two reused buffers). Reported beside the in-memory
 * ceiling, which stays the target's reference.
 */
async function rawAesGcmFromFile(path: string, bytes: number): Promise<{ MBps: number; cpu: CpuSplit }> {
  const key = randomBytes(32);
  const c0 = cpuNow();
  const t0 = performance.now();
  let i = 0;
  for await (const chunk of fileChunks(path)) {
    for (let at = 0; at < chunk.length; at += MiB) {
      const iv = Buffer.alloc(12);
      iv.writeUInt32BE(i++, 4);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.update(chunk.subarray(at, at + MiB));
      c.final();
      c.getAuthTag();
    }
  }
  return { MBps: mbps(bytes, performance.now() - t0), cpu: cpuSince(c0) };
}

async function sealAndOpen(suiteId: SuiteId, dir: string, plainPath: string, size: number) {
  const suite = nodeSuite(suiteId);
  const escrow =
    suiteId === 'GM-1'
      ? generateSm2KeyPair()
      : (() => {
          const k = generateEscrowKeyPair();
          return { privateKey: Buffer.from(k.privateKey, 'base64'), publicKey: Buffer.from(k.publicKey, 'base64') };
        })();
  const sealedPath = join(dir, `sealed-${suiteId}`);
  const out = await fileSink(sealedPath); // as the CLI (seal-v2) writes
  let peak = process.memoryUsage().rss;
  const rss0 = peak;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  let c0 = cpuNow();
  let t0 = performance.now();
  const sealed = await sealBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    bid: { price: '123456789.00', currency: 'CNY' },
    attachments: [{ name: 'bid.bin', size, content: fileChunks(plainPath) }], // as the CLI's seal-v2 reads
    escrowPublicKey: escrow.publicKey,
    write: (s) => out.write(s),
    writeConsumes: true,
  });
  await out.close();
  const sealMs = performance.now() - t0;
  const sealCpu = cpuSince(c0);
  const sealRss = peak - rss0;
  // the same sealing with the segments dropped: read → encrypt → hash, no disk write
  c0 = cpuNow();
  t0 = performance.now();
  await sealBidV2({
    suite,
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    bid: { price: '123456789.00', currency: 'CNY' },
    attachments: [{ name: 'bid.bin', size, content: fileChunks(plainPath) }], // as the CLI's seal-v2 reads
    escrowPublicKey: escrow.publicKey,
    write: () => undefined,
    writeConsumes: true,
  });
  const sealNullMs = performance.now() - t0;
  const sealNullCpu = cpuSince(c0);
  peak = process.memoryUsage().rss;
  const rss1 = peak;
  /** `reads`: 'reused' as the CLI's open-v2 (fileChunks), 'stream' as the platform's FsBlobStore.get (createReadStream, 4 MiB). */
  const open = async (withFileHash: boolean, reads: 'reused' | 'stream') => {
    const c = cpuNow();
    const t = performance.now();
    const key = await unwrapEscrowedKeyV2(suite, Buffer.from(sealed.envelope.escrowedKey!, 'base64'), escrow.privateKey, escrow.publicKey);
    // as BidFileOpener.openWithKey: the file hash of the stored bytes (openBidV2 fileHash: from the segment workers'
    // digests for a large file, whatever the reads; else hashed as read), against the receipt's
    const source = reads === 'reused' ? fileChunks(sealedPath) : createReadStream(sealedPath, { highWaterMark: 4 * MiB });
    const opened = await openBidV2({
      suite,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      segmentSize: sealed.envelope.segmentSize,
      ciphertextLength: sealed.envelope.ciphertextLength,
      noncePrefix: Buffer.from(sealed.envelope.noncePrefix, 'base64'),
      keyCommitment: sealed.envelope.keyCommitment,
      key,
      sealed: source as AsyncIterable<Uint8Array>,
      // ignored since the eleventh pass (any source opens on the segment workers); kept so that this bench measures
      // older code (the "before" of a pass) as that code was used
      sourceReusesBuffers: reads === 'reused',
      fileHash: withFileHash,
    });
    if (withFileHash && opened.ciphertextHash !== sealed.envelope.ciphertextHash) throw new Error('the file hash differs');
    if (opened.attachments[0].size !== size) throw new Error('opened size differs');
    return { MBps: mbps(size, performance.now() - t), cpu: cpuSince(c) };
  };
  const opened = await open(false, 'reused');
  const openRss = peak - rss1;
  const platform = await open(true, 'stream');
  const platformReused = await open(true, 'reused');
  // The platform's own code: BidFileOpener.openWithEscrow over the file stored in a FsBlobStore as upload pieces.
  const platformStore = new BenchPlatform(new FsBlobStore(join(dir, `platform-${suiteId.toLowerCase()}`)));
  const bid = await platformStore.put(`bench-${suiteId.toLowerCase()}`, sealedPath, sealed.envelope, suiteId);
  const rss2 = process.memoryUsage().rss;
  peak = rss2;
  c0 = cpuNow();
  t0 = performance.now();
  const outcome = await platformStore.opener.openWithEscrow(bid, { privateKey: Buffer.from(escrow.privateKey), publicKey: Buffer.from(escrow.publicKey) });
  const platformCodeMs = performance.now() - t0;
  const platformCodeCpu = cpuSince(c0);
  const platformCodeRss = peak - rss2;
  if (!outcome.ok || outcome.record.attachments[0].size !== size) throw new Error(`the platform's opening failed: ${JSON.stringify(outcome)}`);
  rmSync(join(dir, `platform-${suiteId.toLowerCase()}`), { recursive: true, force: true });
  clearInterval(sample);
  return {
    sealedPath,
    envelope: sealed.envelope,
    escrow,
    sealMBps: mbps(size, sealMs),
    sealNullSinkMBps: mbps(size, sealNullMs),
    openMBps: opened.MBps,
    openWithFileHashMBps: platform.MBps,
    openWithFileHashReusedReadsMBps: platformReused.MBps,
    platformOpenMBps: mbps(size, platformCodeMs),
    platformOpenRssGrowthMB: Math.round(platformCodeRss / MiB),
    sealRssGrowthMB: Math.round(sealRss / MiB),
    openRssGrowthMB: Math.round(openRss / MiB),
    cpu: {
      seal: sealCpu,
      sealNullSink: sealNullCpu,
      open: opened.cpu,
      openWithFileHash: platform.cpu,
      openWithFileHashReusedReads: platformReused.cpu,
      platformOpen: platformCodeCpu,
    },
  };
}

async function rawLoopbackCopy(path: string, dir: string): Promise<number> {
  const server = http.createServer((req, res) => {
    void pipeline(req, createWriteStream(join(dir, 'loopback-copy'))).then(() => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const size = statSync(path).size;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'PUT', path: '/', headers: { 'Content-Length': size } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    createReadStream(path, { highWaterMark: MiB }).pipe(req);
  });
  const ms = performance.now() - t0;
  server.close();
  return mbps(size, ms);
}

/** 5: many bid files sealed into the fs blob store, then opened by escrow one by one by the platform's code (as close-decryption-window). */
async function escrowOpenMany(dir: string, files: number, fileMb: number, log: (s: string) => void) {
  const suite = nodeSuite('INTL-1');
  const k = generateEscrowKeyPair();
  const escrow = { privateKey: Buffer.from(k.privateKey, 'base64'), publicKey: Buffer.from(k.publicKey, 'base64') };
  const plain = join(dir, 'plain-many');
  await writeRandomFile(plain, fileMb * MiB);
  const platform = new BenchPlatform(new FsBlobStore(join(dir, 'blobs')));
  const bids: SealedFileBid[] = [];
  for (let i = 0; i < files; i++) {
    const tmp = join(dir, 'sealed-many');
    const out = createWriteStream(tmp, { highWaterMark: 4 * MiB });
    const sealed = await sealBidV2({
      suite,
      tenderId: TENDER,
      bidderOrganizationId: ORG,
      bid: { price: `${1000 + i}.00`, currency: 'CNY' },
      attachments: [{ name: 'bid.bin', size: fileMb * MiB, content: createReadStream(plain, { highWaterMark: 4 * MiB }) }],
      escrowPublicKey: escrow.publicKey,
      write: async (x) => {
        if (!out.write(x)) await once(out, 'drain');
      },
    });
    out.end();
    await once(out, 'finish');
    bids.push(await platform.put(`many-${i}`, tmp, sealed.envelope, 'INTL-1'));
  }
  log(`   sealed ${files} × ${fileMb} MiB into the fs blob store (4 MiB upload pieces); opening them by escrow one by one`);
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  let peak = rss0;
  let heapPeak = heap0;
  const sample = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 50);
  const c0 = cpuNow();
  const t0 = performance.now();
  for (const b of bids) {
    // BidFileOpener.openWithEscrow: unwrap, stream the pieces from the store through openBidV2 and the file hash
    const r = await platform.opener.openWithEscrow(b, escrow);
    if (!r.ok || r.record.attachments[0].size !== fileMb * MiB) throw new Error(`escrow opening: a file did not open (${JSON.stringify(r)})`);
  }
  const ms = performance.now() - t0;
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    files,
    fileMb,
    openMBps: mbps(files * fileMb * MiB, ms),
    rssGrowthMB: Math.round((peak - rss0) / MiB),
    heapGrowthMB: Math.round((heapPeak - heap0) / MiB),
    cpu: cpuSince(c0),
  };
}

export async function runBidFilesBench(
  opts: { mb?: number; gmMb?: number; escrowFiles?: number; escrowFileMb?: number; log?: (s: string) => void } = {},
): Promise<BidFilesBenchResult> {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const mb = opts.mb ?? 500;
  const gmMb = opts.gmMb ?? 50;
  const dir = mkdtempSync(join(tmpdir(), 'bid-files-bench-'));
  try {
    const la = loadavg().map((x) => Math.round(x * 100) / 100);
    log(`   load average at start: ${la.join(' ')}`);
    const plain = join(dir, 'plain');
    await writeRandomFile(plain, mb * MiB);
    // the disk alone: the plaintext copied file → file (read and write streams as sealing uses), no crypto
    const copyC0 = cpuNow();
    const copyT0 = performance.now();
    await pipeline(createReadStream(plain, { highWaterMark: 4 * MiB }), createWriteStream(join(dir, 'plain-copy'), { highWaterMark: 4 * MiB }));
    const rawFileCopyMBps = mbps(mb * MiB, performance.now() - copyT0);
    const copyCpu = cpuSince(copyC0);
    rmSync(join(dir, 'plain-copy'), { force: true });
    const rawRun = rawAesGcm(mb * MiB);
    const raw = rawRun.MBps;
    const cpu = (c: CpuSplit) => `CPU main ${c.mainMs} ms, other threads ${c.otherMs} ms`;
    const pct = (x: number) => `${Math.round((x / raw) * 100)}% of raw`;
    log(`   raw file copy (disk read + write, no crypto): ${rawFileCopyMBps} MiB/s (${cpu(copyCpu)})`);
    log(`   raw AES-256-GCM: ${raw} MiB/s (${cpu(rawRun.cpu)})`);
    const rawInPlace = rawAesGcmInPlace(mb * MiB);
    log(`   raw AES-256-GCM without an output buffer per call (256 KiB pieces, latin1 in place): ${rawInPlace.MBps} MiB/s (${cpu(rawInPlace.cpu)})`);
    const sha = rawSha256(mb * MiB);
    log(`   raw SHA-256 (1 MiB calls, from memory): ${sha.MBps} MiB/s (${cpu(sha.cpu)})`);
    const rawFile = await rawAesGcmFromFile(plain, mb * MiB);
    log(`   raw AES-256-GCM over the file, same reads as sealing (4 MiB reads, reused buffers): ${rawFile.MBps} MiB/s (${cpu(rawFile.cpu)})`);
    const intl = await sealAndOpen('INTL-1', dir, plain, mb * MiB);
    log(`   INTL-1 ${mb} MiB seal, file → file: ${intl.sealMBps} MiB/s, ${pct(intl.sealMBps)} (RSS +${intl.sealRssGrowthMB} MB; ${cpu(intl.cpu.seal)})`);
    log(
      `   INTL-1 ${mb} MiB seal, file → null sink (read, encrypt, hash; no disk write): ${intl.sealNullSinkMBps} MiB/s, ${pct(intl.sealNullSinkMBps)} (${cpu(intl.cpu.sealNullSink)})`,
    );
    log(
      `   INTL-1 ${mb} MiB escrow open (unwrap, decrypt from disk, attachment SHA-256): ${intl.openMBps} MiB/s, ${pct(intl.openMBps)} (RSS +${intl.openRssGrowthMB} MB; ${cpu(intl.cpu.open)})`,
    );
    log(
      `   INTL-1 ${mb} MiB escrow open as the platform (the above + file hash against the receipt's; reads as FsBlobStore.get): ${intl.openWithFileHashMBps} MiB/s, ${pct(intl.openWithFileHashMBps)} (${cpu(intl.cpu.openWithFileHash)})`,
    );
    log(
      `   INTL-1 ${mb} MiB escrow open + file hash, reused read buffers: ${intl.openWithFileHashReusedReadsMBps} MiB/s, ${pct(intl.openWithFileHashReusedReadsMBps)} (${cpu(intl.cpu.openWithFileHashReusedReads)})`,
    );
    log(
      `   INTL-1 ${mb} MiB escrow open by the platform's code (BidFileOpener.openWithEscrow, FsBlobStore, 4 MiB upload pieces): ${intl.platformOpenMBps} MiB/s, ${pct(intl.platformOpenMBps)} (RSS +${intl.platformOpenRssGrowthMB} MB; ${cpu(intl.cpu.platformOpen)})`,
    );
    const gmPlain = join(dir, 'plain-gm');
    await writeRandomFile(gmPlain, gmMb * MiB);
    const gmRaw = rawGm(gmMb * MiB);
    const gmPath = nodeSuite('GM-1').createSegmentSealer ? 'node:crypto' : 'sm-crypto-v2';
    log(
      `   GM-1 raw on node:crypto (1 MiB calls): SM4-GCM ${gmRaw.sm4Gcm ? `${gmRaw.sm4Gcm.MBps} MiB/s` : 'absent'}, SM3 ${gmRaw.sm3 ? `${gmRaw.sm3.MBps} MiB/s` : 'absent'}; the SDK's GM-1 path: ${gmPath}`,
    );
    const gm = await sealAndOpen('GM-1', dir, gmPlain, gmMb * MiB);
    log(
      `   GM-1 ${gmMb} MiB: seal ${gm.sealMBps} MiB/s (null sink ${gm.sealNullSinkMBps}), escrow open ${gm.openMBps} MiB/s (as the platform ${gm.openWithFileHashMBps}; the platform's code ${gm.platformOpenMBps})`,
    );
    log(
      `   GM-1 ${gmMb} MiB CPU: seal null sink ${cpu(gm.cpu.sealNullSink)}; escrow open ${cpu(gm.cpu.open)}; as the platform (a new buffer per read) ${cpu(gm.cpu.openWithFileHash)}; the platform's code ${cpu(gm.cpu.platformOpen)}`,
    );
    const loop = await rawLoopbackCopy(intl.sealedPath, dir);
    const s3 = await startTestS3();
    const store = new S3BlobStore(s3.options);
    const size = statSync(intl.sealedPath).size;
    let t0 = performance.now();
    await store.put('bench/sealed', createReadStream(intl.sealedPath, { highWaterMark: MiB }), size);
    const putMBps = mbps(size, performance.now() - t0);
    t0 = performance.now();
    const h = createHash('sha256');
    for await (const c of await store.get('bench/sealed')) h.update(c as Buffer);
    const getMBps = mbps(size, performance.now() - t0);
    log(`   S3 adapter (s3rver, loopback HTTP): put ${putMBps} MiB/s, get ${getMBps} MiB/s; raw loopback copy ${loop} MiB/s`);
    // The platform's code over the S3 store: the pieces come back as the HTTP client's bodies, a new buffer per read.
    const s3Platform = new BenchPlatform(store);
    const s3Open = async (suiteId: SuiteId, r: typeof intl, bytes: number) => {
      const bid = await s3Platform.put(`bench-s3-${suiteId.toLowerCase()}`, r.sealedPath, r.envelope, suiteId);
      const c = cpuNow();
      const t = performance.now();
      const outcome = await s3Platform.opener.openWithEscrow(bid, { privateKey: Buffer.from(r.escrow.privateKey), publicKey: Buffer.from(r.escrow.publicKey) });
      const ms = performance.now() - t;
      const cpuUsed = cpuSince(c);
      if (!outcome.ok || outcome.record.attachments[0].size !== bytes) throw new Error(`the platform's opening from S3 failed: ${JSON.stringify(outcome)}`);
      return { MBps: mbps(bytes, ms), cpu: cpuUsed };
    };
    const s3Intl = await s3Open('INTL-1', intl, mb * MiB);
    const s3Gm = await s3Open('GM-1', gm, gmMb * MiB);
    await s3.stop();
    log(
      `   INTL-1 ${mb} MiB escrow open by the platform's code from the S3 store (s3rver in this process, loopback HTTP, 4 MiB upload pieces; a new buffer per read): ${s3Intl.MBps} MiB/s, ${pct(s3Intl.MBps)} (${cpu(s3Intl.cpu)})`,
    );
    log(`   GM-1 ${gmMb} MiB escrow open by the platform's code from the S3 store (the same): ${s3Gm.MBps} MiB/s (${cpu(s3Gm.cpu)})`);
    rmSync(join(dir, 'loopback-copy'), { force: true });
    const escrowMany = await escrowOpenMany(dir, opts.escrowFiles ?? 200, opts.escrowFileMb ?? 20, log);
    log(
      `   escrow opening of ${escrowMany.files} × ${escrowMany.fileMb} MiB one by one from the fs blob store by the platform's code (BidFileOpener.openWithEscrow): ${escrowMany.openMBps} MiB/s, ${pct(escrowMany.openMBps)}, RSS +${escrowMany.rssGrowthMB} MB (heap +${escrowMany.heapGrowthMB} MB; ${cpu(escrowMany.cpu)})`,
    );
    const { sealedPath: _sealed, envelope: _envelope, escrow: _escrow, ...intlResult } = intl;
    void [_sealed, _envelope, _escrow];
    const laEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    log(`   load average at the end: ${laEnd.join(' ')}`);
    return {
      mb,
      gmMb,
      loadavg: la,
      loadavgEnd: laEnd,
      rawFileCopyMBps,
      rawAesGcmMBps: raw,
      rawCpu: rawRun.cpu,
      rawAesGcmFromFileMBps: rawFile.MBps,
      rawAesGcmInPlaceMBps: rawInPlace.MBps,
      rawSha256MBps: sha.MBps,
      intl: intlResult,
      gm: {
        path: gmPath,
        rawSm4GcmMBps: gmRaw.sm4Gcm?.MBps ?? null,
        rawSm3MBps: gmRaw.sm3?.MBps ?? null,
        sealMBps: gm.sealMBps,
        sealNullSinkMBps: gm.sealNullSinkMBps,
        openMBps: gm.openMBps,
        openWithFileHashMBps: gm.openWithFileHashMBps,
        platformOpenMBps: gm.platformOpenMBps,
        cpu: { seal: gm.cpu.seal, sealNullSink: gm.cpu.sealNullSink, open: gm.cpu.open, openWithFileHash: gm.cpu.openWithFileHash, platformOpen: gm.cpu.platformOpen },
      },
      s3: { putMBps, getMBps, rawLoopbackMBps: loop, platformOpen: { intlMBps: s3Intl.MBps, intlCpu: s3Intl.cpu, gmMBps: s3Gm.MBps, gmCpu: s3Gm.cpu } },
      escrowMany,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const a = process.argv.slice(2);
  const num = (f: string) => (a.includes(f) ? Number(a[a.indexOf(f) + 1]) : undefined);
  void runBidFilesBench({ mb: num('--mb'), gmMb: num('--gm-mb'), escrowFiles: num('--escrow-files'), escrowFileMb: num('--escrow-file-mb') }).then((r) =>
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
  );
}
