/**
 * Sealed bids (API.md "Sealed bids" / "Opening"), three measurements against the real PostgreSQL and Redis:
 *
 * 1. Submission burst: `bidders` concurrent bidders (default 64) each submit `rounds` sealed bids of `bidBytes`
 *    (default 100 KB of ciphertext) to one tender — the first inserts, the others replace (version + 1). Throughput
 *    and p50/p99 latency, next to the database's ceiling measured in the same run: the same rows (bid row with its
 *    ciphertext, version row) and the same audit append (the stream's advisory lock, head read, insert), written by
 *    raw pg at the same concurrency with the app's pool size, without HTTP, JSON, validation or signing.
 * 2. Deadline precision: `deadlineTenders` tenders (default 10) with deadlines a few seconds apart; 3 bids each, then
 *    `straddlers` bidders (default 16) submit in a loop across the deadline. Reported: deadline → OPENING (database
 *    clock: the opening's own timestamp, and the commit as seen by a client polling GET /tenders/{id}), and how many
 *    bids were accepted at or after the deadline (must be 0) or accepted but missing from the opening (must be 0).
 * 3. Escrow opening: one ESCROW-mode tender with `escrowBids` bids (default 1,000) of `escrowBidBytes` (default
 *    100 KB); the time from the window's close to the stored opening record (JSON + PDF), database clock.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/bid-submission.bench.ts \
 *     [--bidders 64] [--rounds 10] [--bid-bytes 102400] [--deadline-tenders 10] [--straddlers 16] \
 *     [--escrow-bids 1000] [--escrow-bid-bytes 102400] [--skip burst,deadline,escrow]
 *
 * The platform runs as a separate process (`src/main.ts`: API + workers, the real AppModule) on a free local port,
 * so that sealing and HTTP client work in this process do not share its event loop. It uses its own database
 * `ebidding_bench_bids` (created and migrated when missing; its tables are emptied first; see bench-db.ts for its
 * name when several checkouts share one server) and its own queue prefix.
 * `runBidSubmissionBench()` is what `npm run bench` calls.
 */
import 'reflect-metadata';
import { JwtService } from '@nestjs/jwt';
import { type ChildProcess, spawn } from 'child_process';
import { createHash, randomBytes, randomUUID } from 'crypto';
import http from 'http';
import net from 'net';
import { readFileSync } from 'fs';
import { cpus, loadavg } from 'os';
import { join } from 'path';
import { Pool, type PoolClient } from 'pg';
import { prepareDatabase } from '../scripts/prepare-db';
import { AppConfig } from '../src/infra/config/app-config';
import { canonicalJson } from '../src/modules/audit/canonical-json';
import { GENESIS_HASH } from '../src/modules/audit/audit-chain';
import { type BidPlaintext, sealBid, type SealedBid } from '../src/sdk';
import { benchDatabaseUrl } from './bench-db';
import { type LatencyStats, percentile, round2, stats } from './latency';

export type { LatencyStats } from './latency';

export interface BidSubmissionBenchOptions {
  bidders?: number;
  rounds?: number;
  bidBytes?: number;
  deadlineTenders?: number;
  straddlers?: number;
  escrowBids?: number;
  escrowBidBytes?: number;
  skip?: Array<'burst' | 'deadline' | 'escrow'>;
  /** Extra node flags for the platform process, e.g. ['--cpu-prof']. */
  serverNodeArgs?: string[];
  /** Defaults to postgres://postgres@127.0.0.1:5432/ebidding_bench_bids */
  databaseUrl?: string;
  log?: (line: string) => void;
}

export interface DeadlineLag {
  /** opened_at − bid_deadline, both on the database clock (ms). */
  openedAtLagMs: { p50: number; p99: number; max: number };
  /** First GET /tenders/{id} answering OPENING − bid_deadline (ms): includes the commit and the 5 ms poll. */
  observedLagMs: { p50: number; p99: number; max: number };
  /** How late the BID_DEADLINE timed event started (scheduled_events.lateness_ms). */
  schedulerLatenessMs: { p50: number; p99: number; max: number };
}

