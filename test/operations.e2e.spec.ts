import { adminParty, registerParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('operations: health, metrics, queue dashboard', () => {
  let t: TestApp;
  const METRICS_TOKEN = 'scraper-token-0123456789';
  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN } });
  });
  afterAll(() => t.close());

  it('GET /health reports the database and Redis', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('GET /metrics serves Prometheus text to an administrator', async () => {
    const admin = await adminParty(t);
    await t.http().get('/api/v1/me').set(admin.auth).expect(200); // one request to be measured
    const res = await t.http().get('/metrics').set(admin.auth).expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/route="\/api\/v1\/me"/);
    expect(res.text).toContain('queue_jobs{queue="timed-events",state="delayed"}');
    expect(res.text).toContain('bids_received_total');
    expect(res.text).toContain('job_failures_total');
  });

  it('GET /metrics accepts the scraper token and refuses everyone else', async () => {
    await t.http().get('/metrics').set('X-Metrics-Token', METRICS_TOKEN).expect(200);
    await t.http().get('/metrics').set('X-Metrics-Token', 'wrong-token-0123456789').expect(403);
    await t.http().get('/metrics').expect(403);
    const bidder = await registerParty(t);
    await t.http().get('/metrics').set(bidder.auth).expect(403);
  });

  it('the BullMQ dashboard is behind the ADMIN role', async () => {
    await t.http().get('/admin/queues').expect(401);
    const bidder = await registerParty(t);
    await t.http().get('/admin/queues').set(bidder.auth).expect(403);
    const admin = await adminParty(t);
    const res = await t.http().get('/admin/queues').set(admin.auth).expect(200);
    expect(res.text).toContain('<html');
    const api = await t.http().get('/admin/queues/api/queues').set('Cookie', `access_token=${admin.token}`).expect(200);
    expect(JSON.stringify(api.body)).toContain('timed-events');
  });
});
