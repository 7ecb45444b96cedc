/**
 * Bank notifications ingested per second (POST /bank/notifications), with latency percentiles, next to the
 * ceiling of the database: the same rows (payment + its two ledger lines) inserted with raw pg, one transaction each,
 * at the same concurrency.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/bank-notifications.bench.ts \
 *     [--notifications 3000] [--concurrency 32] [--accounts 200]
 *
 * The app runs in this process on a free local port (API + workers, the real AppModule) against its own database
 * `ebidding_bench` (created and migrated when missing; its tables are emptied first) and its own queue prefix.
 * `runBankNotificationsBench()` is what `npm run bench` calls.
 */
import 'reflect-metadata';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { createHmac, randomBytes, randomUUID } from 'crypto';
import http from 'http';
import { cpus } from 'os';
import { type AddressInfo } from 'net';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/infra/database/data-source';
import { AppModule } from '../src/app.module';
import { configureHttpApp } from '../src/bootstrap';
import { AppConfig } from '../src/infra/config/app-config';
import { JobQueue } from '../src/infra/queue/job-queue.service';
import { QueueName } from '../src/infra/queue/queue.constants';
import { BidSecurityService } from '../src/modules/bid-security/bid-security.service';
import { deriveVirtualAccountNo } from '../src/modules/bid-security/virtual-account-number';
import { prepareDatabase } from '../scripts/prepare-db';
import { benchDatabaseUrl } from './bench-db';
import { type LatencyStats, stats } from './latency';

export type { LatencyStats } from './latency';

export interface BankNotificationsBenchOptions {
  notifications?: number;
  concurrency?: number;
  accounts?: number;
  /** Defaults to postgres://postgres@127.0.0.1:5432/ebidding_bench */
  databaseUrl?: string;
  log?: (line: string) => void;
}

export interface BankNotificationsBenchResult {
  name: 'bank-notifications';
  notifications: number;
  concurrency: number;
  accounts: number;
  /** New notifications through HTTP: signature, validation, one transaction (payment, journal, audit event). */
  http: LatencyStats;
  /** The same notifications again: every one answered DUPLICATE. */
  httpDuplicates: LatencyStats;
  /** Raw pg, the same rows (payment + 2 ledger lines) in one transaction each: the database's ceiling. */
  dbCeiling: LatencyStats;
  /** Raw pg with the audit append each notification also makes (advisory lock on the account's stream + insert). */
  dbCeilingWithAudit: LatencyStats;
  ledgerBalanced: boolean;
  node: string;
  cpus: number;
}

/** Runs `work(i)` for i in [0, n) with `concurrency` workers; returns each call's latency. */
async function drive(n: number, concurrency: number, work: (i: number) => Promise<boolean>): Promise<LatencyStats> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t0 = process.hrtime.bigint();
        const ok = await work(i).catch(() => false);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!ok) errors++;
      }
    }),
  );
  return stats(latencies, Number(process.hrtime.bigint() - started) / 1e9, errors);
}

