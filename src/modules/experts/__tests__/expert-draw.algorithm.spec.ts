import { createHash, createHmac } from 'crypto';
import {
  canonicalCandidates,
  candidatesSha256,
  type DrawRecord,
  EXPERT_DRAW_ALGORITHM,
  seedCommitment,
  selectRound,
  slotIndex,
  verifyDrawRecord,
} from '../draw/expert-draw.algorithm';

const seed = 'a3'.repeat(32);
const drawId = '5f0c7a1e-0000-4000-8000-000000000001';
const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);

describe('expert draw v1 (docs/EXPERT_DRAW.md)', () => {
  it('commits to the seed with SHA-256 of its 32 raw bytes', () => {
    expect(seedCommitment(seed)).toBe(createHash('sha256').update(Buffer.alloc(32, 0xa3)).digest('hex'));
    expect(() => seedCommitment('xyz')).toThrow();
  });

  it('orders candidates canonically: lowercase, ascending, no duplicates; hashes the length-prefixed 16-byte ids', () => {
    const list = canonicalCandidates(['B0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002']);
    expect(list).toEqual(['a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002']);
    const bytes = Buffer.from('00000010' + 'a0000000000040008000000000000001' + '00000010' + 'b0000000000040008000000000000002', 'hex');
    expect(candidatesSha256(list)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(candidatesSha256([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('computes a slot index from the first 8 bytes of HMAC-SHA256(seed, "drawId|specialty|round|slot")', () => {
    const h = createHmac('sha256', Buffer.from(seed, 'hex')).update(`${drawId}|A08|0|0`).digest();
    expect(slotIndex(seed, drawId, 'A08', 0, 0, 97)).toBe(Number(h.readBigUInt64BE(0) % 97n));
  });

  it('the same seed and candidate list reproduce the same panel; another seed gives another', () => {
    const candidates = ids(200);
    const a = selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 0, seats: 5, candidates });
    const b = selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 0, seats: 5, candidates: [...candidates] });
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(5); // without replacement
    a.forEach((id) => expect(candidates).toContain(id));
    const other = selectRound({ seedHex: 'b4'.repeat(32), drawId, specialty: 'A08', round: 0, seats: 5, candidates });
    expect(other).not.toEqual(a);
    // the round is part of the message: a replacement round does not repeat the first pick
    const r1 = selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 1, seats: 5, candidates });
    expect(r1).not.toEqual(a);
  });

  it('matches a fixed vector (an outsider re-implementing the spec must get these ids)', () => {
    const candidates = ids(10);
    const expected = ['00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000010', '00000000-0000-4000-8000-000000000008'];
    expect(selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 0, seats: 3, candidates })).toEqual(expected);
    expect(manualSelect(seed, drawId, 'A08', 0, 3, candidates)).toEqual(expected);
  });

  it('within a round, an expert selected for an earlier specialty is taken out of the later list before its first slot', () => {
    const both = ids(12);
    const first = selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 0, seats: 5, candidates: both });
    const second = selectRound({ seedHex: seed, drawId, specialty: 'A09', round: 0, seats: 5, candidates: both, earlierInRound: new Set(first) });
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    // the same as drawing from the list without them
    const rest = both.filter((id) => !first.includes(id));
    expect(second).toEqual(selectRound({ seedHex: seed, drawId, specialty: 'A09', round: 0, seats: 5, candidates: rest }));
    expect(() => selectRound({ seedHex: seed, drawId, specialty: 'A09', round: 0, seats: 8, candidates: both, earlierInRound: new Set(first) })).toThrow(
      /7 candidates for 8 seats/,
    );
  });

  it('refuses to draw more seats than candidates', () => {
    expect(() => selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 0, seats: 4, candidates: ids(3) })).toThrow(/3 candidates for 4 seats/);
  });

  it('spreads picks roughly uniformly (no candidate is favoured)', () => {
    const candidates = ids(10);
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const [pick] = selectRound({ seedHex: createHash('sha256').update(String(i)).digest('hex'), drawId, specialty: 'A08', round: 0, seats: 1, candidates });
      counts.set(pick, (counts.get(pick) ?? 0) + 1);
    }
    for (const id of candidates) expect(counts.get(id)).toBeGreaterThan(140); // expected 200 each
  });

  describe('verifyDrawRecord', () => {
    const record = (): DrawRecord => {
      const c0 = ids(30);
      const s0 = selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 0, seats: 5, candidates: c0 });
      const c1 = c0.filter((id) => !s0.includes(id));
      const s1 = selectRound({ seedHex: seed, drawId, specialty: 'A08', round: 1, seats: 1, candidates: c1 });
      return {
        algorithm: EXPERT_DRAW_ALGORITHM,
        drawId,
        seedCommitment: seedCommitment(seed),
        seed,
        rounds: [
          { round: 0, specialty: 'A08', seats: 5, candidates: c0, candidatesSha256: candidatesSha256(c0), selected: s0 },
          { round: 1, specialty: 'A08', seats: 1, candidates: c1, candidatesSha256: candidatesSha256(c1), selected: s1 },
        ],
      };
    };

    it('accepts an honest record', () => {
      expect(verifyDrawRecord(record())).toEqual({ valid: true, problems: [] });
    });

    it('rejects a seed that does not match its commitment', () => {
      const r = { ...record(), seed: 'c5'.repeat(32) };
      expect(verifyDrawRecord(r).problems.join()).toMatch(/seedCommitment/);
    });

    it('rejects a chosen panel (a selection the seed does not give)', () => {
      const r = record();
      r.rounds[0].selected = [...r.rounds[0].candidates.slice(0, 5)];
      const v = verifyDrawRecord(r);
      expect(v.valid).toBe(false);
      expect(v.problems.join()).toMatch(/the seed selects/);
    });

    it('rejects a tampered candidate list, and a replacement list that still holds a selected expert', () => {
      const r = record();
      r.rounds[0].candidates = r.rounds[0].candidates.slice(1);
      expect(verifyDrawRecord(r).problems.join()).toMatch(/candidatesSha256/);
      const r2 = record();
      r2.rounds[1].candidates = ids(30);
      r2.rounds[1].candidatesSha256 = candidatesSha256(r2.rounds[1].candidates);
      expect(verifyDrawRecord(r2).problems.join()).toMatch(/already selected/);
    });

    it('cannot verify before the seed is revealed', () => {
      expect(verifyDrawRecord({ ...record(), seed: null })).toMatchObject({ valid: false, problems: ['the seed is not revealed yet'] });
    });
  });
});

/** The specification of docs/EXPERT_DRAW.md, written out a second time, independently of the implementation. */
function manualSelect(seedHex: string, id: string, specialty: string, round: number, seats: number, list: string[]): string[] {
  const remaining = [...list];
  const out: string[] = [];
  for (let k = 0; k < seats; k++) {
    const digest = createHmac('sha256', Buffer.from(seedHex, 'hex'))
      .update(Buffer.from(`${id}|${specialty}|${round}|${k}`, 'utf8'))
      .digest();
    let x = 0n;
    for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(digest[i]);
    out.push(remaining.splice(Number(x % BigInt(remaining.length)), 1)[0]);
  }
  return out;
}
