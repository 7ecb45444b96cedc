import { createHash, createHmac } from 'crypto';
import { verifyDrawJson } from '../cli/verify-draw';
import { beaconSha256, candidatesSha256, committedOrder, type DrawRecordV2, drawKeyV2, seedCommitment, verifyAnyDrawRecord, walkOrder } from '../draw/expert-draw.algorithm';

const seed = 'a3'.repeat(32);
const drawId = '5f0c7a1e-0000-4000-8000-000000000001';
const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
const beacon = { auditHeadId: '7', signedAt: '2026-12-06T08:00:00.000Z', headsSha256: 'ab'.repeat(32), signature: 'c2lnbmF0dXJl' };

/** docs/EXPERT_DRAW.md, v2 steps 3–5, written out independently of the implementation. */
function docOrder(seedHex: string, beaconHash: string | null, specialty: string, list: string[]): string[] {
  const key = createHmac('sha256', Buffer.from(seedHex, 'hex'))
    .update(`expert-draw-v2|${drawId}|${beaconHash ?? 'none'}`)
    .digest();
  const r = [...list];
  const out: string[] = [];
  for (let k = 0; r.length; k++) {
    const h = createHmac('sha256', key).update(`${specialty}|${k}`).digest();
    out.push(r.splice(Number(h.readBigUInt64BE(0) % BigInt(r.length)), 1)[0]);
  }
  return out;
}

describe('expert draw v2 (docs/EXPERT_DRAW.md, "The algorithm (v2)")', () => {
  const list = ids(16);
  const bHash = beaconSha256(beacon)!;
  const key = drawKeyV2(seed, drawId, bHash);

  it('derives the beacon hash and the committed order exactly as documented', () => {
    expect(bHash).toBe(createHash('sha256').update(`audit-head|${beacon.signedAt}|${beacon.headsSha256}|${beacon.signature}`).digest('hex'));
    expect(beaconSha256(null)).toBeNull();
    const order = [...committedOrder(key, 'A08', list)];
    expect(order).toEqual(docOrder(seed, bHash, 'A08', list));
    expect([...order].sort()).toEqual(list); // a permutation
    // another beacon, another order
    expect([...committedOrder(drawKeyV2(seed, drawId, 'cd'.repeat(32)), 'A08', list)]).not.toEqual(order);
  });

  it('seats the first eligible of the order; a skip only moves to the next one; taken experts never return', () => {
    const order = docOrder(seed, bHash, 'A08', list);
    expect(walkOrder(key, 'A08', list, 5, new Set(), () => false).selected).toEqual(order.slice(0, 5));
    const taken = new Set(order.slice(0, 5));
    expect(walkOrder(key, 'A08', list, 1, taken, () => false).selected).toEqual([order[5]]);
    expect(walkOrder(key, 'A08', list, 1, taken, (id) => id === order[5])).toEqual({ selected: [order[6]], skipped: [order[5]] });
    expect(walkOrder(key, 'A08', list, 20, new Set(), () => false).selected).toHaveLength(16); // runs out
  });

  const record = (): DrawRecordV2 => {
    const order = docOrder(seed, bHash, 'A08', list);
    return {
      algorithm: 'expert-draw-v2',
      drawId,
      seedCommitment: seedCommitment(seed),
      seed,
      beacon,
      beaconSha256: bHash,
      committedLists: [{ specialty: 'A08', candidatesSha256: candidatesSha256(list) }],
      rounds: [
        { round: 0, specialty: 'A08', seats: 5, candidates: list, candidatesSha256: candidatesSha256(list), selected: order.slice(0, 5), skipped: [] },
        {
          round: 1,
          specialty: 'A08',
          seats: 1,
          candidates: list,
          candidatesSha256: candidatesSha256(list),
          selected: [order[6]],
          skipped: [{ expertId: order[5], reason: 'DISABLED', by: 'ADMIN:u1', note: 'x' }],
        },
      ],
    };
  };

  it('verifies a record, and refuses a re-roll, an unrecorded skip, another list, another beacon', () => {
    expect(verifyAnyDrawRecord(record())).toEqual({ valid: true, problems: [] });
    expect(verifyDrawJson(JSON.stringify(record()))).toMatchObject({ valid: true, rounds: 2 });
    const reroll = record();
    reroll.rounds[1].selected = [docOrder(seed, bHash, 'A08', list)[9]];
    expect(verifyAnyDrawRecord(reroll).valid).toBe(false);
    const unrecorded = record();
    unrecorded.rounds[1].skipped = [];
    expect(verifyAnyDrawRecord(unrecorded).valid).toBe(false);
    const phantom = record();
    phantom.rounds[0].skipped = [{ expertId: list[15], reason: 'UNAVAILABLE' }];
    expect(verifyAnyDrawRecord(phantom).problems.join()).toMatch(/not next in line|selects/);
    const otherList = record();
    otherList.committedLists[0].candidatesSha256 = candidatesSha256(ids(15));
    expect(verifyAnyDrawRecord(otherList).problems.join()).toMatch(/not the one committed/);
    const otherBeacon = record();
    otherBeacon.beacon = { ...beacon, signature: 'b3RoZXI=' };
    expect(verifyAnyDrawRecord(otherBeacon).problems).toContain('the beacon does not match beaconSha256');
  });
});
