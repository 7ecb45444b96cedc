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
export function slotPositions(seedHex: string, drawId: string, specialty: string, round: number, seats: number, listLength: number, removed: readonly number[] = []): number[] {
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
  return slotPositions(input.seedHex, input.drawId, input.specialty, input.round, input.seats, input.candidates.length, removed).map((p) => input.candidates[p]);
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

/* ------------------------------------------------------------------------------------------------------------------
 * expert-draw-v2 (docs/EXPERT_DRAW.md, "Version 2"): the candidate list of each specialty is frozen and committed
 * (its SHA-256, as in v1) together with the seed, before any selection; the seed is combined with a beacon — the
 * SHA-256 of the audit head signed at the tender's opening — into the draw key; the key fixes one order of each
 * frozen list; every seat, the initial ones and every replacement, is the next candidate in that order who is not
 * already selected in the draw and not skipped in that round for a recorded reason. The live pool never adds anyone.
 * ---------------------------------------------------------------------------------------------------------------- */
export const EXPERT_DRAW_ALGORITHM_V2 = 'expert-draw-v2';

/** The reasons for which a candidate next in line may be passed over in a round (each recorded with who and why). */
export const SKIP_REASONS = ['DISABLED', 'UNAVAILABLE', 'RECUSED', 'OVERLAPPING_PANEL'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The signed audit head the beacon is taken from (audit_heads row of reason OPENING for the tender). */
export interface DrawBeacon {
  auditHeadId: string;
  signedAt: string;
  headsSha256: string;
  signature: string;
}

/** hex(SHA-256(UTF-8 "audit-head|<signedAt>|<headsSha256>|<signature>")), or null without a signed opening head. */
export function beaconSha256(beacon: DrawBeacon | null): string | null {
  if (!beacon) return null;
  return createHash('sha256').update(`audit-head|${beacon.signedAt}|${beacon.headsSha256}|${beacon.signature}`, 'utf8').digest('hex');
}

/** key = HMAC-SHA256(key = the 32 seed bytes, message = UTF-8 "expert-draw-v2|<drawId>|<beaconSha256 or 'none'>"). */
export function drawKeyV2(seedHex: string, drawId: string, beaconHash: string | null): Buffer {
  assertSeed(seedHex);
  return createHmac('sha256', Buffer.from(seedHex, 'hex'))
    .update(`expert-draw-v2|${drawId}|${beaconHash ?? 'none'}`, 'utf8')
    .digest();
}

/**
 * The committed order of a frozen list, produced lazily: position k (0, 1, …) takes, among the experts not yet
 * placed, the one at index u64(HMAC-SHA256(key, "<specialty>|<k>")[0..8]) mod (number not yet placed).
 */
export function* committedOrder(key: Buffer, specialty: string, candidates: readonly string[]): Generator<string> {
  const remaining = [...candidates];
  for (let k = 0; remaining.length > 0; k++) {
    const h = createHmac('sha256', key).update(`${specialty}|${k}`, 'utf8').digest();
    const i = Number(h.readBigUInt64BE(0) % BigInt(remaining.length));
    yield remaining.splice(i, 1)[0];
  }
}

/**
 * The seats of one round of one specialty: the first `seats` experts of the committed order who are neither in
 * `taken` (selected earlier in the draw, or earlier in this round) nor skipped. `skip(id)` answers whether the
 * candidate is passed over (and is called only for candidates reached before the last seat is filled).
 * Returns the selection and the candidates passed over, in order; fewer than `seats` when the list runs out.
 */
export function walkOrder(
  key: Buffer,
  specialty: string,
  candidates: readonly string[],
  seats: number,
  taken: ReadonlySet<string>,
  skip: (id: string) => boolean,
): { selected: string[]; skipped: string[] } {
  const selected: string[] = [];
  const skipped: string[] = [];
  if (seats <= 0) return { selected, skipped };
  for (const id of committedOrder(key, specialty, candidates)) {
    if (taken.has(id)) continue;
    if (skip(id)) {
      skipped.push(id);
      continue;
    }
    selected.push(id);
    if (selected.length === seats) break;
  }
  return { selected, skipped };
}

export interface RecordedRoundV2 extends RecordedRound {
  /** Candidates next in line passed over in this round, with the recorded reason, who recorded it and why. */
  skipped: Array<{ expertId: string; reason: SkipReason; by?: string | null; note?: string | null }>;
}

export interface DrawRecordV2 {
  algorithm: typeof EXPERT_DRAW_ALGORITHM_V2;
  drawId: string;
  seedCommitment: string;
  seed: string | null;
  beacon: DrawBeacon | null;
  beaconSha256: string | null;
  /** The frozen lists as committed (EXPERT_DRAW_COMMITTED): specialty and candidatesSha256. */
  committedLists: Array<{ specialty: string; candidatesSha256: string }>;
  rounds: RecordedRoundV2[];
}

/**
 * Recomputes a v2 record: seed against commitment, beacon against its hash, every round's list against the list
 * committed for its specialty, and every selection as the walk of the committed order gives it.
 */
export function verifyDrawRecordV2(record: DrawRecordV2): DrawVerdict {
  const problems: string[] = [];
  if (!record.seed) return { valid: false, problems: ['the seed is not revealed yet'] };
  if (!HEX64.test(record.seed)) return { valid: false, problems: ['the seed is not 64 hex characters'] };
  if (seedCommitment(record.seed) !== record.seedCommitment) problems.push('SHA-256(seed) differs from seedCommitment');
  if (beaconSha256(record.beacon) !== record.beaconSha256) problems.push('the beacon does not match beaconSha256');
  const key = drawKeyV2(record.seed, record.drawId, record.beaconSha256);
  const committed = new Map((record.committedLists ?? []).map((l) => [l.specialty, l.candidatesSha256]));
  const taken = new Set<string>();
  for (const r of record.rounds) {
    const where = `round ${r.round} ${r.specialty}`;
    const canonical = canonicalCandidates(r.candidates);
    if (canonical.length !== r.candidates.length || canonical.some((id, i) => id !== r.candidates[i])) {
      problems.push(`${where}: the candidate list is not in canonical order`);
    }
    if (r.candidates.some((id) => !UUID.test(id))) problems.push(`${where}: a candidate id is not a lowercase UUID`);
    const sha = candidatesSha256(r.candidates);
    if (sha !== r.candidatesSha256) problems.push(`${where}: candidatesSha256 does not match the list`);
    if (committed.get(r.specialty) !== sha) problems.push(`${where}: the list is not the one committed for ${r.specialty}`);
    const skipped = new Set<string>();
    for (const s of r.skipped ?? []) {
      if (!(SKIP_REASONS as readonly string[]).includes(s.reason)) problems.push(`${where}: ${s.expertId} skipped for an unknown reason ${s.reason}`);
      skipped.add(s.expertId);
    }
    const walk = walkOrder(key, r.specialty, r.candidates, r.seats, taken, (id) => skipped.has(id));
    if (walk.selected.length !== r.selected.length || walk.selected.some((id, i) => id !== r.selected[i])) {
      problems.push(`${where}: the committed order selects ${walk.selected.join(', ')}, the record says ${r.selected.join(', ')}`);
    }
    const unused = [...skipped].filter((id) => !walk.skipped.includes(id));
    if (unused.length) problems.push(`${where}: ${unused.length} recorded skip(s) of experts not next in line`);
    for (const id of r.selected) taken.add(id);
  }
  return { valid: problems.length === 0, problems };
}

/** Either version, by the record's `algorithm`. */
export function verifyAnyDrawRecord(record: DrawRecord | DrawRecordV2): DrawVerdict {
  return record.algorithm === EXPERT_DRAW_ALGORITHM_V2 ? verifyDrawRecordV2(record as DrawRecordV2) : verifyDrawRecord(record as DrawRecord);
}