export interface BidSubmissionBenchResult {
  name: 'bid-submission';
  node: string;
  cpus: number;
  burst?: {
    bidders: number;
    rounds: number;
    ciphertextBytes: number;
    http: LatencyStats;
    dbCeiling: LatencyStats;
    /** http.perSecond / dbCeiling.perSecond */
    ratioToCeiling: number;
    /** CPU time (user + system) of the platform process per request during the HTTP burst (Linux /proc; null elsewhere). */
    serverCpuMsPerRequest: number | null;
    /** The 1-minute load average when the burst started and when the ceiling ended. */
    loadAverage: [number, number];
    stored: { bids: number; versions: number };
  };
  deadline?: {
    tenders: number;
    straddlers: number;
    /** Over every tender (the runner's row): opened_at − bid_deadline, database clock. */
    openedAtLagMs: { p50: number; p99: number; max: number };
    /** Over every tender: first GET /tenders/{id} answering OPENING − bid_deadline. */
    observedLagMs: { p50: number; p99: number; max: number };
    /** Tenders whose bids all came early, and tenders with `straddlers` bidders submitting across the deadline. */
    quiet: DeadlineLag;
    straddled: DeadlineLag;
    submissionsAroundDeadline: number;
    acceptedAtOrAfterDeadline: number;
    acceptedMissingFromOpening: number;
    refusedCodes: Record<string, number>;
  };
  escrow?: {
    bids: number;
    ciphertextBytes: number;
    /** opening_records.created_at − decryption_window_ends_at (database clock), ms. */
    windowCloseToRecordMs: number;
    /** The PDF of the record rendered and stored (after the commit), ms after the window's close. */
    windowCloseToPdfMs: number;
    /** How late the DECRYPTION_WINDOW_CLOSE event started (scheduler), ms. */
    eventLatenessMs: number;
    decrypted: number;
    pdfBytes: number;
  };
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round2(percentile(s, 50)), p99: round2(percentile(s, 99)), max: round2(s[s.length - 1] ?? 0) };
};

