import { type ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName } from 'src/infra/queue/queue.constants';
import { MetricsService } from 'src/infra/metrics/metrics.service';
import { SchedulerService, TIMED_EVENT_ALERT_AFTER } from 'src/modules/scheduling/scheduler.service';
import { createTestApp, type TestApp } from './helpers/test-app';

const KIND = 'TEST_EVENT' as unknown as ScheduledEventKind; // a kind only this test handles
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const subject = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('timed events: PostgreSQL rows + BullMQ delayed jobs', () => {
  let t: TestApp;
  let scheduler: SchedulerService;
  const fired: Array<{ subjectId: string; at: number }> = [];
  /** subjectId → how many more runs of its event throw (database trouble at the deadline). */
  const failing = new Map<string, number>();

  beforeAll(async () => {
    t = await createTestApp({ env: { SWEEP_INTERVAL_MS: '300' } });
    scheduler = t.app.get(SchedulerService);
    scheduler.handle(KIND, async (_m, e) => {
      const left = failing.get(e.subjectId) ?? 0;
      if (left > 0) {
        failing.set(e.subjectId, left - 1);
        throw new Error('database trouble at the deadline');
      }
      fired.push({ subjectId: e.subjectId, at: Date.now() });
    });
  });
  afterAll(() => t.close());

  const plan = (n: number, inMs: number) => t.dataSource.transaction((m) => scheduler.plan(m, { kind: KIND, subjectId: subject(n), runAt: new Date(Date.now() + inMs) }));
  const status = async (id: string) => (await t.dataSource.query(`SELECT status, lateness_ms FROM scheduled_events WHERE id = $1`, [id]))[0];
  const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await cond()) return;
      await sleep(25);
    }
    throw new Error('timed out');
  };

  /**
   * A negative assertion without a fixed sleep: plan a marker event `inMs` from now and wait until it has fired. The
   * queue fires due events in order of their time, so anything due before the marker that was going to fire has fired.
   */
  let markers = 100;
  const pastMarker = async (inMs: number) => {
    const n = markers++;
    const id = await plan(n, inMs);
    await waitFor(async () => fired.some((f) => f.subjectId === subject(n)) && (await status(id)).status === 'DONE');
  };

  it('fires on time, once, and records how late it ran', async () => {
    const due = Date.now() + 600;
    const id = await plan(1, 600);
    await waitFor(() => fired.some((f) => f.subjectId === subject(1)));
    const f = fired.find((x) => x.subjectId === subject(1))!;
    expect(f.at).toBeGreaterThanOrEqual(due - 5);
    expect(f.at - due).toBeLessThan(1000);
    await waitFor(async () => (await status(id)).status === 'DONE');
    expect((await status(id)).lateness_ms).toBeGreaterThanOrEqual(0);
  });

  it('moving the date moves the event: it fires at the new time, not the old', async () => {
    await plan(2, 300);
    const id = await plan(2, 1500); // same kind and subject: the pending row moves
    await pastMarker(800); // past the old time
    expect(fired.some((f) => f.subjectId === subject(2))).toBe(false);
    await waitFor(() => fired.some((f) => f.subjectId === subject(2)));
    await waitFor(async () => (await status(id)).status === 'DONE');
    expect(fired.filter((f) => f.subjectId === subject(2))).toHaveLength(1);
  });

  it('a job that fires twice (or two workers) changes nothing twice', async () => {
    const id = await t.dataSource.transaction((m) => scheduler.plan(m, { kind: KIND, subjectId: subject(3), runAt: new Date(Date.now() - 1000) }));
    await Promise.all([scheduler.run(id), scheduler.run(id), scheduler.run(id)]);
    await pastMarker(0); // and past its own job, queued when it was planned
    expect(fired.filter((f) => f.subjectId === subject(3))).toHaveLength(1);
  });

  it('a rolled-back plan never fires', async () => {
    await expect(
      t.dataSource.transaction(async (m) => {
        await scheduler.plan(m, { kind: KIND, subjectId: subject(4), runAt: new Date(Date.now() + 100) });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await pastMarker(700);
    expect(fired.some((f) => f.subjectId === subject(4))).toBe(false);
  });

  it('survives losing Redis: the sweeper re-plans pending events from the database', async () => {
    const id = await plan(5, 800);
    await t.app.get(JobQueue).queue(QueueName.TimedEvents).obliterate({ force: true }); // Redis loses the job
    expect(await scheduler.sweep(null)).toBeGreaterThanOrEqual(1);
    await waitFor(() => fired.some((f) => f.subjectId === subject(5)));
    await waitFor(async () => (await status(id)).status === 'DONE'); // fired is recorded before the commit
  });

  it('a failing event is retried until it runs (more failures than BullMQ attempts), with an alert after N failures', async () => {
    failing.set(subject(8), TIMED_EVENT_ALERT_AFTER + 3); // BullMQ alone gives up after 5 attempts
    const id = await plan(8, 100);
    await waitFor(async () => (await status(id)).status === 'DONE', 40_000);
    expect(fired.filter((f) => f.subjectId === subject(8))).toHaveLength(1);
    const [row] = await t.dataSource.query(`SELECT failures, last_error FROM scheduled_events WHERE id = $1`, [id]);
    expect(row).toEqual({ failures: TIMED_EVENT_ALERT_AFTER + 3, last_error: 'database trouble at the deadline' });
    const alerts = await t.app.get(MetricsService).registry.getSingleMetricAsString('timed_event_alerts_total');
    expect(alerts).toMatch(/timed_event_alerts_total\{kind="TEST_EVENT"\} [1-9]/);
  });

  it("re-planning an event whose job failed adds a fresh job (BullMQ ignores an add with a failed job's id)", async () => {
    failing.set(subject(9), 1_000); // keeps failing until the test lets it run
    const runAt = new Date(Date.now() - 50);
    const id = await t.dataSource.transaction((m) => scheduler.plan(m, { kind: KIND, subjectId: subject(9), runAt }));
    await waitFor(async () => (await t.dataSource.query(`SELECT failures FROM scheduled_events WHERE id = $1`, [id]))[0].failures >= 1);
    const [{ failures }] = await t.dataSource.query(`SELECT failures FROM scheduled_events WHERE id = $1`, [id]);
    await t.dataSource.transaction((m) => scheduler.plan(m, { kind: KIND, subjectId: subject(9), runAt }));
    const queue = t.app.get(JobQueue).queue(QueueName.TimedEvents);
    const ids = (await queue.getJobs(['delayed', 'waiting', 'active', 'failed', 'completed'])).map((j) => j.id);
    expect(ids.filter((j) => j?.startsWith(`evt-${id}-`)).length).toBeGreaterThanOrEqual(2);
    expect(ids).toContain(`evt-${id}-${runAt.getTime()}-${failures}`);
    failing.set(subject(9), 0);
    await waitFor(async () => (await status(id)).status === 'DONE', 20_000);
  });

  it('the notification outbox is swept from the database: a row whose job was lost (Redis outage) is delivered', async () => {
    const [{ id }] = await t.dataSource.query(
      `INSERT INTO notifications (topic, subject, body, dedupe_key, created_at)
       VALUES ('TENDER_AMENDED', '招标文件澄清', 'body', 'lost-job-1', clock_timestamp() - interval '10 seconds') RETURNING id`,
    );
    await waitFor(async () => (await t.dataSource.query(`SELECT status FROM notifications WHERE id = $1`, [id]))[0].status === 'SENT', 15_000);
  });

  it('cancelled events do not fire', async () => {
    const id = await plan(6, 400);
    await t.dataSource.transaction((m) => scheduler.cancel(m, KIND, subject(6)));
    await pastMarker(900);
    expect(fired.some((f) => f.subjectId === subject(6))).toBe(false);
    expect((await status(id)).status).toBe('CANCELLED');
  });
});

describe('timed events survive a restart', () => {
  it('re-plans pending events at start-up', async () => {
    const fired: string[] = [];
    const a = await createTestApp();
    const s1 = a.app.get(SchedulerService);
    s1.handle(KIND, async (_m, e) => void fired.push(e.subjectId));
    const id = await a.dataSource.transaction((m) => s1.plan(m, { kind: KIND, subjectId: subject(7), runAt: new Date(Date.now() + 1500) }));
    await a.close(); // the process stops and its Redis keys are gone (close obliterates the queues)
    const b = await createTestApp({ keepData: true, env: { QUEUE_PREFIX: a.config.queuePrefix } });
    try {
      b.app.get(SchedulerService).handle(KIND, async (_m, e) => void fired.push(e.subjectId));
      const end = Date.now() + 8000;
      while (!fired.includes(subject(7)) && Date.now() < end) await sleep(50);
      expect(fired).toEqual([subject(7)]);
      let row: { status: string } = { status: '' };
      while (row.status !== 'DONE' && Date.now() < end + 5000) {
        [row] = await b.dataSource.query(`SELECT status FROM scheduled_events WHERE id = $1`, [id]);
        if (row.status !== 'DONE') await sleep(50);
      }
      expect(row.status).toBe('DONE');
    } finally {
      await b.close();
    }
  });
});
