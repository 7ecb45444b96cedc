import { createServer, type IncomingMessage, type Server } from 'http';
import { type AddressInfo } from 'net';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName } from 'src/infra/queue/queue.constants';
import { NotificationsService } from 'src/modules/notifications/notifications.service';
import { createTestApp, type TestApp } from './helpers/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The pluggable SMS / e-mail sender (NOTIFICATION_WEBHOOK_URL) against a gateway that fails first: the message stays
 * PENDING in the database outbox and is delivered later by the sweeper, even with its Redis job gone.
 */
describe('notification delivery through the gateway, retried from the database outbox', () => {
  let t: TestApp;
  let server: Server;
  const received: Array<{ key: string | undefined; body: Record<string, unknown> }> = [];
  let failuresLeft = 2;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        if (failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(503).end('gateway busy');
        } else {
          res.writeHead(200).end('{}');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    t = await createTestApp({ env: { NOTIFICATION_WEBHOOK_URL: `http://127.0.0.1:${port}/send`, SWEEP_INTERVAL_MS: '300' } });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => server.close(r));
  });

  it('a refused message stays PENDING, its job lost, and is delivered by the sweeper with the same idempotency key', async () => {
    const notifications = t.app.get(NotificationsService);
    let id = '';
    await t.dataSource.transaction(async (m) => {
      await notifications.enqueue(m, [{ topic: 'TENDER_AMENDED', subject: '【澄清】盐城市开发大道改造工程', body: '第1号澄清', dedupeKey: `outbox-webhook-${Date.now()}` }]);
      [{ id }] = await m.query(`SELECT id FROM notifications ORDER BY created_at DESC LIMIT 1`);
    });
    const end = Date.now() + 8000;
    while (received.length === 0 && Date.now() < end) await sleep(50);
    expect(received.length).toBeGreaterThanOrEqual(1);
    // Redis loses every job: only the database outbox is left.
    for (const q of Object.values(QueueName)) await t.app.get(JobQueue).queue(q).obliterate({ force: true });
    let row: { status: string; attempts: number } = { status: 'PENDING', attempts: 0 };
    while (row.status !== 'SENT' && Date.now() < end + 15_000) {
      [row] = await t.dataSource.query(`SELECT status, attempts FROM notifications WHERE id = $1`, [id]);
      if (row.status !== 'SENT') await sleep(100);
    }
    expect(row.status).toBe('SENT');
    expect(row.attempts).toBe(3);
    expect(received.map((r) => r.key)).toEqual([id, id, id]);
    expect(received[2].body).toMatchObject({ id, topic: 'TENDER_AMENDED', subject: '【澄清】盐城市开发大道改造工程' });
  });

  it('rejects a gateway that is not an http(s) URL at start-up', async () => {
    await expect(createTestApp({ env: { NOTIFICATION_WEBHOOK_URL: 'smtp://mail.example' } })).rejects.toThrow(/NOTIFICATION_WEBHOOK_URL/);
  });
});
