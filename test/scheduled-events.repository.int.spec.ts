/**
 * ScheduledEventsRepository against the real PostgreSQL: the pending-event upsert (one pending per kind and subject),
 * the row lock with SKIP LOCKED, the failure counter (UPDATE in a CTE) and the sweeper's reads.
 */
import { randomUUID } from 'crypto';
import type { EntityManager } from 'typeorm';
import { type ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { ScheduledEventsRepository } from 'src/modules/scheduling/scheduled-events.repository';
import { createTestApp, type TestApp } from './helpers/test-app';

const KIND = 'REPO_TEST_EVENT' as unknown as ScheduledEventKind; // no handler: the rows are only read and written here

describe('ScheduledEventsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: ScheduledEventsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    repo = t.app.get(ScheduledEventsRepository);
  });
  afterAll(async () => t?.close());

  const tx = <T>(work: (m: EntityManager) => Promise<T>) => t.dataSource.transaction(work);

  it('plans one pending event per kind and subject: a second plan moves it; after a cancel a new one is planned', async () => {
    const subjectId = randomUUID();
    const first = await tx((m) => repo.upsertPending(m, { kind: KIND, subjectId, tenderId: null, runAt: new Date(Date.now() + 60_000) }));
    const later = new Date(Date.now() + 120_000);
    const moved = await tx((m) => repo.upsertPending(m, { kind: KIND, subjectId, tenderId: null, runAt: later }));
    expect(moved).toEqual({ id: first.id, runAt: later, failures: 0 });
    await tx((m) => repo.cancelPending(m, KIND, subjectId));
    const again = await tx((m) => repo.upsertPending(m, { kind: KIND, subjectId, tenderId: null, runAt: later }));
    expect(again.id).not.toBe(first.id);
  });

  it('locks a row: due or not by the database clock; another transaction skips it with SKIP LOCKED, and sees it DONE after', async () => {
    const subjectId = randomUUID();
    const { id } = await tx((m) => repo.upsertPending(m, { kind: KIND, subjectId, tenderId: null, runAt: new Date(Date.now() - 5_000) }));
    await tx(async (m) => {
      const row = await repo.lock(m, id);
      expect(row).toMatchObject({ id, kind: KIND, subjectId, status: 'PENDING', due: true, failures: 0 });
      expect(row!.latenessMs).toBeGreaterThanOrEqual(4_000);
      expect(await tx((other) => repo.lock(other, id, { skipLocked: true }))).toBeNull();
      await repo.markDone(m, id, row!.latenessMs);
    });
    expect(await tx((m) => repo.lock(m, id))).toMatchObject({ status: 'DONE', runs: 1 });
    expect(await tx((m) => repo.lock(m, randomUUID()))).toBeNull();
  });

  it('counts failures of a pending event only; the sweeper finds it overdue and within a horizon', async () => {
    const { id } = await tx((m) => repo.upsertPending(m, { kind: KIND, subjectId: randomUUID(), tenderId: null, runAt: new Date(Date.now() - 10_000) }));
    expect(await tx((m) => repo.recordFailure(m, id, 'x'.repeat(2_000)))).toEqual({ kind: KIND, failures: 1 });
    expect(await tx((m) => repo.recordFailure(m, id, 'again'))).toEqual({ kind: KIND, failures: 2 });
    expect(await tx((m) => repo.overdueIds(m, 2, 10_000))).toContain(id);
    expect((await tx((m) => repo.pendingWithin(m, 60))).map((r) => r.id)).toContain(id);
    expect((await tx((m) => repo.pendingWithin(m, null))).find((r) => r.id === id)).toMatchObject({ failures: 2 });
    await tx((m) => repo.markDone(m, id, 0));
    expect(await tx((m) => repo.recordFailure(m, id, 'after'))).toBeNull();
    expect(await tx((m) => repo.overdueIds(m, 2, 10_000))).not.toContain(id);
  });
});
