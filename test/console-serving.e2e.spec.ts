import { readdirSync } from 'fs';
import { join } from 'path';
import { ensureConsoleBuilt } from './browser/harness';
import { createTestApp, type TestApp } from './helpers/test-app';

/** The console is served at / by the same process (UI.md "Serving"); the API and the operations paths are unchanged. */
describe('serving the web console', () => {
  let t: TestApp;
  beforeAll(async () => {
    ensureConsoleBuilt();
    t = await createTestApp({ workers: false });
  });
  afterAll(() => t.close());

  it.each(['/', '/tenders', '/tenders/6f1c2a4e-3b5d-4c7e-9f01-23456789abcd/opening', '/admin', '/no/such/page'])('GET %s → the console (index.html)', async (path) => {
    const res = await t.http().get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<div id="root"></div>');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it.each(['/api/v1/no-such-endpoint', '/api/v1', '/assets/no-such-chunk.js', '/docs/no-such-file.js'])('GET %s → the JSON 404, not the console', async (path) => {
    const res = await t.http().get(path);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('the API, health, docs and the queue dashboard answer as before; bad bodies stay 400/413', async () => {
    expect((await t.http().get('/health')).body.status).toBeDefined();
    expect((await t.http().get('/docs-json')).body.openapi).toMatch(/^3\./);
    expect((await t.http().get('/admin/queues')).status).toBe(401);
    const bad = await t.http().post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{bad');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect((await t.http().get('/api/v1/tenders')).body).toHaveProperty('items');
  });

  it('hashed assets: gzip to browsers that accept it, cached for a year', async () => {
    const js = readdirSync(join(__dirname, '..', 'web', 'dist', 'assets')).find((f) => /^index-.*\.js$/.test(f))!;
    const gz = await t.http().get(`/assets/${js}`).set('Accept-Encoding', 'gzip');
    expect(gz.status).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toMatch(/javascript/);
    expect(gz.headers['cache-control']).toContain('immutable');
    const plain = await t.http().get(`/assets/${js}`).set('Accept-Encoding', 'identity');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
  });
});
