/**
 * The bidder's side of the resumable upload (docs/SEALED_BID_FORMAT.md v2.6), platform-free (fetch only): the
 * console seals and uploads with it. sealAndUploadV2 seals twice with the same key and nonce prefix — the first pass
 * only hashes (the file hash must be stated when the upload is created, v2.4), the second cuts the identical sealed
 * bytes into pieces and sends each as it fills — so neither the plaintext nor the sealed file is ever held whole:
 * at most one piece and two segments. A piece that fails (network error, 5xx, 409 offset mismatch) is retried after
 * asking the platform where to resume (HEAD Upload-Offset); the piece's bytes are still at hand, so only its unstored
 * rest is sent again. When the retries run out, the error (BidUploadInterruptedError) carries what resumeUploadV2 needs
 * to continue later from the platform's offset — the key and nonce prefix, not the sealed bytes.
 */
import { base64DecodeStrict, type Bytes } from '../core/bytes';
import { SealedBidError } from '../errors';
import { bidFileLength, type BidFileAttachmentInput, type BidFileHeader } from './bid-file';
import { ciphertextLengthFor, DEFAULT_SEGMENT_SIZE } from './constants';
import { type BidReceiptV2, sealBidV2, type SealedEnvelopeV2 } from './envelope';
import type { SuitePrimitives } from './suite';

/** Where and as whom: `url` is `<origin>/api/v1/tenders/{id}/bid-uploads`. */
export interface UploadTransport {
  url: string;
  headers: () => Record<string, string>;
  fetch?: typeof fetch;
}

