/**
 * The v2 plaintext (docs/SEALED_BID_FORMAT.md v2.2): u32be(len(header)) ‖ header JSON ‖ the attachments' raw bytes.
 * Written as a stream (attachments are never loaded whole) and read back as a stream at opening, which keeps only
 * each attachment's name, size and SHA-256.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { type Bytes, concatBytes, toHex, utf8, utf8DecodeStrict } from '../core/bytes';
import { isValidPrice } from '../core/format';
import { MAX_ATTACHMENTS, MAX_ATTACHMENT_NAME_LENGTH, MAX_DURATION_DAYS } from '../constants';
import { SealedBidError } from '../errors';
import { MAX_BID_FILE_HEADER_BYTES } from './constants';
import type { ByteSource } from './stream';
import type { OffThreadHash } from './suite';

export interface BidFileHeader {
  price: string;
  currency: 'CNY';
  durationDays?: number;
  attachments: Array<{ name: string; size: number }>;
}

export interface BidFileAttachmentInput {
  name: string;
  size: number;
  /** The attachment's bytes (a file stream, a Blob's stream, or a Uint8Array in a list). */
  content: ByteSource;
}

export function validateHeader(o: unknown): { ok: true; value: BidFileHeader } | { ok: false; problems: string[] } {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, problems: ['the header must be a JSON object'] };
  const h = o as Record<string, unknown>;
  const problems: string[] = [];
  if (!isValidPrice(h.price)) problems.push('price must be a decimal string with at most 2 decimals and 16 integer digits');
  if (h.currency !== 'CNY') problems.push('currency must be "CNY"');
  const value: BidFileHeader = { price: h.price as string, currency: 'CNY', attachments: [] };
  if (h.durationDays !== undefined && h.durationDays !== null) {
    const d = h.durationDays;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DURATION_DAYS) problems.push(`durationDays must be an integer from 1 to ${MAX_DURATION_DAYS}`);
    else value.durationDays = d;
  }
  const list = h.attachments ?? [];
  if (!Array.isArray(list) || list.length > MAX_ATTACHMENTS) problems.push(`attachments must be an array of at most ${MAX_ATTACHMENTS}`);
  else {
    list.forEach((a: unknown, i) => {
      const att = (typeof a === 'object' && a !== null ? a : {}) as Record<string, unknown>;
      if (typeof att.name !== 'string' || att.name.length === 0 || [...att.name].length > MAX_ATTACHMENT_NAME_LENGTH) {
        problems.push(`attachments[${i}].name must be a string of 1 to ${MAX_ATTACHMENT_NAME_LENGTH} characters`);
      }
      if (typeof att.size !== 'number' || !Number.isSafeInteger(att.size) || att.size < 0) problems.push(`attachments[${i}].size must be an integer ≥ 0`);
      value.attachments.push({ name: att.name as string, size: att.size as number });
    });
  }
  return problems.length ? { ok: false, problems } : { ok: true, value };
}

/** The header's bytes with their u32be length prefix, the header validated. */
export function headerBytes(header: BidFileHeader): Bytes {
  const checked = validateHeader(header);
  if (!checked.ok) throw new SealedBidError('INVALID_INPUT', `invalid bid: ${checked.problems.join('; ')}`, checked.problems);
  const h = checked.value;
  const ordered: Record<string, unknown> = { price: h.price, currency: h.currency };
  if (h.durationDays !== undefined) ordered.durationDays = h.durationDays;
  ordered.attachments = h.attachments.map((a) => ({ name: a.name, size: a.size }));
  const json = utf8(JSON.stringify(ordered));
  if (json.length > MAX_BID_FILE_HEADER_BYTES) throw new SealedBidError('INVALID_INPUT', 'the bid header is over 1 MiB');
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, json.length, false);
  return concatBytes(prefix, json);
}

/** The plaintext's total length (needed before sealing, to state the sealed length). */
export function bidFileLength(header: BidFileHeader): number {
  return headerBytes(header).length + header.attachments.reduce((s, a) => s + a.size, 0);
}

/** The plaintext stream: header, then each attachment's bytes, each checked against its stated size. */
export async function* bidFileStream(bid: Omit<BidFileHeader, 'attachments'>, attachments: BidFileAttachmentInput[]): AsyncGenerator<Bytes> {
  yield headerBytes({ ...bid, attachments: attachments.map((a) => ({ name: a.name, size: a.size })) });
  for (const a of attachments) {
    let n = 0;
    for await (const chunk of a.content) {
      n += chunk.length;
      if (n > a.size) throw new SealedBidError('INVALID_INPUT', `attachment ${a.name} is longer than its stated size ${a.size}`);
      yield chunk;
    }
    if (n !== a.size) throw new SealedBidError('INVALID_INPUT', `attachment ${a.name} has ${n} bytes, not ${a.size}`);
  }
}

