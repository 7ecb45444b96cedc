/**
 * Format v2 above the segments: key commitment, the envelope the receipt signs, sealing a whole bid file and opening
 * one (docs/SEALED_BID_FORMAT.md v2.4–v2.7). Written once for Node, the CLI, the server and the browser.
 */
import { base64DecodeStrict, base64Encode, type Bytes, concatBytes, equalBytes, fromHex, toHex, utf8 } from '../core/bytes';
import { assertSealingIds, bidAadBytes } from '../core/format';
import { SealedBidError } from '../errors';
import {
  ciphertextLengthFor,
  DEFAULT_SEGMENT_SIZE,
  ENVELOPE_V2_DOMAIN,
  ESCROWED_KEY_BYTES_V2,
  isValidCiphertextLength,
  isValidSegmentSize,
  keyCommitmentLabel,
  NONCE_PREFIX_BYTES,
  type SuiteId,
} from './constants';
import { type BidFileAttachmentInput, type BidFileHeader, bidFileLength, bidFileStream, type OpenedBidFile, readBidFile } from './bid-file';
import { type ByteSource, FileHasher, openSegments, sealSegments, type SlotHolds, usesSegmentEngine } from './stream';
import type { OffThreadHash, SuitePrimitives } from './suite';

/** A copy the receiver may keep (of a slot the SDK reuses). */
const copyOf = (b: Bytes): Bytes => {
  const c = new Uint8Array(b.length);
  c.set(b);
  return c;
};

export async function keyCommitmentV2(suite: SuitePrimitives, key: Bytes): Promise<string> {
  if (key.length !== suite.keyBytes) throw new SealedBidError('INVALID_INPUT', `key must be ${suite.keyBytes} bytes for ${suite.id}`);
  return toHex(await suite.hash(concatBytes(utf8(keyCommitmentLabel(suite.id)), key)));
}

/** Constant-time; false (never an exception) for a malformed key or commitment. */
export async function verifyKeyCommitmentV2(suite: SuitePrimitives, key: Bytes | null, commitment: string): Promise<boolean> {
  const ok = key !== null && key.length === suite.keyBytes && typeof commitment === 'string' && /^[0-9a-f]{64}$/.test(commitment);
  const actual = await suite.hash(concatBytes(utf8(keyCommitmentLabel(suite.id)), ok ? key! : new Uint8Array(suite.keyBytes)));
  const expected = ok ? (fromHex(commitment) as Bytes) : new Uint8Array(32);
  return equalBytes(actual, expected) && ok;
}

/** What a bidder sends to create an upload (v2.6 step 1), besides `client`. */
export interface SealedEnvelopeV2 {
  formatVersion: 2;
  suite: SuiteId;
  segmentSize: number;
  ciphertextLength: number;
  ciphertextHash: string;
  /** base64 of 7 bytes. */
  noncePrefix: string;
  keyCommitment: string;
  /** base64; needed for the escrow decryption modes. */
  escrowedKey?: string;
}

export interface EnvelopeV2Fields {
  bidId: string;
  version: number;
  tenderId: string;
  bidderOrganizationId: string;
  suite: SuiteId;
  segmentSize: number;
  ciphertextLength: number;
  ciphertextHash: string;
  noncePrefix: Bytes;
  keyCommitment: string;
  /** As stored (null when discarded in BIDDER mode). */
  escrowedKey: Bytes | null;
  receivedAt: string;
}

/** v2.5: the UTF-8 of every stored field joined with '|'. */
export function envelopeV2Bytes(f: EnvelopeV2Fields): Bytes {
  const parts = [
    ENVELOPE_V2_DOMAIN,
    f.bidId,
    String(f.version),
    f.tenderId,
    f.bidderOrganizationId,
    f.suite,
    String(f.segmentSize),
    String(f.ciphertextLength),
    f.ciphertextHash,
    base64Encode(f.noncePrefix),
    f.keyCommitment,
    f.escrowedKey ? base64Encode(f.escrowedKey) : '',
    f.receivedAt,
  ];
  if (!Number.isSafeInteger(f.version) || f.version < 1) throw new SealedBidError('INVALID_INPUT', 'version must be a positive integer');
  if (parts.some((p, i) => p.includes('|') || (p === '' && i !== 11))) {
    throw new SealedBidError('INVALID_INPUT', "envelope fields must be non-empty and free of '|'");
  }
  return utf8(parts.join('|'));
}

export interface BidReceiptV2 {
  bidId: string;
  version: number;
  receivedAt: string;
  formatVersion: 2;
  suite: SuiteId;
  ciphertextHash: string;
  ciphertextLength: number;
  envelopeHash: string;
  envelopeSignature: string;
  escrowedKeyStored: boolean;
}

