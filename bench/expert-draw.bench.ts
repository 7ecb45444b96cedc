/**
 * The random draw of an evaluation committee from a pool of 100,000 experts, with every recusal check, through
 * the real code path (`ExpertDrawService.drawPanel` in a transaction of its own, against PostgreSQL): conflict
 * organisations (procuring entity + the tender's bidders), employers, declared conflicts, recent service for the
 * same procuring entity, seats on overlapping panels, unavailability; then the candidate lists are recorded with
 * their SHA-256, the experts selected from the seed, the seats inserted, the timeouts planned, the audit appended,
 * the transaction committed. Each measured draw is a different tender, drawn once, one after the other — as the
 * platform sees them: the experts seated by a draw are busy for the next ones. Target: p99 ≤ 50 ms.
 * The draws are expert-draw-v2: before each draw, the commitment's freeze of the candidate lists (in production in
 * the transaction that opens the evaluation) runs in a transaction of its own and is timed apart (freezeP99Ms).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/expert-draw.bench.ts [--draws 300] [--pool 100000]
 *
 * Uses its own database `ebidding_bench_draw` (created and migrated when missing; emptied and seeded each run) and
 * its own queue prefix; no HTTP. `runExpertDrawBench()` is what `npm run bench` calls.
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { randomBytes } from 'crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/infra/database/data-source';
import { prepareDatabase } from '../scripts/prepare-db';
import { AppModule } from '../src/app.module';
import { SYSTEM_ACTOR } from '../src/common/auth/actor';
import { AppConfig } from '../src/infra/config/app-config';
import { JobQueue } from '../src/infra/queue/job-queue.service';
import { QueueName } from '../src/infra/queue/queue.constants';
import { seedCommitment, selectRound } from '../src/modules/experts/draw/expert-draw.algorithm';
import { ExpertDrawService } from '../src/modules/experts/draw/expert-draw.service';
import { benchDatabaseUrl } from './bench-db';

export interface ExpertDrawBenchOptions {
  draws?: number;
  poolSize?: number;
  /** Defaults to postgres://postgres@127.0.0.1:5432/ebidding_bench_draw */
  databaseUrl?: string;
  log?: (line: string) => void;
}

export interface ExpertDrawBenchResult {
  name: 'expert-draw';
  poolSize: number;
  specialties: number;
  draws: number;
  seatsPerDraw: number;
  meanCandidatesPerSpecialty: number;
  meanExcludedPerSpecialty: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** expert-draw-v2: the commitment's freeze of the lists, timed apart from the draw. */
  freezeP99Ms: number;
  maxMs: number;
  /** The selection alone (HMAC over a recorded list of that size), for comparison. */
  selectionOnlyP99Ms: number;
  seedSeconds: number;
}

const SPECIALTIES = 40;
const ORGS = 5_000;
const ENTITIES = 200;