export interface OpenedBidFile {
  price: string;
  currency: 'CNY';
  durationDays?: number;
  attachments: Array<{ name: string; size: number; sha256: string }>;
}

const failed = (m: string, d: string[] = []) => new SealedBidError('DECRYPTION_FAILED', m, d);

/**
 * Reads a v2 plaintext stream (the output of openSegments): the header, then the attachments, hashing each with
 * SHA-256 on the way. DECRYPTION_FAILED for a header that breaks the rules or bytes that do not match the sizes.
 * `onAttachmentChunk` receives the plaintext bytes of each attachment (e.g. a bidder saving its files).
 */
export async function readBidFile(
  plaintext: AsyncIterable<Bytes>,
  onAttachmentChunk?: (index: number, chunk: Bytes) => void | Promise<void>,
  createSha256: () => { update(data: Bytes): unknown; digest(): Bytes } = () => sha256.create(),
  /** An attachment's SHA-256 on another thread (suite.offThread), or null to hash it here; by the attachment's size. */
  offThreadSha256?: (size: number) => OffThreadHash<Bytes> | null,
): Promise<OpenedBidFile> {
  let head: Bytes = new Uint8Array(0);
  let header: BidFileHeader | null = null;
  let index = 0;
  let remaining = 0;
  type Hasher = { update(data: Bytes): unknown; digest(): Bytes | Promise<Bytes>; abort?: () => void };
  const newHasher = (size: number): Hasher => offThreadSha256?.(size) ?? createSha256();
  let hasher: Hasher = createSha256();
  const out: OpenedBidFile['attachments'] = [];
  const digests: Array<Promise<string>> = [];
  const closeFinished = () => {
    while (header && index < header.attachments.length && remaining === 0) {
      digests.push(Promise.resolve(hasher.digest()).then(toHex));
      digests[digests.length - 1].catch(() => undefined); // awaited below
      out.push({ ...header.attachments[index], sha256: '' });
      index++;
      remaining = index < header.attachments.length ? header.attachments[index].size : 0;
      hasher = index < header.attachments.length ? newHasher(remaining) : createSha256();
    }
  };
  let h: BidFileHeader;
  try {
    await readBody();
    if (!header) throw failed('the bid file ends inside its header');
    h = header;
    if (index < h.attachments.length) throw failed('the bid file ends inside an attachment');
  } catch (e) {
    hasher.abort?.();
    throw e;
  }
  const hex = await Promise.all(digests);
  out.forEach((a, i) => (a.sha256 = hex[i]));
  const result: OpenedBidFile = { price: h.price, currency: 'CNY', attachments: out };
  if (h.durationDays !== undefined) result.durationDays = h.durationDays;
  return result;

  async function readBody(): Promise<void> {
    for await (let chunk of plaintext) {
      if (!header) {
        head = concatBytes(head, chunk);
        if (head.length < 4) continue;
        const len = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0, false);
        if (len > MAX_BID_FILE_HEADER_BYTES) throw failed('the bid header is over 1 MiB');
        if (head.length < 4 + len) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(utf8DecodeStrict(head.subarray(4, 4 + len)));
        } catch {
          throw failed('the bid header is not UTF-8 JSON');
        }
        const checked = validateHeader(parsed);
        if (!checked.ok) throw failed(`the bid header is not format v2: ${checked.problems.join('; ')}`, checked.problems);
        header = checked.value;
        chunk = head.subarray(4 + len);
        remaining = header.attachments[0]?.size ?? 0;
        if (header.attachments.length) hasher = newHasher(remaining);
        closeFinished();
      }
      let at = 0;
      while (at < chunk.length) {
        if (index >= header.attachments.length) throw failed('bytes after the last attachment');
        const n = Math.min(remaining, chunk.length - at);
        const piece = chunk.subarray(at, at + n);
        const updating = hasher.update(piece);
        if (updating instanceof Promise) await updating; // an off-thread hash: bounded backlog
        if (onAttachmentChunk) await onAttachmentChunk(index, piece);
        remaining -= n;
        at += n;
        closeFinished();
      }
    }
  }
}