/** User + system CPU time of a process so far, in ms (Linux: /proc/<pid>/stat, clock ticks of 10 ms); null elsewhere. */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14 and 15 of the line)
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// The ANSI colour codes of the server's log lines.
// eslint-disable-next-line no-control-regex -- ESC is the character matched
const ANSI_COLOUR = /\x1b\[[0-9;]*m/g;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

interface HttpResult {
  status: number;
  body: any;
}

function request(agent: http.Agent, port: number, method: string, path: string, token: string | null, body?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A plaintext whose ciphertext is about `bytes` long (one attachment of random bytes). */
function plaintextOfSize(price: string, bytes: number): BidPlaintext {
  const raw = Math.max(0, Math.floor((bytes - 140) / 4) * 3);
  return raw === 0
    ? { price, currency: 'CNY' }
    : { price, currency: 'CNY', durationDays: 365, attachments: [{ name: '投标文件.pdf', contentBase64: randomBytes(raw).toString('base64') }] };
}

const randomPrice = () => `${30_000_000 + Math.floor(Math.random() * 8_000_000)}.${String(Math.floor(Math.random() * 100)).padStart(2, '0')}`;

interface Party {
  userId: string;
  organizationId: string;
  token: string;
}

export async function runBidSubmissionBench(opts: BidSubmissionBenchOptions = {}): Promise<BidSubmissionBenchResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const skip = new Set(opts.skip ?? []);
  const databaseUrl = opts.databaseUrl ?? benchDatabaseUrl('ebidding_bench_bids');
  const port = await freePort();
  const jwtSecret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `bench-bids-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'log',
    LEGAL_PERIODS: 'relaxed',
    PORT: String(port),
    JWT_SECRET: jwtSecret,
  };
  const config = AppConfig.fromEnvironment(env);
  await prepareDatabase(config, undefined, { recreate: true });
  const pool = new Pool({ connectionString: config.databaseUrl, max: 20 }); // the app's own pool size (data-source.ts)
  const tables: Array<{ tablename: string }> = (await pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`)).rows;
  await pool.query(`TRUNCATE ${tables.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);

  const root = join(__dirname, '..');
  const server: ChildProcess = spawn(process.execPath, [...(opts.serverNodeArgs ?? []), '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverLog = '';
  server.stdout?.on('data', (d) => (serverLog = (serverLog + d).slice(-20_000)));
  server.stderr?.on('data', (d) => (serverLog = (serverLog + d).slice(-20_000)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const jwt = new JwtService({ secret: jwtSecret, signOptions: { expiresIn: 6 * 3600, algorithm: 'HS256' } });
  const result: BidSubmissionBenchResult = { name: 'bid-submission', node: process.version, cpus: cpus().length };

  try {
    const up = Date.now();
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the platform exited:\n${serverLog}`);
      const ok = await request(agent, port, 'GET', '/health', null).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() - up > 90_000) throw new Error(`the platform did not start in 90 s:\n${serverLog}`);
      await sleep(250);
    }
    log(`sealed bids: platform on :${port} (pid ${server.pid}), database ${databaseUrl}`);

    let partySeq = 0;
    const makeParties = async (n: number, role: 'BIDDER' | 'PROCURING_ENTITY'): Promise<Party[]> => {
      const out: Party[] = [];
      for (let i = 0; i < n; i += 500) {
        const k = Math.min(500, n - i);
        const names = Array.from({ length: k }, () => `${role === 'BIDDER' ? '盐城基准建设有限公司' : '盐城市基准招标人'}${partySeq++}`);
        const usccs = names.map(() => randomBytes(9).toString('hex').toUpperCase());
        const orgs = (
          await pool.query(
            `INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
             SELECT n, u, $3, '法人' || n, '中国工商银行盐城分行', '6222' || lpad((row_number() OVER ())::text, 15, '0')
             FROM unnest($1::text[], $2::text[]) AS v(n, u) RETURNING id`,
            [names, usccs, role],
          )
        ).rows as Array<{ id: string }>;
        const users = (
          await pool.query(
            `INSERT INTO users (username, password_hash, role, organization_id)
             SELECT 'bench-' || gen_random_uuid(), 'x', $2, o FROM unnest($1::uuid[]) AS o RETURNING id, organization_id`,
            [orgs.map((o) => o.id), role],
          )
        ).rows as Array<{ id: string; organization_id: string }>;
        for (const u of users) {
          out.push({ userId: u.id, organizationId: u.organization_id, token: jwt.sign({ sub: u.id, role, org: u.organization_id }) });
        }
      }
      return out;
    };
    const [owner] = await makeParties(1, 'PROCURING_ENTITY');
    const publishTender = async (o: { deadline: Date; mode: string; title: string; windowMinutes?: number }) => {
      const created = await request(
        agent,
        port,
        'POST',
        '/api/v1/tenders',
        owner.token,
        JSON.stringify({
          title: o.title,
          category: 'CONSTRUCTION_WORKS',
          regime: 'ENGINEERING',
          method: 'OPEN',
          budget: '40000000.00',
          priceCeiling: '39000000.00',
          bidDeadline: o.deadline.toISOString(),
          bidSecurityAmount: '0.00',
          decryption: { mode: o.mode, windowMinutes: o.windowMinutes ?? 30 },
          evaluation: { method: 'LOWEST_EVALUATED_PRICE' },
          panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
        }),
      );
      if (created.status !== 201) throw new Error(`create tender: ${created.status} ${JSON.stringify(created.body)}`);
      const pub = await request(agent, port, 'POST', `/api/v1/tenders/${created.body.id}/publish`, owner.token, '{}');
      if (pub.status !== 200 && pub.status !== 201) throw new Error(`publish tender: ${pub.status} ${JSON.stringify(pub.body)}`);
      const got = await request(agent, port, 'GET', `/api/v1/tenders/${created.body.id}`, null);
      return { id: created.body.id as string, escrowPublicKey: got.body.sealing.escrowPublicKey as string };
    };
    const seal = (tender: { id: string; escrowPublicKey: string }, bidder: Party, pt: BidPlaintext): SealedBid =>
      sealBid({
        tenderId: tender.id,
        bidderOrganizationId: bidder.organizationId,
        plaintext: pt,
        escrowPublicKey: tender.escrowPublicKey,
        client: { deviceId: `bench-${bidder.organizationId.slice(0, 8)}`, macAddresses: ['02:00:00:00:00:01'], documentAuthor: '基准' },
      });
    const submit = (tenderId: string, bidder: Party, body: string) => request(agent, port, 'POST', `/api/v1/tenders/${tenderId}/bids`, bidder.token, body);

    // ---- 1. submission burst -----------------------------------------------------------------------------------
    if (!skip.has('burst')) {
      const nBidders = opts.bidders ?? 64;
      const rounds = opts.rounds ?? 10;
      const bidBytes = opts.bidBytes ?? 100 * 1024;
      const bidders = await makeParties(nBidders, 'BIDDER');
      const farDeadline = new Date(Date.now() + 6 * 3600_000);
      const warmTender = await publishTender({ deadline: farDeadline, mode: 'BIDDER_WITH_ESCROW_FALLBACK', title: '基准测试（预热）' });
      const tender = await publishTender({ deadline: farDeadline, mode: 'BIDDER_WITH_ESCROW_FALLBACK', title: '盐城市开发大道改造工程（基准）' });
      log(`  sealing ${nBidders * rounds} bids of ~${bidBytes} bytes...`);
      const bodies = bidders.map((b) => Array.from({ length: rounds }, () => JSON.stringify(seal(tender, b, plaintextOfSize(randomPrice(), bidBytes)).request)));
      const ciphertextBytes = Buffer.from(JSON.parse(bodies[0][0]).ciphertext, 'base64').length;
      // Warm-up (JIT, pools, TOAST), not measured: one bid per bidder on another tender.
      await Promise.all(bidders.map((b) => submit(warmTender.id, b, JSON.stringify(seal(warmTender, b, plaintextOfSize('1.00', bidBytes)).request))));

      const latencies: number[] = [];
      let errors = 0;
      const load0 = loadavg()[0];
      const cpu0 = processCpuMs(server.pid);
      const t0 = process.hrtime.bigint();
      await Promise.all(
        bidders.map(async (b, i) => {
          for (let r = 0; r < rounds; r++) {
            const s = process.hrtime.bigint();
            const res = await submit(tender.id, b, bodies[i][r]).catch(() => ({ status: 0, body: null }));
            latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
            if (res.status !== 201 || res.body.version !== r + 1) errors++;
          }
        }),
      );
      const httpStats = stats(latencies, Number(process.hrtime.bigint() - t0) / 1e9, errors);
      const cpu1 = processCpuMs(server.pid);
      const serverCpuMsPerRequest = cpu0 === null || cpu1 === null ? null : round2((cpu1 - cpu0) / latencies.length);
      const stored = (
        await pool.query(`SELECT (SELECT count(*)::int FROM bids WHERE tender_id = $1) AS bids, (SELECT count(*)::int FROM bid_versions WHERE tender_id = $1) AS versions`, [
          tender.id,
        ])
      ).rows[0];
      log(
        `  http burst:     ${httpStats.perSecond}/s  p50 ${httpStats.p50Ms} ms  p99 ${httpStats.p99Ms} ms  errors ${httpStats.errors}  (${stored.bids} bids, ${stored.versions} versions)`,
      );

      const dbCeiling = await rawCeiling(pool, owner, bidders, rounds, bodies);
      log(`  raw pg ceiling: ${dbCeiling.perSecond}/s  p50 ${dbCeiling.p50Ms} ms  p99 ${dbCeiling.p99Ms} ms  errors ${dbCeiling.errors}`);
      const ratio = round2(httpStats.perSecond / dbCeiling.perSecond);
      const loadAverage: [number, number] = [round2(load0), round2(loadavg()[0])];
      log(`  ratio to the ceiling: ${Math.round(ratio * 100)}%; platform CPU ${serverCpuMsPerRequest ?? '?'} ms per request; load average ${loadAverage.join(' → ')}`);
      result.burst = { bidders: nBidders, rounds, ciphertextBytes, http: httpStats, dbCeiling, ratioToCeiling: ratio, serverCpuMsPerRequest, loadAverage, stored };
    }

    // ---- 2. deadline precision ---------------------------------------------------------------------------------
    if (!skip.has('deadline')) {
      const nTenders = opts.deadlineTenders ?? 20;
      const nStraddlers = opts.straddlers ?? 16;
      const early = await makeParties(3, 'BIDDER');
      const straddlers = await makeParties(nStraddlers, 'BIDDER');
      const base = Date.now() + 10_000;
      // Every other tender is "quiet" (its 3 bids came early); the others get the straddling burst.
      const tenders: Array<{ id: string; escrowPublicKey: string; deadline: Date; straddled: boolean }> = [];
      for (let i = 0; i < nTenders; i++) {
        const deadline = new Date(base + i * 2_000);
        const pub = await publishTender({ deadline, mode: 'BIDDER', title: `开标时间精度 ${i + 1}`, windowMinutes: 60 });
        tenders.push({ ...pub, deadline, straddled: i % 2 === 1 });
      }
      for (const t of tenders) {
        for (const b of early) {
          const r = await submit(t.id, b, JSON.stringify(seal(t, b, plaintextOfSize(randomPrice(), 0)).request));
          if (r.status !== 201) throw new Error(`early bid refused: ${r.status} ${JSON.stringify(r.body)}`);
        }
      }
      if (Date.now() > base - 1_000) throw new Error('setting up the deadline tenders took too long');
      const refusedCodes: Record<string, number> = {};
      let around = 0;
      let acceptedLate = 0;
      const accepted = new Map<string, Map<string, number>>(); // tender → org → highest accepted version
      const observed = new Map<string, number>();
      await Promise.all(
        tenders.map(async (t) => {
          const wait = t.deadline.getTime() - 400 - Date.now();
          if (wait > 0) await sleep(wait);
          const poll = (async () => {
            for (;;) {
              const r = await request(agent, port, 'GET', `/api/v1/tenders/${t.id}`, null);
              if (r.body?.status && r.body.status !== 'PUBLISHED') return Date.now() - t.deadline.getTime();
              await sleep(5);
            }
          })();
          const perTender = new Map<string, number>();
          accepted.set(t.id, perTender);
          if (t.straddled) {
            const stop = t.deadline.getTime() + 600;
            await Promise.all(
              straddlers.map(async (b) => {
                while (Date.now() < stop) {
                  const body = JSON.stringify(seal(t, b, plaintextOfSize(randomPrice(), 0)).request);
                  const r = await submit(t.id, b, body);
                  around++;
                  if (r.status === 201) {
                    if (new Date(r.body.receivedAt).getTime() >= t.deadline.getTime()) acceptedLate++;
                    perTender.set(b.organizationId, Math.max(perTender.get(b.organizationId) ?? 0, r.body.version));
                  } else {
                    refusedCodes[r.body?.code ?? String(r.status)] = (refusedCodes[r.body?.code ?? String(r.status)] ?? 0) + 1;
                    if (r.body?.code === 'BID_DEADLINE_PASSED') break;
                  }
                }
              }),
            );
          }
          observed.set(t.id, await poll);
        }),
      );
      const rows = (
        await pool.query(
          `SELECT t.id, extract(epoch FROM t.opened_at - t.bid_deadline) * 1000 AS lag_ms,
                  (SELECT lateness_ms FROM scheduled_events e WHERE e.subject_id = t.id AND e.kind = 'BID_DEADLINE' AND e.status = 'DONE'
                   ORDER BY done_at DESC LIMIT 1) AS lateness,
                  (SELECT count(*)::int FROM bid_versions v WHERE v.tender_id = t.id AND v.received_at >= t.bid_deadline) AS late,
                  (SELECT data FROM audit_events a WHERE a.tender_id = t.id AND a.action = 'BIDS_OPENED') AS opened
           FROM tenders t WHERE t.id = ANY($1::uuid[])`,
          [tenders.map((t) => t.id)],
        )
      ).rows as Array<{ id: string; lag_ms: string; lateness: number | null; late: number; opened: { bids: Array<{ bidderOrganizationId: string; version: number }> } | null }>;
      let missing = 0;
      for (const r of rows) {
        acceptedLate += r.late;
        const inOpening = new Map((r.opened?.bids ?? []).map((b) => [b.bidderOrganizationId, b.version]));
        for (const [org, version] of accepted.get(r.id) ?? []) if (inOpening.get(org) !== version) missing++;
      }
      const straddledIds = new Set(tenders.filter((t) => t.straddled).map((t) => t.id));
      const group = (straddled: boolean) => {
        const rs = rows.filter((r) => straddledIds.has(r.id) === straddled);
        return {
          openedAtLagMs: summary(rs.map((r) => Number(r.lag_ms))),
          observedLagMs: summary(rs.map((r) => observed.get(r.id) ?? NaN)),
          schedulerLatenessMs: summary(rs.map((r) => r.lateness ?? NaN)),
        };
      };
      result.deadline = {
        tenders: nTenders,
        straddlers: nStraddlers,
        openedAtLagMs: summary(rows.map((r) => Number(r.lag_ms))),
        observedLagMs: summary(rows.map((r) => observed.get(r.id) ?? NaN)),
        quiet: group(false),
        straddled: group(true),
        submissionsAroundDeadline: around,
        acceptedAtOrAfterDeadline: acceptedLate,
        acceptedMissingFromOpening: missing,
        refusedCodes,
      };
      const d = result.deadline;
      log(
        `  deadline → OPENING (opened_at): quiet p50 ${d.quiet.openedAtLagMs.p50} p99 ${d.quiet.openedAtLagMs.p99} ms; ` +
          `straddled p50 ${d.straddled.openedAtLagMs.p50} p99 ${d.straddled.openedAtLagMs.p99} ms; ` +
          `${around} submissions across the deadlines, ${acceptedLate} accepted late, ${missing} missing from the opening`,
      );
    }

    // ---- 3. escrow opening of many bids -------------------------------------------------------------------------
    if (!skip.has('escrow')) {
      const n = opts.escrowBids ?? 1000;
      const bytes = opts.escrowBidBytes ?? 100 * 1024;
      const bidders = await makeParties(n, 'BIDDER');
      const perSecond = result.burst?.http.perSecond ?? 100;
      const deadline = new Date(Date.now() + 15_000 + Math.ceil((n / Math.max(20, perSecond)) * 2_000));
      const tender = await publishTender({ deadline, mode: 'ESCROW', title: '千标托管解密（基准）' });
      log(`  escrow opening: submitting ${n} bids of ~${bytes} bytes before ${deadline.toISOString()}...`);
      let next = 0;
      let refused = 0;
      let ciphertextBytes = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          for (let i = next++; i < n; i = next++) {
            const req = seal(tender, bidders[i], plaintextOfSize(randomPrice(), bytes)).request;
            ciphertextBytes = Buffer.from(req.ciphertext, 'base64').length;
            const r = await submit(tender.id, bidders[i], JSON.stringify(req));
            if (r.status !== 201) refused++;
          }
        }),
      );
      if (refused) throw new Error(`${refused} escrow-bench bids were refused (the deadline came too soon?)`);
      if (Date.now() >= deadline.getTime()) throw new Error('the bids took longer than the time to the deadline');
      let rec: { lag: string; pdf_lag: string | null; created_at: Date; pdf_bytes: number; decrypted: number; lateness: number | null } | undefined;
      for (const end = deadline.getTime() + 120_000; Date.now() < end; await sleep(200)) {
        rec = (
          await pool.query(
            `SELECT extract(epoch FROM r.created_at - t.decryption_window_ends_at) * 1000 AS lag, r.created_at,
                    octet_length(r.pdf) AS pdf_bytes, (r.record->'summary'->>'decrypted')::int AS decrypted,
                    (SELECT extract(epoch FROM a.occurred_at - t.decryption_window_ends_at) * 1000 FROM audit_events a
                     WHERE a.tender_id = t.id AND a.action = 'OPENING_RECORD_PDF_RENDERED') AS pdf_lag,
                    (SELECT lateness_ms FROM scheduled_events e WHERE e.subject_id = t.id AND e.kind = 'DECRYPTION_WINDOW_CLOSE'
                     AND e.status = 'DONE' ORDER BY done_at DESC LIMIT 1) AS lateness
             FROM opening_records r JOIN tenders t ON t.id = r.tender_id WHERE r.tender_id = $1`,
            [tender.id],
          )
        ).rows[0];
        if (rec?.pdf_lag) break;
      }
      if (!rec) throw new Error(`no opening record 120 s after the deadline:\n${serverLog}`);
      result.escrow = {
        bids: n,
        ciphertextBytes,
        windowCloseToRecordMs: round2(Number(rec.lag)),
        windowCloseToPdfMs: round2(Number(rec.pdf_lag)),
        eventLatenessMs: rec.lateness ?? -1,
        decrypted: rec.decrypted,
        pdfBytes: rec.pdf_bytes,
      };
      for (const line of serverLog.split('\n').filter((l) => (l.includes('opening of tender') && l.includes(tender.id)) || l.includes('EscrowDecryptionPool')))
        log(`  platform: ${line.replace(ANSI_COLOUR, '').trim()}`);
      log(
        `  escrow opening of ${n} bids: window close → record ${result.escrow.windowCloseToRecordMs} ms, PDF ${result.escrow.windowCloseToPdfMs} ms (event ran ${result.escrow.eventLatenessMs} ms late), ${rec.decrypted} decrypted, PDF ${rec.pdf_bytes} bytes`,
      );
    }
    return result;
  } finally {
    agent.destroy();
    await pool.end();
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
  }
}

