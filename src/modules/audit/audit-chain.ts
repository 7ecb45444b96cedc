import { createHash } from 'crypto';
import { canonicalJson } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

/** The hashed content of an event: everything but the hashes themselves and the storage id. */
export interface ChainedEvent {
  stream: string;
  streamSeq: number;
  occurredAt: string; // ISO-8601, millisecond precision
  actorId: string;
  actorRole: string;
  ip: string;
  action: string;
  objectType: string;
  objectId: string;
  tenderId: string | null;
  /**
   * Set on sealed events only (AuditInput.sealedUntilOpeningOf): hidden from every listing and count until this
   * tender is opened. Hashed with the rest, so unsealing a row early by editing it breaks its chain. Absent (not
   * null) on every other event: canonical JSON leaves undefined keys out, so the hashes of events written before
   * sealing existed are unchanged.
   */
  sealedUntilOpeningOf?: string;
  data: Record<string, unknown>;
}

export type StoredEvent = ChainedEvent & { prevHash: string; hash: string };

export function chainHash(prevHash: string, event: ChainedEvent): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalJson(event), 'utf8').digest('hex');
}

export interface ChainVerdict {
  valid: boolean;
  events: number;
  headHash: string;
  /** The first row that breaks the chain, and why. */
  brokenAt?: { stream: string; streamSeq: number; reason: string };
}

/** The hashed fields of a stored row, exactly (a stray property would change the canonical JSON). */
export function hashedContent(r: StoredEvent): ChainedEvent {
  return {
    stream: r.stream,
    streamSeq: r.streamSeq,
    occurredAt: r.occurredAt,
    actorId: r.actorId,
    actorRole: r.actorRole,
    ip: r.ip,
    action: r.action,
    objectType: r.objectType,
    objectId: r.objectId,
    tenderId: r.tenderId,
    ...(r.sealedUntilOpeningOf ? { sealedUntilOpeningOf: r.sealedUntilOpeningOf } : {}),
    data: r.data,
  };
}

/**
 * Checks one stream row by row, in stream_seq order, without holding it in memory: an edited row changes its
 * hash, a deleted row leaves a gap in the sequence, a reordered row breaks the previous-hash link. After the first
 * break it keeps counting rows but checks nothing more.
 */
export class StreamVerifier {
  private prev = GENESIS_HASH;
  private expectedSeq = 1;
  rows = 0;
  broken: { streamSeq: number; reason: string } | null = null;

  /** The hash of the last row pushed (GENESIS_HASH before any). */
  get head(): string {
    return this.prev;
  }

  push(r: StoredEvent): void {
    this.rows++;
    if (this.broken) {
      this.prev = r.hash;
      return;
    }
    const fail = (reason: string) => (this.broken = { streamSeq: r.streamSeq, reason });
    if (r.streamSeq !== this.expectedSeq) fail(`sequence gap: expected ${this.expectedSeq}`);
    else if (r.prevHash !== this.prev) fail('previous-hash link broken');
    else if (chainHash(r.prevHash, hashedContent(r)) !== r.hash) fail('content does not match its hash');
    this.prev = r.hash;
    this.expectedSeq++;
  }
}

/** Verifies one stream given all its rows in stream_seq order. */
export function verifyStream(rows: StoredEvent[]): ChainVerdict {
  const v = new StreamVerifier();
  for (const r of rows) {
    v.push(r);
    if (v.broken) {
      return { valid: false, events: rows.length, headHash: rows[rows.length - 1].hash, brokenAt: { stream: r.stream, ...v.broken } };
    }
  }
  return { valid: true, events: rows.length, headHash: v.head };
}