/**
 * True when the platform signed this receipt for exactly the envelope the bidder sent (escrowed key included when
 * the receipt says it was stored). `receiptPublicKey`: Ed25519 SPKI DER (INTL-1) or the SM2 point (GM-1).
 */
export async function verifyReceiptV2(input: {
  suite: SuitePrimitives;
  receipt: BidReceiptV2;
  tenderId: string;
  bidderOrganizationId: string;
  envelope: SealedEnvelopeV2;
  receiptPublicKey: Bytes;
}): Promise<boolean> {
  const { receipt: r, envelope: e, suite } = input;
  if (typeof r !== 'object' || r === null || r.formatVersion !== 2 || r.suite !== suite.id || e.suite !== suite.id) return false;
  if (r.ciphertextHash !== e.ciphertextHash || r.ciphertextLength !== e.ciphertextLength) return false;
  const noncePrefix = base64DecodeStrict(e.noncePrefix);
  const escrowed = r.escrowedKeyStored ? (e.escrowedKey ? base64DecodeStrict(e.escrowedKey) : null) : null;
  const signature = typeof r.envelopeSignature === 'string' ? base64DecodeStrict(r.envelopeSignature) : null;
  if (!noncePrefix || !signature || (r.escrowedKeyStored && !escrowed)) return false;
  let bytes: Bytes;
  try {
    bytes = envelopeV2Bytes({
      bidId: r.bidId,
      version: r.version,
      tenderId: input.tenderId,
      bidderOrganizationId: input.bidderOrganizationId,
      suite: suite.id,
      segmentSize: e.segmentSize,
      ciphertextLength: e.ciphertextLength,
      ciphertextHash: e.ciphertextHash,
      noncePrefix,
      keyCommitment: e.keyCommitment,
      escrowedKey: escrowed,
      receivedAt: r.receivedAt,
    });
  } catch {
    return false;
  }
  if (toHex(await suite.hash(bytes)) !== r.envelopeHash) return false;
  try {
    return await suite.verifySignature(input.receiptPublicKey, bytes, signature);
  } catch {
    return false;
  }
}

// ── sealing ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface SealBidV2Input {
  suite: SuitePrimitives;
  tenderId: string;
  bidderOrganizationId: string;
  bid: Omit<BidFileHeader, 'attachments'>;
  attachments: BidFileAttachmentInput[];
  /** The tender's escrow public key of this suite (X25519 32 bytes, or SM2 65 bytes). */
  escrowPublicKey?: Bytes;
  segmentSize?: number;
  /**
   * Receives the sealed file in order (write it to a file, a Blob list, an upload…): each sealed segment whole, or,
   * for a large file hashed on another thread (Node, suite.offThread), each segment's pieces as the cipher gives them.
   */
  write: (segment: Bytes) => void | Promise<void>;
  /**
   * write() is done with the segment when it returns or its promise settles (it copied it, or wrote it out and
   * waited): the SDK may then reuse the segment's memory, which lets a large file be sealed on worker threads
   * with no buffer allocated per segment (Node; see fileSink in src/sdk/v2/node-file.ts). Otherwise each segment
   * handed to write() is the caller's to keep.
   */
  writeConsumes?: boolean;
  /**
   * Deterministic inputs: test vectors, and a second pass that re-seals the same bytes (sealAndUploadV2 uploads on
   * the second pass what the first one hashed). Never reuse a key and prefix for different plaintext.
   */
  key?: Bytes;
  noncePrefix?: Bytes;
}

export interface SealedBidV2 {
  envelope: SealedEnvelopeV2;
  /** The bid key: keep it secret until opening. */
  key: Bytes;
  plaintextLength: number;
}