/**
 * The database's ceiling for the burst: the same statements the submission makes — tender FOR SHARE and the clock,
 * bid row FOR UPDATE, insert or replace the bid with its ciphertext, the version row, and the chained audit append
 * (the platform stream's advisory lock, head read, insert) — from raw pg, 64 clients over a pool of 20, no HTTP.
 */
async function rawCeiling(pool: Pool, owner: Party, bidders: Party[], rounds: number, bodies: string[][]): Promise<LatencyStats> {
  const tender = (
    await pool.query(
      `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, bid_deadline, bid_security_amount,
                            decryption_mode, decryption_window_minutes, evaluation_method, panel_size, status, published_at)
       VALUES ($1, $2, '基准测试（数据库上限）', 'CONSTRUCTION_WORKS', 'ENGINEERING', 'OPEN', '40000000.00', now() + interval '6 hours',
               '0.00', 'BIDDER_WITH_ESCROW_FALLBACK', 30, 'LOWEST_EVALUATED_PRICE', 5, 'PUBLISHED', now()) RETURNING id`,
      [owner.organizationId, owner.userId],
    )
  ).rows[0].id as string;
  const decoded = bodies.map((list) =>
    list.map((b) => {
      const req = JSON.parse(b);
      return {
        ciphertext: Buffer.from(req.ciphertext, 'base64'),
        iv: Buffer.from(req.iv, 'base64'),
        escrowedKey: Buffer.from(req.escrowedKey, 'base64'),
        keyCommitment: req.keyCommitment as string,
        client: req.client,
      };
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const one = async (c: PoolClient, b: Party, r: number) => {
    const d = decoded[bidders.indexOf(b)][r];
    const sha = createHash('sha256').update(d.ciphertext).digest('hex');
    await c.query('BEGIN');
    try {
      await c.query(`SELECT id, status, bid_deadline FROM tenders WHERE id = $1 FOR SHARE`, [tender]);
      const now = (await c.query(`SELECT date_trunc('milliseconds', clock_timestamp()) AS now`)).rows[0].now;
      const existing = (await c.query(`SELECT id, version FROM bids WHERE tender_id = $1 AND bidder_organization_id = $2 FOR UPDATE`, [tender, b.organizationId])).rows[0];
      const bidId = existing?.id ?? randomUUID();
      const version = (existing?.version ?? 0) + 1;
      const fp = ['127.0.0.1', d.client.deviceId, d.client.macAddresses ?? [], d.client.toolVersion ?? null, d.client.documentAuthor ?? null];
      if (!existing) {
        await c.query(
          `INSERT INTO bids (id, tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, escrowed_key,
                             ciphertext_sha256, ciphertext_bytes, received_at, signature, ip, device_id, mac_addresses, tool_version, document_author)
           VALUES ($1, $2, $3, $4, 1, 'SUBMITTED', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
          [bidId, tender, b.organizationId, b.userId, d.ciphertext, d.iv, d.keyCommitment, d.escrowedKey, sha, d.ciphertext.length, now, 'x'.repeat(88), ...fp],
        );
      } else {
        await c.query(
          `UPDATE bids SET version = $2, status = 'SUBMITTED', submitted_by = $3, ciphertext = $4, iv = $5, key_commitment = $6, escrowed_key = $7,
                  ciphertext_sha256 = $8, ciphertext_bytes = $9, received_at = $10, signature = $11, ip = $12, device_id = $13, mac_addresses = $14,
                  tool_version = $15, document_author = $16, withdrawn_at = NULL, status_reason = NULL, updated_at = clock_timestamp()
           WHERE id = $1`,
          [bidId, version, b.userId, d.ciphertext, d.iv, d.keyCommitment, d.escrowedKey, sha, d.ciphertext.length, now, 'x'.repeat(88), ...fp],
        );
      }
      await c.query(
        `INSERT INTO bid_versions (bid_id, version, tender_id, bidder_organization_id, submitted_by, received_at, ciphertext_sha256, ciphertext_bytes,
                                   key_commitment, has_escrowed_key, signature, ip, device_id, mac_addresses, tool_version, document_author)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true, $10, $11, $12, $13, $14, $15)`,
        [bidId, version, tender, b.organizationId, b.userId, now, sha, d.ciphertext.length, d.keyCommitment, 'x'.repeat(88), ...fp],
      );
      // The audit append as AuditService does it, in the stream the submission uses (the bid's own, sealed until
      // the opening): one writer per stream, head read (with its seal), chained hash, insert.
      const stream = `bid:${bidId}`;
      await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [stream]);
      const head = (
        await c.query(
          `SELECT h.stream_seq AS seq, h.hash, h.sealed_tender_id AS sealed, date_trunc('milliseconds', clock_timestamp()) AS ts
           FROM (SELECT 1) one
           LEFT JOIN LATERAL (SELECT stream_seq, hash, sealed_tender_id FROM audit_events WHERE stream = $1
                              ORDER BY stream_seq DESC LIMIT 1) h ON true`,
          [stream],
        )
      ).rows[0];
      const event = { stream, streamSeq: (head.seq ?? 0) + 1, action: 'BID_SUBMITTED', sealedUntilOpeningOf: tender, data: { bidId, version, ciphertextSha256: sha } };
      const hash = createHash('sha256')
        .update(head.hash ?? GENESIS_HASH)
        .update(canonicalJson(event))
        .digest('hex');
      await c.query(
        `INSERT INTO audit_events (stream, stream_seq, prev_hash, hash, occurred_at, actor_id, actor_role, ip, action, object_type, object_id, tender_id,
                                   sealed_tender_id, data)
         VALUES ($1, $2, $3, $4, $5, $6, 'BIDDER', '127.0.0.1', 'BID_SUBMITTED', 'bid', $7, $8, $8, $9)`,
        [stream, event.streamSeq, head.hash ?? GENESIS_HASH, hash, head.ts, b.userId, bidId, tender, JSON.stringify(event.data)],
      );
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(
    bidders.map(async (b) => {
      for (let r = 0; r < rounds; r++) {
        const s = process.hrtime.bigint();
        const c = await pool.connect();
        try {
          await one(c, b, r);
        } catch (e) {
          if (errors++ === 0) process.stderr.write(`raw ceiling: ${(e as Error).message}\n`);
        } finally {
          c.release();
        }
        latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    }),
  );
  return stats(latencies, Number(process.hrtime.bigint() - t0) / 1e9, errors);
}

/** The "Sealed bids" section of docs/BENCHMARKS.md for a result. */
export function benchmarkMarkdown(r: BidSubmissionBenchResult): string {
  const lines: string[] = [];
  if (r.burst) {
    const b = r.burst;
    lines.push(
      `Submission burst: ${b.bidders} concurrent bidders × ${b.rounds} sealed bids of ${b.ciphertextBytes} bytes of ciphertext (first inserts, then replacements).`,
      '',
      '| | requests | throughput | p50 | p95 | p99 | max | errors |',
      '|---|---|---|---|---|---|---|---|',
      `| POST /tenders/{id}/bids (HTTP) | ${b.http.count} | ${b.http.perSecond}/s | ${b.http.p50Ms} ms | ${b.http.p95Ms} ms | ${b.http.p99Ms} ms | ${b.http.maxMs} ms | ${b.http.errors} |`,
      `| raw pg, same rows + audit append (ceiling) | ${b.dbCeiling.count} | ${b.dbCeiling.perSecond}/s | ${b.dbCeiling.p50Ms} ms | ${b.dbCeiling.p95Ms} ms | ${b.dbCeiling.p99Ms} ms | ${b.dbCeiling.maxMs} ms | ${b.dbCeiling.errors} |`,
      '',
      `Ratio to the ceiling: **${Math.round(b.ratioToCeiling * 100)}%** (target ≥ 50%); p99 **${b.http.p99Ms} ms** (target ≤ 100 ms). Stored: ${b.stored.bids} bids, ${b.stored.versions} versions.`,
      `Platform CPU per request: ${b.serverCpuMsPerRequest ?? '?'} ms; 1-minute load average ${b.loadAverage[0]} at the start of the burst, ${b.loadAverage[1]} after the ceiling.`,
      '',
    );
  }
  if (r.deadline) {
    const d = r.deadline;
    const row = (name: string, x: { p50: number; p99: number; max: number }) => `| ${name} | ${x.p50} ms | ${x.p99} ms | ${x.max} ms |`;
    lines.push(
      `Deadline precision: ${d.tenders} tenders with deadlines 2 s apart; on every other one ${d.straddlers} bidders submit in a loop across the deadline (${d.submissionsAroundDeadline} submissions).`,
      '',
      '| deadline → OPENING | p50 | p99 | max |',
      '|---|---|---|---|',
      row('quiet tenders: opened_at − bid_deadline (database clock)', d.quiet.openedAtLagMs),
      row('quiet tenders: first GET /tenders/{id} answering OPENING (client, 5 ms polling)', d.quiet.observedLagMs),
      row('quiet tenders: of which the BID_DEADLINE event started late by', d.quiet.schedulerLatenessMs),
      row('straddled tenders: opened_at − bid_deadline', d.straddled.openedAtLagMs),
      row('straddled tenders: first GET answering OPENING', d.straddled.observedLagMs),
      row('straddled tenders: of which the BID_DEADLINE event started late by', d.straddled.schedulerLatenessMs),
      '',
      `Bids accepted at or after the deadline: **${d.acceptedAtOrAfterDeadline}**; accepted but missing from the opening: **${d.acceptedMissingFromOpening}**; refusals: ${
        Object.entries(d.refusedCodes)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ') || 'none'
      }.`,
      '',
    );
  }
  if (r.escrow) {
    const e = r.escrow;
    lines.push(
      `Escrow opening: ${e.bids} bids of ${e.ciphertextBytes} bytes, ESCROW mode: window close → opening record stored (JSON and its SHA-256, in the closing transaction) **${e.windowCloseToRecordMs} ms** (target ≤ 3 s; the timed event itself started ${e.eventLatenessMs} ms after the close); its PDF (${e.pdfBytes} bytes, rendered by a job after the commit) stored at ${e.windowCloseToPdfMs} ms; ${e.decrypted} decrypted.`,
      '',
    );
  }
  lines.push(`Node ${r.node}, ${r.cpus} CPUs (shared with other work on this machine).`);
  return lines.join('\n');
}

export default runBidSubmissionBench;

if (require.main === module) {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  runBidSubmissionBench({
    bidders: num('bidders'),
    rounds: num('rounds'),
    bidBytes: num('bid-bytes'),
    deadlineTenders: num('deadline-tenders'),
    straddlers: num('straddlers'),
    escrowBids: num('escrow-bids'),
    escrowBidBytes: num('escrow-bid-bytes'),
    skip: arg('skip')?.split(',') as BidSubmissionBenchOptions['skip'],
    serverNodeArgs: arg('server-node-args')?.split(' '),
  })
    .then((r) => {
      process.stdout.write(`\n${benchmarkMarkdown(r)}\n\n${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    })
    .catch((e) => {
      process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exit(1);
    });
}
