/**
 * The audit module's repositories against the real PostgreSQL: a stream's head (LATERAL), the last event of several
 * streams (DISTINCT ON), the heads of every stream (recursive CTE), signed heads and the draw beacon's read.
 */
import { randomUUID } from 'crypto';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AuditEventsRepository } from 'src/modules/audit/audit-events.repository';
import { AuditHeadsRepository } from 'src/modules/audit/audit-heads.repository';
import { AuditService, auditStream } from 'src/modules/audit/audit.service';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('AuditEventsRepository and AuditHeadsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let events: AuditEventsRepository;
  let heads: AuditHeadsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    events = t.app.get(AuditEventsRepository);
    heads = t.app.get(AuditHeadsRepository);
  });
  afterAll(async () => t?.close());

  const append = (stream: string, n: number) =>
    t.dataSource.transaction(async (m) => {
      for (let i = 0; i < n; i++) await t.app.get(AuditService).append(m, { actor: SYSTEM_ACTOR, action: 'REPO_TEST', objectType: 'test', objectId: String(i), stream });
    });

  it('reads the head of a stream (empty: no seq, with the clock) and the last event of several streams', async () => {
    const a = auditStream('repotest', randomUUID());
    const b = auditStream('repotest', randomUUID());
    const m = t.dataSource.manager;
    const empty = await events.head(m, a);
    expect(empty).toMatchObject({ seq: null, hash: null, sealedTenderId: null });
    expect(empty.ts).toBeInstanceOf(Date);
    await append(a, 3);
    await append(b, 1);
    const head = await events.head(m, a);
    expect(head).toMatchObject({ seq: 3, sealedTenderId: null });
    const last = await events.lastOf(m, [a, b, auditStream('repotest', randomUUID())]);
    expect(last.sort((x, y) => x.streamSeq - y.streamSeq)).toEqual([
      { stream: b, streamSeq: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { stream: a, streamSeq: 3, hash: head.hash },
    ]);
    expect(await events.escrowDeposited(m, randomUUID(), 'draw-seed')).toBe(false);
  });

  it('the current heads name every stream once, in byte order; a signed set is stored, read back, and is the beacon of its tender (rolled back)', async () => {
    const stream = auditStream('repotest', randomUUID());
    await append(stream, 2);
    const tenderId = randomUUID();
    // Rolled back: a head signed with a made-up signature must not stay for GET /audit/verify to find.
    const ROLLBACK = new Error('rollback');
    await t.dataSource
      .transaction(async (m) => {
        const current = await heads.currentHeads(m);
        const names = current.map((h) => h.stream);
        expect(new Set(names).size).toBe(names.length);
        expect([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))).toEqual(names);
        expect(current.find((h) => h.stream === stream)).toMatchObject({ seq: 2 });
        await heads.lockDaily(m);
        const signedAt = new Date(await heads.clockMs(m)).toISOString();
        const id = await heads.insert(m, { signedAt, reason: 'OPENING', tenderId, heads: current, headsSha256: 'a'.repeat(64), signature: 'sig' });
        expect(await heads.latestOpening(m, tenderId)).toEqual({ id, signedAt: new Date(signedAt), headsSha256: 'a'.repeat(64), signature: 'sig' });
        const page = await heads.pageAfter(m, String(BigInt(id) - 1n));
        expect(page[0]).toMatchObject({ id, reason: 'OPENING', tenderId, headsSha256: 'a'.repeat(64) });
        expect(page[0].heads).toEqual(current);
        expect(await heads.latestOpening(m, randomUUID())).toBeNull();
        throw ROLLBACK;
      })
      .catch((e) => {
        if (e !== ROLLBACK) throw e;
      });
  });
});
