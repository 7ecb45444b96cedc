#!/usr/bin/env node
// Probes used by setup.sh: `node scripts/services.js pg URL` / `redis URL` exit 0 when the service answers.
const [, , kind, url] = process.argv;
const done = (ok) => process.exit(ok ? 0 : 1);
setTimeout(() => done(false), 4000).unref();
if (kind === 'pg') {
  const { Client } = require('pg');
  const u = new URL(url);
  u.pathname = '/postgres';
  const c = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 3000 });
  c.connect()
    .then(() => c.query('SELECT 1'))
    .then(() => c.end())
    .then(
      () => done(true),
      () => done(false),
    );
} else if (kind === 'redis') {
  const Redis = require('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  r.on('error', () => undefined);
  r.connect()
    .then(() => r.ping())
    .then(
      () => {
        r.disconnect();
        done(true);
      },
      () => done(false),
    );
} else {
  console.error('usage: services.js pg|redis URL');
  done(false);
}
