import { createHash } from 'crypto';
import { type ChainedEvent, chainHash, GENESIS_HASH, verifyStream } from 'src/modules/audit/audit-chain';
import { canonicalJson } from 'src/modules/audit/canonical-json';

function chain(n: number) {
  const rows: Array<ChainedEvent & { prevHash: string; hash: string }> = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e: ChainedEvent = {
      stream: 't1',
      streamSeq: i,
      occurredAt: new Date(1_800_000_000_000 + i).toISOString(),
      actorId: 'u',
      actorRole: 'BIDDER',
      ip: '10.0.0.1',
      action: 'BID_SUBMITTED',
      objectType: 'bid',
      objectId: `b${i}`,
      tenderId: 't1',
      data: { version: i, 名称: '盐城' },
    };
    const hash = chainHash(prev, e);
    rows.push({ ...e, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit hash chain', () => {
  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('hash = SHA-256(previousHash ‖ canonical JSON)', () => {
    const e = chain(1)[0];
    const { prevHash, hash, ...event } = e;
    expect(hash).toBe(
      createHash('sha256')
        .update(prevHash + canonicalJson(event))
        .digest('hex'),
    );
  });

  it('verifies an intact chain', () => {
    const rows = chain(5);
    expect(verifyStream(rows)).toEqual({ valid: true, events: 5, headHash: rows[4].hash });
  });

  it('detects an edited row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], ip: '10.0.0.2' };
    expect(verifyStream(rows)).toMatchObject({ valid: false, brokenAt: { streamSeq: 3, reason: 'content does not match its hash' } });
  });

  it('detects a deleted row', () => {
    const rows = chain(5);
    rows.splice(1, 1);
    expect(verifyStream(rows)).toMatchObject({ valid: false, brokenAt: { streamSeq: 3 } });
  });

  it('detects reordered rows even with renumbered sequence', () => {
    const rows = chain(4);
    const swapped = [rows[0], { ...rows[2], streamSeq: 2 }, { ...rows[1], streamSeq: 3 }, rows[3]];
    expect(verifyStream(swapped).valid).toBe(false);
  });

  it('detects a recomputed hash that no longer links', () => {
    const rows = chain(3);
    const { prevHash, hash, ...e } = rows[1];
    const forged = { ...e, data: { version: 99 } };
    rows[1] = { ...forged, prevHash, hash: chainHash(prevHash, forged) };
    expect(verifyStream(rows)).toMatchObject({ valid: false, brokenAt: { streamSeq: 3, reason: 'previous-hash link broken' } });
  });
});