/** Seals a bid file as a stream (v2.2–v2.4): never more than two segments in memory. */
export async function sealBidV2(input: SealBidV2Input): Promise<SealedBidV2> {
  assertSealingIds(input.tenderId, input.bidderOrganizationId);
  const { suite } = input;
  const segmentSize = input.segmentSize ?? DEFAULT_SEGMENT_SIZE;
  if (!isValidSegmentSize(segmentSize)) throw new SealedBidError('INVALID_INPUT', 'segmentSize must be a power of two from 4096 to 16 MiB');
  const key = input.key ?? (await suite.randomBytes(suite.keyBytes));
  const noncePrefix = input.noncePrefix ?? (await suite.randomBytes(NONCE_PREFIX_BYTES));
  const header: BidFileHeader = { ...input.bid, attachments: input.attachments.map((a) => ({ name: a.name, size: a.size })) };
  const plaintextLength = bidFileLength(header);
  const aad = bidAadBytes(input.tenderId, input.bidderOrganizationId);
  // A large file is sealed and hashed on worker threads (suite.offThread.segments: each segment's digest comes
  // with it), or hashed on another thread (suite.offThread.fileHasher) while this one encrypts.
  const engine = usesSegmentEngine({ suite, length: plaintextLength, reuse: true });
  const hasher = engine ? new FileHasher(suite, segmentSize) : new FileHasher(suite, segmentSize, ciphertextLengthFor(plaintextLength, segmentSize));
  const write = engine && !input.writeConsumes ? (s: Bytes) => input.write(copyOf(s)) : input.write;
  let written = 0;
  let digested = 0;
  const onSegmentDigest = hasher.offThread
    ? undefined
    : (d: Bytes) => {
        hasher.addSegmentDigest(d);
        digested++;
      };
  let ciphertextHash: string;
  try {
    for await (const segment of sealSegments(
      { suite, key, noncePrefix, aad, segmentSize, length: plaintextLength, onSegmentDigest, pieces: hasher.offThread, reuse: engine },
      bidFileStream(input.bid, input.attachments),
    )) {
      if (digested > 0) {
        hasher.addLength(segment.length); // its digest came with it
        digested--;
      } else await hasher.update(segment);
      written += segment.length;
      await write(segment);
    }
    if (written !== ciphertextLengthFor(plaintextLength, segmentSize)) throw new SealedBidError('INVALID_INPUT', 'internal: sealed length mismatch');
    ciphertextHash = await hasher.digestHex();
  } finally {
    hasher.dispose();
  }
  const envelope: SealedEnvelopeV2 = {
    formatVersion: 2,
    suite: suite.id,
    segmentSize,
    ciphertextLength: written,
    ciphertextHash,
    noncePrefix: base64Encode(noncePrefix),
    keyCommitment: await keyCommitmentV2(suite, key),
  };
  if (input.escrowPublicKey) {
    let wrapped: Bytes;
    try {
      wrapped = await suite.wrapKey(key, input.escrowPublicKey);
    } catch {
      throw new SealedBidError('INVALID_INPUT', `escrowPublicKey is not a usable ${suite.id} escrow public key`);
    }
    envelope.escrowedKey = base64Encode(wrapped);
  }
  return { envelope, key, plaintextLength };
}

// ── opening ────────────────────────────────────────────────────────────────────────────────────────────────────

export interface OpenBidV2Input {
  suite: SuitePrimitives;
  tenderId: string;
  bidderOrganizationId: string;
  segmentSize: number;
  ciphertextLength?: number;
  noncePrefix: Bytes;
  keyCommitment: string;
  key: Bytes | null;
  /** The sealed file as a stream (the blob store's read stream, a file, a Blob). */
  sealed: ByteSource;
  /**
   * `sealed` reads into reused buffers (fileChunks, FsBlobStore.chunks): a large file (suite.offThread.segments,
   * ≥ its minBytes, length stated) is then opened on the segment workers. A source that hands a new buffer per read
   * (a Readable, the S3 store's HTTP body) goes to the workers only when the suite says it pays
   * (`offThread.freshBuffersToSegments`: GM-1 on node:crypto, whose SM4 is slow on one thread); for INTL-1 the
   * calling thread's AES-NI costs less than copying every chunk into the slots (docs/BENCHMARKS.md, fifth and
   * eleventh passes). Either way each chunk is copied into the engine's slots as it arrives and the next one is asked
   * for only when a slot is free (no read-ahead beyond the slots).
   */
  sourceReusesBuffers?: boolean;
  onAttachmentChunk?: (index: number, chunk: Bytes) => void | Promise<void>;
  /**
   * Also compute the file hash (v2.4) of the bytes read, answered as `ciphertextHash` (the platform checks it against
   * the receipt). On the segment workers each segment's digest is computed by the worker that opens it, on the bytes
   * it already has (no copy of the file to a hash worker); otherwise the chunks are hashed as they are read.
   */
  fileHash?: boolean;
}

/** openBidV2's answer: the bid file, and its file hash when asked for (OpenBidV2Input.fileHash). */
export interface OpenedBidFileV2 extends OpenedBidFile {
  ciphertextHash?: string;
}

/** The chunks of `source`, each hashed before it is handed on (the caller's buffers: update() is done with them). */
async function* hashedAsRead(source: ByteSource, hasher: FileHasher): AsyncGenerator<Bytes> {
  for await (const chunk of source) {
    await hasher.update(chunk);
    yield chunk;
  }
}

