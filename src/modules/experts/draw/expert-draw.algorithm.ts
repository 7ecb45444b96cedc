import { createHash, createHmac } from 'crypto';

/**
 * The verifiable random draw of evaluation experts (随机抽取, TBL Art. 37; TBR Art. 46; "全程留痕、可追溯",
 * O1117 (十四)), version 1. Pure and dependency-free (Node's crypto only) so that anyone can recompute a recorded
 * draw; docs/EXPERT_DRAW.md is the specification an outsider follows, and this file is its reference
 * implementation.
 *
 * - seed: 32 random bytes, written as 64 lowercase hex characters. seedCommitment = hex(SHA-256(the 32 bytes)).
 * - A round draws `seats` experts of one specialty from one recorded candidate list: the ids of the eligible
 *   experts, lowercase UUID strings, ascending, without duplicates. candidatesSha256 = hex(SHA-256(for each id in
 *   list order: the 4 bytes 00 00 00 10 — its length, 16, big-endian — then its 16 bytes, i.e. its 32 hex digits
 *   read as bytes)).
 * - A round holds one list per specialty, drawn in the tender's order of specialties. Before a specialty is drawn,
 *   the experts already selected for an earlier specialty of the same round are taken out of its list (an expert
 *   of two specialties sits once); the recorded list itself is as computed.
 * - Slot k (0-based) of round r for specialty s: h = HMAC-SHA256(key = the 32 seed bytes,
 *   message = UTF-8 "<drawId>|<s>|<r>|<k>"); x = the first 8 bytes of h as an unsigned big-endian integer;
 *   index = x mod (number of experts still in the list); that expert is selected and removed from the list
 *   (without replacement); then slot k + 1.
 */
export const EXPERT_DRAW_ALGORITHM = 'expert-draw-v1';

const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function seedCommitment(seedHex: string): string {
  assertSeed(seedHex);
  return createHash('sha256').update(Buffer.from(seedHex, 'hex')).digest('hex');
}

/** The canonical order of a candidate list: lowercase ids, ascending (code-unit order), duplicates dropped. */
export function canonicalCandidates(ids: Iterable<string>): string[] {
  const out = [...new Set([...ids].map((id) => id.toLowerCase()))];
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return out;
}

export function candidatesSha256(candidates: readonly string[]): string {
  const h = createHash('sha256');
  const length = Buffer.from([0, 0, 0, 16]);
  for (const id of candidates) h.update(length).update(Buffer.from(id.replace(/-/g, ''), 'hex'));
  return h.digest('hex');
}

/** The index of slot `slot` among `remaining` experts (see the file comment). */
export function slotIndex(seedHex: string, drawId: string, specialty: string, round: number, slot: number, remaining: number): number {
  if (remaining <= 0) throw new Error('no candidate left');
  const h = createHmac('sha256', Buffer.from(seedHex, 'hex')).update(`${drawId}|${specialty}|${round}|${slot}`, 'utf8').digest();
  return Number(h.readBigUInt64BE(0) % BigInt(remaining));
}

export interface RoundInput {
  seedHex: string;
  drawId: string;
  specialty: string;
  round: number;
  seats: number;
  /** The recorded list, already in canonical order. */
  candidates: readonly string[];
  /** Experts selected for an earlier specialty of the same round: taken out of the list before the first slot. */
  earlierInRound?: ReadonlySet<string>;
}

/**
 * The positions (0-based, in the recorded list) the seats take, in slot order, given the list's length and the
 * positions taken out before the first slot: the platform selects without moving the list out of the database.
 * Throws when fewer candidates remain than seats.
 */
export function slotPositions(
  seedHex: string,
  drawId: string,
  specialty: string,
  round: number,
  seats: number,
  listLength: number,
  removed: readonly number[] = [],
): number[] {
  assertSeed(seedHex);
  const out = new Set(removed);
  const remaining = Array.from({ length: listLength }, (_, i) => i).filter((i) => !out.has(i));
  if (remaining.length < seats) throw new Error(`${remaining.length} candidates for ${seats} seats`);
  const picked: number[] = [];
  for (let k = 0; k < seats; k++) {
    const i = slotIndex(seedHex, drawId, specialty, round, k, remaining.length);
    picked.push(remaining.splice(i, 1)[0]);
  }
  return picked;
}

