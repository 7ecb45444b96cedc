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
  data: Record<string, unknown>;
}

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

/**
 * Verifies one stream given its rows in stream_seq order: an edited row changes its hash, a deleted row leaves a
 * gap in the sequence, a reordered row breaks the previous-hash link.
 */
export function verifyStream(rows: Array<ChainedEvent & { prevHash: string; hash: string }>): ChainVerdict {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  for (const r of rows) {
    const { prevHash, hash } = r;
    const event: ChainedEvent = {
      stream: r.stream, streamSeq: r.streamSeq, occurredAt: r.occurredAt, actorId: r.actorId, actorRole: r.actorRole,
      ip: r.ip, action: r.action, objectType: r.objectType, objectId: r.objectId, tenderId: r.tenderId, data: r.data,
    };
    const fail = (reason: string): ChainVerdict => ({
      valid: false,
      events: rows.length,
      headHash: rows[rows.length - 1].hash,
      brokenAt: { stream: r.stream, streamSeq: r.streamSeq, reason },
    });
    if (r.streamSeq !== expectedSeq) return fail(`sequence gap: expected ${expectedSeq}`);
    if (prevHash !== prev) return fail('previous-hash link broken');
    if (chainHash(prevHash, event) !== hash) return fail('content does not match its hash');
    prev = hash;
    expectedSeq++;
  }
  return { valid: true, events: rows.length, headHash: prev };
}
