import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { insertTender } from './factories/bid-security.factory';
import { eventually, OwnRedis, WorkerProcess } from './helpers/chaos';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * Chaos: Redis flushed or stopped across a deadline, a worker killed with SIGKILL in the middle of an opening, two
 * worker processes. Every tender must open exactly once, with no operator action, within seconds. Each test runs
 * against a Redis server of its own on a free port (never the shared one).
 */
jest.setTimeout(240_000);

const SWEEP_INTERVAL_MS = '300';

async function tenderWithDeadline(t: TestApp, inMs: number): Promise<{ id: string; eventId: string }> {
  const { id } = await insertTender(t, { deadlineInMs: inMs });
  const [{ bid_deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [id]);
  const scheduler = t.app.get(SchedulerService);
  const eventId = await t.dataSource.transaction((m) => scheduler.plan(m, { kind: ScheduledEventKind.BidDeadline, subjectId: id, tenderId: id, runAt: new Date(bid_deadline) }));
  return { id, eventId };
}

async function openings(t: TestApp, tenderId: string): Promise<number> {
  const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'BID_DEADLINE_REACHED' AND object_id = $1`, [tenderId]);
  return n;
}

async function status(t: TestApp, tenderId: string): Promise<string> {
  return (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [tenderId]))[0].status;
}

/** Opened (the deadline was processed: OPENING, or FAILED for want of bids), exactly once. */
async function expectOpenedOnce(t: TestApp, tenderId: string, withinMs: number): Promise<void> {
  await eventually(async () => (await status(t, tenderId)) !== 'PUBLISHED', withinMs, `tender ${tenderId} to open`);
  await eventually(
    async () => {
      const [{ s }] = await t.dataSource.query(`SELECT status AS s FROM scheduled_events WHERE kind = 'BID_DEADLINE' AND subject_id = $1 ORDER BY created_at DESC LIMIT 1`, [
        tenderId,
      ]);
      return s === 'DONE';
    },
    10_000,
    'the event row DONE',
  );
  expect(await openings(t, tenderId)).toBe(1);
}

describe('chaos: the tender opens anyway (in-process workers)', () => {
  let redis: OwnRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    t = await createTestApp({ env: { REDIS_URL: redis.url, SWEEP_INTERVAL_MS, LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(async () => {
    await redis.up().catch(() => undefined); // close() obliterates the queues
    await t?.close();
    await redis?.down();
  });

  it('FLUSHALL shortly before the deadline: every tender still opens, once', async () => {
    const tenders = await Promise.all([0, 1, 2].map(() => tenderWithDeadline(t, 2_500)));
    await redis.flushAll(); // every delayed job and every BullMQ key is gone
    for (const x of tenders) await expectOpenedOnce(t, x.id, 20_000);
  });

  it('Redis stopped from before to after the deadline: /health says 503 at once, the tender opens once', async () => {
    const x = await tenderWithDeadline(t, 2_500);
    await redis.down();
    const started = Date.now();
    const h = await t.http().get('/health');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.status).toBe(503);
    expect(h.body).toEqual({ status: 'degraded', database: { status: 'up' }, redis: { status: 'down' } });
    // The database decides: the in-process sweeper opens the tender even while Redis is down.
    await expectOpenedOnce(t, x.id, 25_000);
    await redis.up();
    await eventually(async () => (await t.http().get('/health')).status === 200, 30_000, '/health 200 after Redis is back');
    // And events planned after the outage run normally again.
    const y = await tenderWithDeadline(t, 1_000);
    await expectOpenedOnce(t, y.id, 20_000);
    expect(await openings(t, x.id)).toBe(1);
  });
});

describe('chaos: worker processes (SIGKILL mid-opening, two workers)', () => {
  let redis: OwnRedis;
  let t: TestApp;
  const workers: WorkerProcess[] = [];
  const workerEnv = () => ({
    REDIS_URL: redis.url,
    QUEUE_PREFIX: t.config.queuePrefix,
    SWEEP_INTERVAL_MS,
    LEGAL_PERIODS: 'relaxed',
    LOG_LEVEL: 'error',
  });

  beforeAll(async () => {
    redis = await OwnRedis.start();
    // The test process serves HTTP and plans events, but runs no worker: the worker processes do.
    t = await createTestApp({ workers: false, env: { REDIS_URL: redis.url, LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(async () => {
    for (const w of workers) await w.kill();
    await t?.close();
    await redis?.down();
  });

  it('a worker killed with SIGKILL in the middle of an opening: another worker opens the tender, once', async () => {
    const a = await WorkerProcess.start(workerEnv());
    workers.push(a);
    const x = await tenderWithDeadline(t, 1_500);
    // Hold the tender's row so that the worker's opening transaction stops half-way (event row locked, tender not).
    const holder = t.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query(`SELECT id FROM tenders WHERE id = $1 FOR UPDATE`, [x.id]);
    try {
      await eventually(
        async () => {
          try {
            await t.dataSource.transaction((m) => m.query(`SELECT id FROM scheduled_events WHERE id = $1 FOR UPDATE NOWAIT`, [x.eventId]));
            return false;
          } catch (e) {
            return (e as { code?: string }).code === '55P03'; // lock_not_available: worker A is mid-opening
          }
        },
        30_000,
        'worker A to be in the middle of the opening',
      );
      const b = await WorkerProcess.start(workerEnv());
      workers.push(b);
      await a.kill('SIGKILL');
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await expectOpenedOnce(t, x.id, 30_000);
  });

  it('two worker processes: each tender opens exactly once', async () => {
    workers.push(await WorkerProcess.start(workerEnv()));
    const live = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
    expect(live).toHaveLength(2);
    const tenders = await Promise.all(Array.from({ length: 6 }, (_, i) => tenderWithDeadline(t, 1_500 + (i % 2) * 50)));
    for (const x of tenders) await expectOpenedOnce(t, x.id, 20_000);
    // Both processes swept and raced; the row locks kept it to one opening each. Wait until neither has a deadline
    // event of these tenders left pending (a late duplicate would run before that).
    const ids = tenders.map((x) => x.id);
    await eventually(
      async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM scheduled_events WHERE subject_id = ANY($1::uuid[]) AND status = 'PENDING'`, [ids]))[0].n === 0,
      20_000,
      'no pending event of the tenders',
    );
    for (const x of tenders) expect(await openings(t, x.id)).toBe(1);
  });
});