export async function runExpertDrawBench(opts: ExpertDrawBenchOptions = {}): Promise<ExpertDrawBenchResult> {
  const draws = opts.draws ?? 300;
  const poolSize = opts.poolSize ?? 100_000;
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'development',
    DATABASE_URL: opts.databaseUrl ?? benchDatabaseUrl('ebidding_bench_draw'),
    QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'error',
    LEGAL_PERIODS: 'relaxed',
    EXPERT_RECENT_SERVICE_DAYS: '90',
    RUN_WORKERS: 'false',
  });
  await prepareDatabase(config, undefined, { recreate: true });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ workers: false })] })
    .overrideProvider(AppConfig)
    .useValue(config)
    .compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  // The owner (resets and fixtures); the application connects as its restricted role.
  const ds = await new DataSource({ ...dataSourceOptions(config), logging: false, extra: { max: 8 } }).initialize();
  const tables: Array<{ tablename: string }> = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
  await ds.query(`TRUNCATE ${tables.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
  await app.init();
  try {
    const t0 = Date.now();
    const warmup = Math.min(20, draws);
    const targets = await seed(ds, poolSize, draws + warmup, log);
    const seedSeconds = (Date.now() - t0) / 1000;
    const service = app.get(ExpertDrawService);

    const timings: number[] = [];
    const freezeTimings: number[] = [];
    let candidates = 0;
    let excluded = 0;
    let rounds = 0;
    for (let i = 0; i < draws + warmup; i++) {
      const target = targets[i];
      // The commitment's freeze of the lists (expert-draw-v2; in production in the opening's transaction), timed apart.
      const frozeAt = process.hrtime.bigint();
      await ds.transaction((m) => service.freeze(m, target.drawId, target.tenderId, 0));
      const freezeMs = Number(process.hrtime.bigint() - frozeAt) / 1e6;
      if (i >= warmup) freezeTimings.push(freezeMs);
      const started = process.hrtime.bigint();
      // The whole draw, committed (the WAL flush and the after-commit job enqueueing included).
      const outcome = await ds.transaction((m) => service.drawPanel(m, target.drawId, SYSTEM_ACTOR));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (outcome.status !== 'DRAWN') throw new Error(`draw ${i}: ${JSON.stringify(outcome)}`);
      if (i >= warmup) {
        timings.push(ms);
        const r: Array<{ c: number; x: number }> = await ds.query(
          `SELECT cardinality(candidate_ids) AS c, jsonb_array_length(excluded) AS x FROM expert_draw_rounds WHERE draw_id = $1`,
          [target.drawId],
        );
        for (const x of r) {
          candidates += x.c;
          excluded += x.x;
          rounds++;
        }
      }
    }

    // The selection alone, over a list of the mean size.
    const list = Array.from({ length: Math.round(candidates / Math.max(1, rounds)) }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const seedHex = randomBytes(32).toString('hex');
    const sel: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = process.hrtime.bigint();
      selectRound({ seedHex, drawId: targets[0].drawId, specialty: 'B01', round: 0, seats: 5, candidates: list });
      sel.push(Number(process.hrtime.bigint() - s) / 1e6);
    }

    const result: ExpertDrawBenchResult = {
      name: 'expert-draw',
      poolSize,
      specialties: SPECIALTIES,
      draws,
      seatsPerDraw: 7,
      meanCandidatesPerSpecialty: Math.round(candidates / Math.max(1, rounds)),
      meanExcludedPerSpecialty: Math.round(excluded / Math.max(1, rounds)),
      p50Ms: pct(timings, 0.5),
      p95Ms: pct(timings, 0.95),
      p99Ms: pct(timings, 0.99),
      freezeP99Ms: pct(freezeTimings, 0.99),
      maxMs: round(Math.max(...timings)),
      selectionOnlyP99Ms: pct(sel, 0.99),
      seedSeconds: round(seedSeconds),
    };
    log(
      `expert draw: pool ${poolSize}, ${draws} draws of 7 seats (2 specialties), ~${result.meanCandidatesPerSpecialty} candidates and ` +
        `~${result.meanExcludedPerSpecialty} excluded per specialty: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms; the lists' freeze at the commitment: p99 ${result.freezeP99Ms} ms`,
    );
    return result;
  } finally {
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

/**
 * The pool: `poolSize` experts over 40 specialties (1–3 each), employed by 5,000 organisations, 20 % with a declared
 * conflict, 0.5 % disabled, 1 % unavailable; 2,000 seats held on 200 running panels (overlap) and 3,000 seats served
 * in the last 180 days for 200 procuring entities (recent service); one target tender per draw in EVALUATION with
 * 5 opened bids, its draw committed — each draw seats 5 experts of one specialty and 2 of another.
 */
async function seed(ds: DataSource, poolSize: number, targetCount: number, log: (l: string) => void): Promise<Array<{ tenderId: string; drawId: string }>> {
  const T = targetCount;
  log(`seeding ${poolSize} experts...`);
  await ds.query(
    `INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
     SELECT '基准单位' || g, $1 || lpad(g::text, 16, '0'), CASE WHEN g <= $2 THEN 'PROCURING_ENTITY' ELSE 'BIDDER' END, '代表' || g, '银行', '6222' || lpad(g::text, 12, '0')
     FROM generate_series(1, $3) g`,
    ['91', ENTITIES, ORGS],
  );
  const [owner] = await ds.query(`INSERT INTO users (username, password_hash, role) VALUES ('bench-owner', 'x', 'PROCURING_ENTITY') RETURNING id`);
  await ds.query(`INSERT INTO users (username, password_hash, role) SELECT 'bench-expert-' || lpad(g::text, 7, '0'), 'x', 'EXPERT' FROM generate_series(1, $1) g`, [poolSize]);
  await ds.query(
    `INSERT INTO experts (user_id, name, specialties, region, employer_uscc, title, years_of_experience, status, unavailable_until)
     SELECT u.id, '专家' || u.n,
            array_remove(ARRAY[
              'B' || lpad(((u.n * 7) % ${SPECIALTIES} + 1)::text, 2, '0'),
              CASE WHEN u.n % 2 = 0 THEN 'B' || lpad(((u.n * 13 + 5) % ${SPECIALTIES} + 1)::text, 2, '0') END,
              CASE WHEN u.n % 3 = 0 THEN 'B' || lpad(((u.n * 29 + 11) % ${SPECIALTIES} + 1)::text, 2, '0') END], NULL),
            '江苏省', '91' || lpad(((u.n * 7919) % ${ORGS} + 1)::text, 16, '0'), '高级工程师', 8 + u.n % 30,
            CASE WHEN u.n % 200 = 0 THEN 'DISABLED' ELSE 'ACTIVE' END,
            CASE WHEN u.n % 100 = 1 THEN 'infinity'::timestamptz END
     FROM (SELECT id, row_number() OVER (ORDER BY username) AS n FROM users WHERE role = 'EXPERT') u`,
  );
  await ds.query(
    `INSERT INTO expert_conflicts (expert_id, uscc, reason, declared_by)
     SELECT id, '91' || lpad(((n * 31) % ${ORGS} + 1)::text, 16, '0'), '近亲属任职', 'EXPERT'
     FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM experts) e WHERE n % 5 = 0`,
  );
  // T targets (EVALUATION, bids opened), 200 running panels (EVALUATION), 200 past (CONTRACTED).
  const tenders: Array<{ id: string; n: number; procuring_entity_id: string }> = await ds.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, price_ceiling, bid_deadline,
                          bid_security_amount, decryption_mode, decryption_window_minutes, evaluation_method, panel_size,
                          panel_specialties, status, published_at, opened_at)
     SELECT o.id, $1, '基准项目' || g, 'CONSTRUCTION_WORKS', 'ENGINEERING', 'OPEN', '40000000.00', '38000000.00', now() - interval '1 day',
            '200000.00', 'BIDDER_WITH_ESCROW_FALLBACK', 30, 'LOWEST_EVALUATED_PRICE', 7,
            jsonb_build_array(jsonb_build_object('code', 'B' || lpad((g % ${SPECIALTIES} + 1)::text, 2, '0'), 'count', 5),
                              jsonb_build_object('code', 'B' || lpad(((g * 7 + 3) % ${SPECIALTIES} + 1)::text, 2, '0'), 'count', 2)),
            CASE WHEN g <= ${T + 200} THEN 'EVALUATION' ELSE 'CONTRACTED' END, now() - interval '40 days', now() - interval '1 day'
     FROM generate_series(1, ${T + 400}) g JOIN organizations o ON o.uscc = '91' || lpad(((g - 1) % ${ENTITIES} + 1)::text, 16, '0')
     RETURNING id, (regexp_replace(title, '\\D', '', 'g'))::int AS n, procuring_entity_id`,
    [owner.id],
  );
  const drawOf = new Map<string, string>();
  for (const t of tenders) {
    const seedHex = randomBytes(32).toString('hex');
    const [d] = await ds.query(
      `INSERT INTO expert_draws (tender_id, procuring_entity_id, algorithm, seed_hex, seed_commitment, status)
       VALUES ($1, $2, 'expert-draw-v2', $3, $4, $5) RETURNING id`,
      [t.id, t.procuring_entity_id, seedHex, seedCommitment(seedHex), t.n <= T ? 'COMMITTED' : 'DRAWN'],
    );
    drawOf.set(t.id, d.id);
  }
  const running = tenders.filter((t) => t.n > T && t.n <= T + 200);
  const past = tenders.filter((t) => t.n > T + 200);
  const seat = async (list: typeof tenders, perTender: number, status: string, offset: number) => {
    for (const [i, t] of list.entries()) {
      await ds.query(
        `INSERT INTO panel_members (draw_id, tender_id, procuring_entity_id, kind, expert_id, user_id, name, specialty, status, responded_at)
         SELECT $1, $2, $3, 'EXPERT', e.id, e.user_id, e.name, e.specialties[1], $4, clock_timestamp() - make_interval(days => (e.rn % 180)::int)
         FROM (SELECT id, user_id, name, specialties, row_number() OVER (ORDER BY id) AS rn FROM experts) e
         WHERE e.rn > $5 AND e.rn <= $5 + $6`,
        [drawOf.get(t.id), t.id, t.procuring_entity_id, status, offset + i * perTender * 37, perTender],
      );
    }
  };
  await seat(running, 10, 'ACCEPTED', 11);
  await seat(past, 15, 'COMPLETED', 23);
  // 5 opened, decrypted bids per target, from bidders some of whose staff are in the pool (employer recusal).
  const targets = tenders.filter((t) => t.n <= T).sort((a, b) => a.n - b.n);
  for (const t of targets) {
    await ds.query(
      `INSERT INTO bids (tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, ciphertext_sha256,
                         ciphertext_bytes, received_at, signature, ip, device_id, opened_at, decrypted_at, decrypted_by, price)
       SELECT $1, o.id, $2, 1, 'DECRYPTED', '\\x00'::bytea, decode(repeat('00', 12), 'hex'), repeat('a', 64), repeat('b', 64), 1,
              now() - interval '2 days', 'sig', '10.0.0.1', 'dev', now() - interval '1 day', now() - interval '1 day', 'BIDDER', 36000000 + k * 100000
       FROM generate_series(1, 5) k JOIN organizations o ON o.uscc = '91' || lpad((${ENTITIES} + ($3 * 5 + k) % (${ORGS} - ${ENTITIES}) + 1)::text, 16, '0')`,
      [t.id, owner.id, t.n],
    );
  }
  // The steady state autovacuum keeps: statistics and the visibility map (index-only scans).
  await ds.query(`VACUUM ANALYZE`);
  const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM experts`);
  log(`seeded ${n} experts, ${tenders.length} tenders, ${running.length * 10 + past.length * 15} seats`);
  return targets.map((t) => ({ tenderId: t.id, drawId: drawOf.get(t.id)! }));
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]);
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  runExpertDrawBench({ draws: arg('draws'), poolSize: arg('pool') })
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    })
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    });
}