/** KEY_COMMITMENT_MISMATCH first, then the segments (DECRYPTION_FAILED), then the header and attachment digests. */
export async function openBidV2(input: OpenBidV2Input): Promise<OpenedBidFileV2> {
  if (!(await verifyKeyCommitmentV2(input.suite, input.key, input.keyCommitment))) {
    throw new SealedBidError('KEY_COMMITMENT_MISMATCH', 'the key does not match the bid key commitment');
  }
  if (input.noncePrefix.length !== NONCE_PREFIX_BYTES) throw new SealedBidError('DECRYPTION_FAILED', 'noncePrefix must be 7 bytes');
  if (input.ciphertextLength !== undefined && !isValidCiphertextLength(input.ciphertextLength, input.segmentSize)) {
    throw new SealedBidError('DECRYPTION_FAILED', 'the sealed file length is not valid for its segment size');
  }
  const aad = bidAadBytes(input.tenderId, input.bidderOrganizationId);
  // readBidFile is done with each plaintext chunk before it asks for the next (SegmentParams.reuse), except what it
  // hands to onAttachmentChunk: a copy when the chunks are slots of the off-thread engine (a large file from a source
  // that reuses its buffers, or from any source when the suite's calling-thread cipher is the slower path).
  const params = {
    suite: input.suite,
    key: input.key!,
    noncePrefix: input.noncePrefix,
    aad,
    segmentSize: input.segmentSize,
    length: input.ciphertextLength,
    reuse: input.sourceReusesBuffers === true || input.suite.offThread?.freshBuffersToSegments === true,
  };
  const engine = usesSegmentEngine(params);
  const onChunk = input.onAttachmentChunk;
  const handOut = onChunk && engine ? (i: number, c: Bytes) => onChunk(i, copyOf(c)) : onChunk;
  const off = input.suite.offThread;
  // The file hash: from the segment workers' per-segment digests (the hash of sealed_i, v2.4), or of the chunks read.
  let hasher: FileHasher | null = null;
  let sealed = input.sealed;
  let onSegmentDigest: ((d: Bytes) => void) | undefined;
  if (input.fileHash) {
    if (engine) {
      const h = (hasher = new FileHasher(input.suite, input.segmentSize));
      onSegmentDigest = (d) => h.addSegmentDigest(d);
    } else {
      hasher = new FileHasher(input.suite, input.segmentSize, input.ciphertextLength);
      sealed = hashedAsRead(input.sealed, hasher);
    }
  }
  // A large attachment's SHA-256 runs on a hash worker. With the segment engine, that worker reads the plaintext in
  // place in the engine's slots (updateShared), which stay held until it is done; otherwise it gets a copy.
  let slots: SlotHolds | null = null;
  const inPlace = (h: OffThreadHash<Bytes>): OffThreadHash<Bytes> => ({
    update: (d) => {
      const done = slots?.owns(d) ? h.updateShared!(d) : null;
      if (!done) return h.update(d);
      slots!.hold(d, done);
      return Promise.resolve();
    },
    digest: () => h.digest(),
    abort: () => h.abort(),
  });
  const attachmentHash = off
    ? (size: number) => {
        if (size < off.minBytes) return null;
        const h = off.sha256();
        return engine && h.updateShared ? inPlace(h) : h;
      }
    : undefined;
  try {
    const opened: OpenedBidFileV2 = await readBidFile(
      openSegments({ ...params, onSegmentDigest, onSlots: (s) => (slots = s) }, sealed),
      handOut,
      input.suite.createSha256,
      attachmentHash,
    );
    if (hasher) {
      if (onSegmentDigest) hasher.addLength(input.ciphertextLength!); // every segment authenticated: the stated length was read
      opened.ciphertextHash = await hasher.digestHex();
    }
    return opened;
  } finally {
    hasher?.dispose();
  }
}

/** The bid key from an escrowed key (ESCROW_UNWRAP_FAILED when malformed, tampered or another key pair). */
export async function unwrapEscrowedKeyV2(suite: SuitePrimitives, escrowedKey: Bytes | null, escrowPrivateKey: Bytes, escrowPublicKey: Bytes): Promise<Bytes> {
  if (!escrowedKey || escrowedKey.length !== ESCROWED_KEY_BYTES_V2[suite.id]) {
    throw new SealedBidError('ESCROW_UNWRAP_FAILED', `escrowedKey must be ${ESCROWED_KEY_BYTES_V2[suite.id]} bytes for ${suite.id}`);
  }
  try {
    const key = await suite.unwrapKey(escrowedKey, escrowPrivateKey, escrowPublicKey);
    if (key.length !== suite.keyBytes) throw new Error('bad length');
    return key;
  } catch {
    throw new SealedBidError('ESCROW_UNWRAP_FAILED', 'the escrowed key cannot be unwrapped with this escrow key');
  }
}