/** Selects `seats` experts, in slot order. Throws when fewer candidates remain than seats. */
export function selectRound(input: RoundInput): string[] {
  const removed = input.earlierInRound ? input.candidates.flatMap((id, i) => (input.earlierInRound!.has(id) ? [i] : [])) : [];
  return slotPositions(input.seedHex, input.drawId, input.specialty, input.round, input.seats, input.candidates.length, removed).map(
    (p) => input.candidates[p],
  );
}

/** One recorded round as the API publishes it (GET /tenders/{id}/panel/draw-record). */
export interface RecordedRound {
  round: number;
  specialty: string;
  seats: number;
  candidates: string[];
  candidatesSha256: string;
  selected: string[];
}

export interface DrawRecord {
  algorithm: string;
  drawId: string;
  seedCommitment: string;
  seed: string | null;
  /** In the order they were drawn: by round, then in the tender's order of specialties. */
  rounds: RecordedRound[];
}

export interface DrawVerdict {
  valid: boolean;
  problems: string[];
}

/**
 * Recomputes a recorded draw: the seed matches its commitment, each candidate list is canonical and matches its
 * hash, no list holds an expert selected before it, and each selection is what the seed gives.
 */
export function verifyDrawRecord(record: DrawRecord): DrawVerdict {
  const problems: string[] = [];
  if (record.algorithm !== EXPERT_DRAW_ALGORITHM) problems.push(`unknown algorithm ${record.algorithm}`);
  if (!record.seed) return { valid: false, problems: [...problems, 'the seed is not revealed yet'] };
  if (!HEX64.test(record.seed)) return { valid: false, problems: [...problems, 'the seed is not 64 hex characters'] };
  if (seedCommitment(record.seed) !== record.seedCommitment) problems.push('SHA-256(seed) differs from seedCommitment');
  const earlierRounds = new Set<string>();
  let current = -1;
  let inRound = new Set<string>();
  for (const r of record.rounds) {
    if (r.round !== current) {
      inRound.forEach((id) => earlierRounds.add(id));
      inRound = new Set<string>();
      current = r.round;
    }
    const where = `round ${r.round} ${r.specialty}`;
    const canonical = canonicalCandidates(r.candidates);
    if (canonical.length !== r.candidates.length || canonical.some((id, i) => id !== r.candidates[i])) {
      problems.push(`${where}: the candidate list is not in canonical order`);
    }
    if (r.candidates.some((id) => !UUID.test(id))) problems.push(`${where}: a candidate id is not a lowercase UUID`);
    if (candidatesSha256(r.candidates) !== r.candidatesSha256) problems.push(`${where}: candidatesSha256 does not match the list`);
    const reused = r.candidates.filter((id) => earlierRounds.has(id));
    if (reused.length) problems.push(`${where}: ${reused.length} candidate(s) were already selected in an earlier round`);
    let expected: string[] = [];
    try {
      expected = selectRound({
        seedHex: record.seed,
        drawId: record.drawId,
        specialty: r.specialty,
        round: r.round,
        seats: r.seats,
        candidates: r.candidates,
        earlierInRound: inRound,
      });
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
    if (expected.length !== r.selected.length || expected.some((id, i) => id !== r.selected[i])) {
      problems.push(`${where}: the seed selects ${expected.join(', ')}, the record says ${r.selected.join(', ')}`);
    }
    for (const id of r.selected) inRound.add(id);
  }
  return { valid: problems.length === 0, problems };
}

function assertSeed(seedHex: string): void {
  if (!HEX64.test(seedHex)) throw new Error('a seed is 32 bytes as 64 lowercase hex characters');
}