/** A refusal by the platform (status and the API's code) or a network failure (status 0, NETWORK_ERROR). */
export class BidUploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
  ) {
    super(`${code}: ${message}`);
    this.name = 'BidUploadError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Transient: worth asking for the offset and trying the piece again. */
const transient = (e: unknown) => e instanceof BidUploadError && (e.status === 0 || e.status >= 500 || e.code === 'UPLOAD_OFFSET_MISMATCH');

export interface RetryInfo {
  /** The piece's first byte in the sealed file. */
  pieceStart: number;
  attempt: number;
  error: BidUploadError;
  /** Where the platform says to resume (known once HEAD answered). */
  resumeAt?: number;
}

export class ResumableBidUpload {
  private constructor(
    private readonly t: UploadTransport,
    readonly uploadId: string,
    readonly length: number,
    /** Bytes the platform has stored. */
    public offset: number,
  ) {}

  private async call(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await (this.t.fetch ?? fetch)(`${this.t.url}${path}`, { ...init, headers: { ...this.t.headers(), ...(init.headers as Record<string, string>) } });
    } catch (e) {
      throw new BidUploadError(0, 'NETWORK_ERROR', (e as Error).message);
    }
    if (!res.ok) {
      let body: { code?: string; message?: string; details?: unknown[] } = {};
      try {
        body = (await res.json()) as typeof body;
      } catch {
        /* no JSON body (HEAD, a proxy's page) */
      }
      throw new BidUploadError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText, body.details);
    }
    return res;
  }

  /** POST: the envelope (and `client`, and the lot `lotNo` bid for: default 1) → a new upload at offset 0. */
  static async create(t: UploadTransport, body: SealedEnvelopeV2 & { client: object; lotNo?: number }): Promise<ResumableBidUpload> {
    const probe = new ResumableBidUpload(t, '', body.ciphertextLength, 0);
    const res = await probe.call('', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
    const v = (await res.json()) as { uploadId: string; offset: number; length: number };
    return new ResumableBidUpload(t, v.uploadId, v.length, v.offset);
  }

  /** An upload created earlier (an interrupted run): HEAD tells its length and where to resume. */
  static async resume(t: UploadTransport, uploadId: string): Promise<ResumableBidUpload> {
    const u = new ResumableBidUpload(t, uploadId, 0, 0);
    const res = await u.call(`/${uploadId}`, { method: 'HEAD', cache: 'no-store' });
    const offset = Number(res.headers.get('upload-offset'));
    const length = Number(res.headers.get('upload-length'));
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) throw new BidUploadError(res.status, 'HTTP_BAD_OFFSET', 'no Upload-Offset / Upload-Length in the answer');
    return new ResumableBidUpload(t, uploadId, length, offset);
  }

  /** HEAD: the bytes stored so far (where to resume). */
  async currentOffset(): Promise<number> {
    const res = await this.call(`/${this.uploadId}`, { method: 'HEAD', cache: 'no-store' });
    const n = Number(res.headers.get('upload-offset'));
    if (!Number.isSafeInteger(n) || n < 0) throw new BidUploadError(res.status, 'HTTP_BAD_OFFSET', 'no Upload-Offset in the answer');
    this.offset = n;
    return n;
  }

  /** One PATCH of `bytes` at `at` (= the bytes stored); answers the new offset. */
  private async patch(at: number, bytes: Bytes): Promise<number> {
    const res = await this.call(`/${this.uploadId}`, {
      method: 'PATCH',
      headers: { 'Upload-Offset': String(at), 'Content-Type': 'application/offset+octet-stream' },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    const n = Number(res.headers.get('upload-offset'));
    this.offset = Number.isSafeInteger(n) ? n : at + bytes.length;
    return this.offset;
  }

  /**
   * Sends the piece starting at `pieceStart` until the platform has all of it. On a transient failure: wait (1 s,
   * 2 s, 4 s …), ask HEAD where to resume, send the rest of the piece from there. Gives up after `retries` tries.
   */
  async sendPiece(pieceStart: number, piece: Bytes, o: { retries?: number; onRetry?: (i: RetryInfo) => void; baseDelayMs?: number } = {}): Promise<void> {
    const end = pieceStart + piece.length;
    let at = pieceStart;
    for (let attempt = 1; ; attempt++) {
      try {
        if (at < end) at = await this.patch(at, piece.subarray(at - pieceStart));
        if (at !== end) throw new BidUploadError(409, 'UPLOAD_OFFSET_MISMATCH', `stored up to ${at}, the piece ends at ${end}`);
        return;
      } catch (e) {
        if (!transient(e) || attempt > (o.retries ?? 5)) throw e;
        const info: RetryInfo = { pieceStart, attempt, error: e as BidUploadError };
        o.onRetry?.(info);
        await sleep((o.baseDelayMs ?? 1000) * 2 ** (attempt - 1));
        try {
          at = await this.currentOffset();
        } catch (h) {
          if (!transient(h)) throw h;
          continue; // still unreachable: the next try asks again
        }
        // The platform never stores less than it acknowledged, so the offset lies within this piece.
        if (at < pieceStart || at > end) throw new BidUploadError(409, 'UPLOAD_OFFSET_MISMATCH', `the platform has ${at} bytes; this piece is ${pieceStart}–${end}`);
        o.onRetry?.({ ...info, resumeAt: at });
      }
    }
  }

  /** POST …/finalize → the v2 receipt (the submission moment is the platform's database clock). */
  async finalize(): Promise<BidReceiptV2> {
    return (await (await this.call(`/${this.uploadId}/finalize`, { method: 'POST', headers: { Accept: 'application/json' } })).json()) as BidReceiptV2;
  }
}

export interface SealAndUploadProgress {
  phase: 'seal' | 'upload' | 'finalize';
  done: number;
  total: number;
}

export interface SealAndUploadV2Input {
  suite: SuitePrimitives;
  tenderId: string;
  bidderOrganizationId: string;
  bid: Omit<BidFileHeader, 'attachments'>;
  /** Called once per pass: fresh streams of the same bytes (e.g. `files.map(f => ({ …, content: blobChunks(f) }))`). */
  attachments: () => BidFileAttachmentInput[];
  escrowPublicKey?: Bytes;
  client: object;
  /** 标段: the lot bid for (sent as `lotNo`; omitted: the platform's default, lot 1). */
  lotNo?: number;
  transport: UploadTransport;
  /** Bytes per PATCH (default 4 MiB). */
  pieceSize?: number;
  segmentSize?: number;
  onProgress?: (p: SealAndUploadProgress) => void;
  onRetry?: (i: RetryInfo) => void;
  retries?: number;
  baseDelayMs?: number;
}

export interface SealedAndUploaded {
  envelope: SealedEnvelopeV2;
  key: Bytes;
  receipt: BidReceiptV2;
  uploadId: string;
}

/**
 * What resuming an abandoned upload needs (kept in the caller's memory, never sent): the upload, the envelope it was
 * created with, and the bid key — the nonce prefix and key re-seal the same bytes from the same files, so neither the
 * plaintext nor the sealed file is held whole while the bidder decides to resume.
 */
export interface PendingBidUpload {
  uploadId: string;
  envelope: SealedEnvelopeV2;
  key: Bytes;
  total: number;
}

/**
 * The upload gave up after its retries (or the finalisation could not reach the platform): the upload is still open
 * on the platform; resumeUploadV2(input, e.pending) asks where it stopped (HEAD) and continues from there.
 */
export class BidUploadInterruptedError extends BidUploadError {
  constructor(
    readonly failure: BidUploadError,
    readonly pending: PendingBidUpload,
  ) {
    super(failure.status, failure.code, failure.message.slice(failure.code.length + 2), failure.details);
    this.name = 'BidUploadInterruptedError';
  }
}

/** A transient failure of an upload that exists becomes resumable; anything else is thrown as it is. */
const interrupted = (e: unknown, pending: PendingBidUpload) =>
  transient(e) && !(e instanceof BidUploadInterruptedError) ? new BidUploadInterruptedError(e as BidUploadError, pending) : e;

export async function sealAndUploadV2(input: SealAndUploadV2Input): Promise<SealedAndUploaded> {
  const segmentSize = input.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  const first = input.attachments();
  const total = ciphertextLengthFor(bidFileLength({ ...input.bid, attachments: first.map((a) => ({ name: a.name, size: a.size })) }), segmentSize);

  // Pass 1: the envelope (file hash, commitment, escrowed key); the sealed bytes are counted and dropped.
  let sealedBytes = 0;
  const sealed = await sealBidV2({
    suite: input.suite,
    tenderId: input.tenderId,
    bidderOrganizationId: input.bidderOrganizationId,
    bid: input.bid,
    segmentSize,
    attachments: first,
    escrowPublicKey: input.escrowPublicKey,
    write: (s) => {
      sealedBytes += s.length;
      input.onProgress?.({ phase: 'seal', done: sealedBytes, total });
    },
    writeConsumes: true,
  });
  const upload = await ResumableBidUpload.create(input.transport, {
    ...sealed.envelope,
    client: input.client,
    ...(input.lotNo === undefined ? {} : { lotNo: input.lotNo }),
  });
  return uploadSealed(input, upload, { uploadId: upload.uploadId, envelope: sealed.envelope, key: sealed.key, total });
}

/**
 * Continues an upload abandoned after its retries (BidUploadInterruptedError.pending), with the same input (the same
 * files): HEAD tells how much the platform stored; the files are sealed again with the same key and nonce prefix
 * (identical bytes), the stored part is skipped, the rest sent, and the upload finalised.
 */
export async function resumeUploadV2(input: SealAndUploadV2Input, pending: PendingBidUpload): Promise<SealedAndUploaded> {
  let upload: ResumableBidUpload;
  try {
    upload = await ResumableBidUpload.resume(input.transport, pending.uploadId);
  } catch (e) {
    throw interrupted(e, pending);
  }
  if (upload.length !== pending.total) throw new BidUploadError(409, 'UPLOAD_OFFSET_MISMATCH', `the upload is ${upload.length} bytes, the sealed file ${pending.total}`);
  return uploadSealed(input, upload, pending);
}

/** Pass 2: the same key and nonce prefix give the same bytes; from the platform's offset on, each full piece is sent before sealing goes on. */
async function uploadSealed(input: SealAndUploadV2Input, upload: ResumableBidUpload, pending: PendingBidUpload): Promise<SealedAndUploaded> {
  const { total, envelope } = pending;
  const from = upload.offset;
  input.onProgress?.({ phase: 'upload', done: from, total });
  try {
    if (from < total) {
      const piece = new Uint8Array(Math.min(input.pieceSize ?? 4 * 1024 * 1024, total - from));
      let fill = 0;
      let pieceStart = from;
      let position = 0; // in the sealed file
      const flush = async () => {
        await upload.sendPiece(pieceStart, piece.subarray(0, fill), { retries: input.retries, onRetry: input.onRetry, baseDelayMs: input.baseDelayMs });
        pieceStart += fill;
        fill = 0;
        input.onProgress?.({ phase: 'upload', done: pieceStart, total });
      };
      const again = await sealBidV2({
        suite: input.suite,
        tenderId: input.tenderId,
        bidderOrganizationId: input.bidderOrganizationId,
        bid: input.bid,
        segmentSize: envelope.segmentSize,
        attachments: input.attachments(),
        key: pending.key,
        noncePrefix: base64DecodeStrict(envelope.noncePrefix)!,
        write: async (segment) => {
          let at = Math.min(segment.length, Math.max(0, from - position)); // the platform has these bytes already
          position += segment.length;
          while (at < segment.length) {
            const n = Math.min(piece.length - fill, segment.length - at);
            piece.set(segment.subarray(at, at + n), fill);
            fill += n;
            at += n;
            if (fill === piece.length) await flush();
          }
        },
        writeConsumes: true, // copied into the piece
      });
      if (fill > 0) await flush();
      if (again.envelope.ciphertextHash !== envelope.ciphertextHash) {
        // The file changed on disk between the passes: the platform would refuse it (UPLOAD_HASH_MISMATCH) anyway.
        throw new SealedBidError('INVALID_INPUT', 'the attachment changed while it was being sealed; choose the file again');
      }
    }
    input.onProgress?.({ phase: 'finalize', done: total, total });
    const receipt = await upload.finalize();
    return { envelope, key: pending.key, receipt, uploadId: upload.uploadId };
  } catch (e) {
    throw interrupted(e, pending);
  }
}