function post(agent: http.Agent, port: number, body: string, signature: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/bank/notifications',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Bank-Signature': signature },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function seed(ds: DataSource, accounts: number, label: string): Promise<{ tenderId: string; accountNos: string[] }> {
  const key = randomBytes(32);
  const [owner] = await ds.query(
    `INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
     VALUES ($1, $2, 'PROCURING_ENTITY', '王五', '中国银行', '6000') RETURNING id`,
    [`盐城市基准测试招标人${label}`, randomBytes(9).toString('hex').toUpperCase()],
  );
  const [user] = await ds.query(`INSERT INTO users (username, password_hash, role, organization_id) VALUES ($1, 'x', 'PROCURING_ENTITY', $2) RETURNING id`, [
    `bench-${label}-${randomUUID()}`,
    owner.id,
  ]);
  const [tender] = await ds.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, bid_deadline, bid_security_amount,
                          decryption_mode, decryption_window_minutes, evaluation_method, panel_size, status, published_at)
     VALUES ($1, $2, '基准测试项目', 'CONSTRUCTION_WORKS', 'ENGINEERING', 'OPEN', '40000000.00', now() + interval '1 day', '200000.00',
             'ESCROW', 30, 'LOWEST_EVALUATED_PRICE', 5, 'PUBLISHED', now()) RETURNING id`,
    [owner.id, user.id],
  );
  const accountNos: string[] = [];
  for (let i = 0; i < accounts; i++) {
    const [org] = await ds.query(
      `INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
       VALUES ($1, $2, 'BIDDER', $3, '中国工商银行', $4) RETURNING id`,
      [`基准投标人${label}-${i}`, randomBytes(9).toString('hex').toUpperCase(), `法人${i}`, `6222${String(i).padStart(15, '0')}`],
    );
    const no = deriveVirtualAccountNo(key, tender.id, org.id);
    await ds.query(`INSERT INTO bid_security_accounts (tender_id, bidder_organization_id, virtual_account_no) VALUES ($1, $2, $3)`, [tender.id, org.id, no]);
    accountNos.push(no);
  }
  return { tenderId: tender.id, accountNos };
}

export async function runBankNotificationsBench(opts: BankNotificationsBenchOptions = {}): Promise<BankNotificationsBenchResult> {
  const n = opts.notifications ?? 3000;
  const concurrency = opts.concurrency ?? 32;
  const accountCount = opts.accounts ?? 200;
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const databaseUrl = opts.databaseUrl ?? benchDatabaseUrl('ebidding_bench');
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'error',
    LEGAL_PERIODS: 'relaxed',
  });
  await prepareDatabase(config, undefined, { recreate: true });

  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ workers: true })] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error'] });
  configureHttpApp(app, config);
  // The owner (resets and fixtures); the application connects as its restricted role.
  const ds = await new DataSource({ ...dataSourceOptions(config), logging: false, extra: { max: 8 } }).initialize();
  const tables: Array<{ tablename: string }> = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
  await ds.query(`TRUNCATE ${tables.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const pool = new Pool({ connectionString: config.databaseUrl, max: concurrency });
  try {
    log(`bank notifications: ${n} notifications, concurrency ${concurrency}, ${accountCount} sub-accounts, app on :${port}`);
    const seeded = await seed(ds, accountCount, 'http');
    const bodies = Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        txnId: `BENCH${i}-${randomBytes(4).toString('hex')}`,
        virtualAccountNo: seeded.accountNos[i % accountCount],
        amount: '1000.00',
        payerAccountNo: `6222${String(i % accountCount).padStart(15, '0')}`,
        payerName: `基准投标人-${i % accountCount}`,
        paidAt: new Date().toISOString(),
      }),
    );
    const signatures = bodies.map((b) => createHmac('sha256', config.bankWebhookSecret).update(b).digest('hex'));
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

    // Warm-up (JIT, pools), not measured: 100 notifications to another tender.
    const warm = await seed(ds, 10, 'warm');
    for (let i = 0; i < 100; i++) {
      const b = JSON.stringify({
        txnId: `WARM${i}-${randomUUID()}`,
        virtualAccountNo: warm.accountNos[i % 10],
        amount: '1.00',
        payerAccountNo: '1',
        payerName: 'w',
        paidAt: new Date().toISOString(),
      });
      await post(agent, port, b, createHmac('sha256', config.bankWebhookSecret).update(b).digest('hex'));
    }

    const httpStats = await drive(n, concurrency, async (i) => {
      const r = await post(agent, port, bodies[i], signatures[i]);
      return r.status === 200 && r.body.includes('ACCEPTED');
    });
    log(`  http (new):        ${httpStats.perSecond}/s  p50 ${httpStats.p50Ms} ms  p99 ${httpStats.p99Ms} ms  errors ${httpStats.errors}`);
    const dupStats = await drive(n, concurrency, async (i) => {
      const r = await post(agent, port, bodies[i], signatures[i]);
      return r.status === 200 && r.body.includes('DUPLICATE');
    });
    log(`  http (duplicates): ${dupStats.perSecond}/s  p50 ${dupStats.p50Ms} ms  p99 ${dupStats.p99Ms} ms  errors ${dupStats.errors}`);
    agent.destroy();

    const rec = await app.get(BidSecurityService).reconcile(ds.manager, seeded.tenderId);
    const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM bid_security_payments WHERE tender_id = $1`, [seeded.tenderId]);
    const ledgerBalanced = rec.balanced && count === n;
    log(`  ${count} payments stored, reconciliation balanced: ${rec.balanced}`);

    // The database's ceiling: the same rows, one transaction per notification, same concurrency.
    const ceilingRun = async (withAudit: boolean) => {
      const target = await seed(ds, accountCount, withAudit ? 'ceiling-audit' : 'ceiling');
      return drive(n, concurrency, async (i) => {
        const c = await pool.connect();
        try {
          await c.query('BEGIN');
          const va = target.accountNos[i % accountCount];
          const txn = `RAW${i}-${randomBytes(4).toString('hex')}`;
          const { rows } = await c.query(
            `INSERT INTO bid_security_payments (txn_id, body_sha256, virtual_account_no, account_id, tender_id, bidder_organization_id,
                                                amount, payer_account_no, payer_name, payer_is_basic_account, paid_at, received_at, classification)
             SELECT $1, repeat('0', 64), a.virtual_account_no, a.id, a.tender_id, a.bidder_organization_id, '1000.00', '6222', 'raw', true,
                    now(), clock_timestamp(), 'ACCEPTED'
             FROM bid_security_accounts a WHERE a.virtual_account_no = $2
             ON CONFLICT (txn_id) DO NOTHING RETURNING id, tender_id, account_id`,
            [txn, va],
          );
          const journal = randomUUID();
          await c.query(
            `INSERT INTO ledger_entries (journal_id, line_no, journal_kind, source_type, source_id, account, tender_id, debit, credit)
             VALUES ($1, 1, 'RECEIPT', 'payment', $2, 'BANK_ESCROW', $3, '1000.00', 0),
                    ($1, 2, 'RECEIPT', 'payment', $2, $4, $3, 0, '1000.00')`,
            [journal, rows[0].id, rows[0].tender_id, `BIDDER_DEPOSIT:${va}`],
          );
          if (withAudit) {
            // As the app does it: the sub-account's own stream (sealed until the opening), its lock, then the insert.
            const stream = `bench-raw:${rows[0].account_id}`;
            await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [stream]);
            await c.query(
              `INSERT INTO audit_events (stream, stream_seq, prev_hash, hash, occurred_at, actor_id, actor_role, ip, action, object_type, object_id,
                                         tender_id, sealed_tender_id, data)
               SELECT $1, coalesce(max(stream_seq), 0) + 1, repeat('0', 64), repeat('0', 64), clock_timestamp(), 'bank', 'SYSTEM', '',
                      'BID_SECURITY_PAYMENT_RECEIVED', 'bid_security_payment', $2, $3, $3, '{}'
               FROM audit_events WHERE stream = $1`,
              [stream, rows[0].id, rows[0].tender_id],
            );
          }
          await c.query('COMMIT');
          return true;
        } catch (e) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw e;
        } finally {
          c.release();
        }
      });
    };
    const dbCeiling = await ceilingRun(false);
    log(`  raw pg ceiling:    ${dbCeiling.perSecond}/s  p50 ${dbCeiling.p50Ms} ms  p99 ${dbCeiling.p99Ms} ms  errors ${dbCeiling.errors}`);
    const dbCeilingWithAudit = await ceilingRun(true);
    log(`  raw pg + audit:    ${dbCeilingWithAudit.perSecond}/s  p50 ${dbCeilingWithAudit.p50Ms} ms  p99 ${dbCeilingWithAudit.p99Ms} ms  errors ${dbCeilingWithAudit.errors}`);

    return {
      name: 'bank-notifications',
      notifications: n,
      concurrency,
      accounts: accountCount,
      http: httpStats,
      httpDuplicates: dupStats,
      dbCeiling,
      dbCeilingWithAudit,
      ledgerBalanced,
      node: process.version,
      cpus: cpus().length,
    };
  } finally {
    await pool.end();
    const jobs = app.get(JobQueue);
    await app.close();
    await ds.destroy();
    for (const q of Object.values(QueueName))
      await jobs
        .queue(q)
        .obliterate({ force: true })
        .catch(() => undefined);
  }
}

export default runBankNotificationsBench;

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runBankNotificationsBench({ notifications: arg('notifications'), concurrency: arg('concurrency'), accounts: arg('accounts') })
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(r.ledgerBalanced && r.http.errors === 0 ? 0 : 1);
    })
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
