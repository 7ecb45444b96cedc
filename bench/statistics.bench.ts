/**
 * The yearbook figures over one year of 10,000 tenders: GET /api/v1/statistics?from=2026-01-01&to=2026-12-31 over
 * HTTP against the real app and PostgreSQL, one request after the other (the public summary), and the supervisors'
 * view (with the bid-derived figures) through the same service. Target: p99 ≤ 200 ms. Also timed once each: the
 * annual report PDF and the year's OCDS compiled releases as JSON Lines.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/statistics.bench.ts [--tenders 10000] [--requests 300]
 *
 * Data (written with SQL into its own database `ebidding_bench_statistics`, rebuilt from the migrations each run):
 * 10,000 tenders published over 2026 (北京时间) in the seven categories; 90 % awarded with 8 opened bids each, 5 %
 * failed, 5 % still sealed with 5 bids each (never counted); 40 decided supervision cases with 2 penalties each.
 * `runStatisticsBench()` is what `npm run bench` calls.
 */
import 'reflect-metadata';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'crypto';
import { type AddressInfo } from 'net';
import { DataSource } from 'typeorm';
import { prepareDatabase } from '../scripts/prepare-db';
import { AppModule } from '../src/app.module';
import { configureHttpApp } from '../src/bootstrap';
import { type Actor } from '../src/common/auth/actor';
import { Role } from '../src/common/auth/role.enum';
import { AppConfig } from '../src/infra/config/app-config';
import { StatisticsService } from '../src/modules/transparency/statistics/statistics.service';
import { benchDatabaseUrl } from './bench-db';
import { type LatencyStats, stats } from './latency';

export interface StatisticsBenchOptions {
  tenders?: number;
  requests?: number;
  databaseUrl?: string;
  log?: (line: string) => void;
}

export interface StatisticsBenchResult {
  name: 'statistics';
  tenders: number;
  bids: number;
  http: LatencyStats;
  supervisor: LatencyStats;
  pdfMs: number;
  jsonl: { ms: number; lines: number; bytes: number };
  seedSeconds: number;
}

const QUERY = '?from=2026-01-01&to=2026-12-31';

export async function runStatisticsBench(opts: StatisticsBenchOptions = {}): Promise<StatisticsBenchResult> {
  const tenders = opts.tenders ?? 10_000;
  const requests = opts.requests ?? 300;
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'development',
    DATABASE_URL: opts.databaseUrl ?? benchDatabaseUrl('ebidding_bench_statistics'),
    QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'error',
    RUN_WORKERS: 'false',
  });
  await prepareDatabase(config, undefined, { recreate: true });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ workers: false })] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] });
  configureHttpApp(app, config);
  const ds = app.get(DataSource);
  await app.init();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/api/v1`;
  try {
    const t0 = Date.now();
    const bids = await seed(ds, tenders);
    const seedSeconds = (Date.now() - t0) / 1000;
    log(`   seeded ${tenders} tenders, ${bids} bids in ${seedSeconds.toFixed(1)} s`);

    const first = (await (await fetch(`${base}/statistics${QUERY}`)).json()) as Record<string, any>;
    log(
      `   ${JSON.stringify({ tenders: first.tenders, awarded: first.awarded, turnover: first.turnover, savingsRate: first.savingsRate, averageCycleDays: first.averageCycleDays, penalties: first.penalties })}`,
    );
    if (first.tenders !== tenders) throw new Error(`expected ${tenders} tenders, got ${first.tenders}`);

    const time = async (n: number, call: () => Promise<void>) => {
      for (let i = 0; i < 20; i++) await call(); // warm-up
      const lat: number[] = [];
      let errors = 0;
      const started = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const s = process.hrtime.bigint();
        try {
          await call();
        } catch {
          errors++;
        }
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
      return stats(lat, Number(process.hrtime.bigint() - started) / 1e9, errors);
    };
    const http = await time(requests, async () => {
      const r = await fetch(`${base}/statistics${QUERY}`);
      if (r.status !== 200) throw new Error(String(r.status));
      await r.arrayBuffer();
    });
    log(`   GET /statistics (public, HTTP): p50 ${http.p50Ms} ms, p99 ${http.p99Ms} ms, max ${http.maxMs} ms over ${http.count}`);
    const service = app.get(StatisticsService);
    const supervisorActor: Actor = { userId: 'bench', role: Role.SUPERVISOR, organizationId: null, ip: '127.0.0.1' };
    const supervisor = await time(Math.max(50, Math.round(requests / 3)), async () => {
      await service.compute({ from: '2026-01-01', to: '2026-12-31' }, supervisorActor);
    });
    log(`   supervisors' view (service): p50 ${supervisor.p50Ms} ms, p99 ${supervisor.p99Ms} ms`);

    let s = process.hrtime.bigint();
    const pdf = await fetch(`${base}/statistics.pdf${QUERY}`);
    const pdfBytes = (await pdf.arrayBuffer()).byteLength;
    const pdfMs = Number(process.hrtime.bigint() - s) / 1e6;
    log(`   GET /statistics.pdf: ${pdfMs.toFixed(0)} ms, ${pdfBytes} bytes`);
    s = process.hrtime.bigint();
    const jl = await fetch(`${base}/ocds/compiled-releases.jsonl${QUERY}`);
    const text = await jl.text();
    const jsonl = { ms: Math.round(Number(process.hrtime.bigint() - s) / 1e6), lines: text.split('\n').filter(Boolean).length, bytes: Buffer.byteLength(text) };
    log(`   GET /ocds/compiled-releases.jsonl: ${jsonl.lines} lines, ${(jsonl.bytes / 2 ** 20).toFixed(1)} MiB in ${jsonl.ms} ms`);
    return { name: 'statistics', tenders, bids, http, supervisor, pdfMs: Math.round(pdfMs), jsonl, seedSeconds: Math.round(seedSeconds * 10) / 10 };
  } finally {
    await app.close();
  }
}

/** One year of platform data, written with set-based SQL. Returns the number of bids. */
async function seed(ds: DataSource, n: number): Promise<number> {
  await ds.query(`SELECT setseed(0.15)`);
  await ds.query(`
    INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
    SELECT CASE WHEN i = 0 THEN '盐城市住房和城乡建设局' ELSE '盐城基准建设有限公司' || i END,
           '91320900' || lpad(i::text, 10, '0'), CASE WHEN i = 0 THEN 'PROCURING_ENTITY' ELSE 'BIDDER' END,
           '法人' || i, '中国工商银行盐城分行', '6222' || lpad(i::text, 12, '0')
    FROM generate_series(0, 300) i`);
  await ds.query(`INSERT INTO users (username, password_hash, role) VALUES ('bench-statistics', 'scrypt$x', 'SUPERVISOR')`);
  const [{ pe, uid }] = await ds.query(
    `SELECT (SELECT id FROM organizations WHERE uscc = '913209000000000000') AS pe, (SELECT id FROM users WHERE username = 'bench-statistics') AS uid`,
  );
  // Tenders: published over 2026 (北京时间); 90 % awarded, 5 % failed, 5 % still before their deadline.
  await ds.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, price_ceiling, bid_deadline, bid_security_amount,
                          decryption_mode, decryption_window_minutes, evaluation_method, panel_size, status, published_at, opened_at, created_at)
     SELECT $1, $2, '基准项目' || i,
            (ARRAY['CONSTRUCTION_WORKS','CONSTRUCTION_WORKS','CONSTRUCTION_WORKS','GOODS','SERVICES','PROPERTY_RIGHTS','LAND_AND_MINING_RIGHTS','MEDICAL_SUPPLIES','OTHER'])[1 + (i % 9)],
            'ENGINEERING', 'OPEN', b.budget, NULL, p.at + interval '20 days', '0.00', 'ESCROW', 30, 'LOWEST_EVALUATED_PRICE', 5,
            s.status, p.at, CASE WHEN s.status = 'PUBLISHED' THEN NULL ELSE p.at + interval '20 days' END, p.at
     FROM generate_series(1, $3::int) i
     CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 00:00:00+08' + (random() * 364.9 + i * 0) * interval '1 day' AS at) p
     CROSS JOIN LATERAL (SELECT round((100000 + random() * 99900000 + i * 0)::numeric, 2) AS budget) b
     CROSS JOIN LATERAL (SELECT CASE WHEN i % 20 = 0 THEN 'FAILED' WHEN i % 20 = 1 THEN 'PUBLISHED' ELSE 'AWARDED' END AS status) s`,
    [pe, uid, n],
  );
  // Bids: 8 opened per awarded tender, 5 sealed per tender still before its deadline.
  await ds.query(
    `INSERT INTO bids (tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, ciphertext_sha256,
                       ciphertext_bytes, received_at, signature, ip, device_id, opened_at, decrypted_at, decrypted_by, price)
     SELECT t.id, o.id, $1, 1, CASE WHEN t.status = 'AWARDED' THEN 'DECRYPTED' ELSE 'SUBMITTED' END, '\\x00', '\\x000000000000000000000000',
            repeat('a', 64), repeat('b', 64), 1, t.published_at + interval '10 days', 'sig', '198.51.100.1', 'DEV',
            CASE WHEN t.status = 'AWARDED' THEN t.opened_at END, CASE WHEN t.status = 'AWARDED' THEN t.opened_at END,
            CASE WHEN t.status = 'AWARDED' THEN 'ESCROW' END,
            CASE WHEN t.status = 'AWARDED' THEN round(t.budget * (0.85 + k * 0.01), 2) END
     FROM (SELECT id, status, budget, published_at, opened_at, row_number() OVER (ORDER BY id) AS rn FROM tenders WHERE status IN ('AWARDED', 'PUBLISHED')) t
     CROSS JOIN generate_series(1, 8) k
     JOIN organizations o ON o.uscc = '91320900' || lpad((1 + ((t.rn * 7 + k * 13) % 300))::text, 10, '0')
     WHERE t.status = 'AWARDED' OR k <= 5`,
    [uid],
  );
  await ds.query(
    `INSERT INTO awards (tender_id, bid_id, awardee_organization_id, awardee_name, price, rank, status, notice_no, notice_issued_at, contract_due_at)
     SELECT DISTINCT ON (b.tender_id) b.tender_id, b.id, b.bidder_organization_id, '中标人', b.price, 1, 'NOTIFIED', 'ZB-' || b.tender_id,
            t.opened_at + (5 + random() * 15 + k.z) * interval '1 day', t.opened_at + interval '60 days'
     FROM bids b JOIN tenders t ON t.id = b.tender_id CROSS JOIN LATERAL (SELECT 0 * length(b.id::text) AS z) k
     WHERE t.status = 'AWARDED'
     ORDER BY b.tender_id, b.price`,
  );
  // 40 decided cases with two penalties each.
  await ds.query(
    `WITH c AS (
       INSERT INTO supervision_cases (tender_id, status, summary, findings, request_sha256, opened_by, decided_at, decided_by)
       SELECT id, 'DECIDED', '基准案件', '经查属实', md5(id::text) || md5(id::text || 'case'), $1, opened_at + interval '40 days', $1
       FROM (SELECT id, opened_at, row_number() OVER (ORDER BY id) AS rn FROM tenders WHERE status = 'AWARDED' LIMIT 40) x
       RETURNING id, tender_id)
     INSERT INTO supervision_penalties (case_id, position, organization_id, type, ground, legal_basis, effective_from)
     SELECT c.id, k - 1, b.bidder_organization_id, 'WARNING', 'COLLUSION', '招标投标法 第五十三条', now()
     FROM c CROSS JOIN generate_series(1, 2) k
     JOIN LATERAL (SELECT bidder_organization_id FROM bids WHERE tender_id = c.tender_id ORDER BY id OFFSET k - 1 LIMIT 1) b ON true`,
    [uid],
  );
  await ds.query(`VACUUM ANALYZE`); // as autovacuum does after a bulk load (visibility map for index-only scans)
  const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM bids`);
  return count;
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runStatisticsBench({ tenders: arg('tenders'), requests: arg('requests') })
    .then(() => process.exit(0))
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    });
}
