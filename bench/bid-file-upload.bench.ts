/**
 * One format v2 bid file of `mb` MiB (default 500) through the real platform (src/main.ts in its own process, the
 * real AppModule, filesystem blob store): sealed with the SDK to a file, uploaded in 8 MiB pieces with one piece cut
 * off in the middle (a broken connection) and resumed from HEAD's Upload-Offset, finalised, then opened by its bidder
 * at the opening (streaming from the store). Reported: upload throughput next to a raw loopback copy of the same file
 * measured in the same run (fs stream → HTTP → fs), and the platform process's RSS growth (sampled from /proc).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/bid-file-upload.bench.ts [--mb 500]
 */
import 'reflect-metadata';
import { JwtService } from '@nestjs/jwt';
import { type ChildProcess, spawn } from 'child_process';
import { once } from 'events';
import { randomBytes } from 'crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import http from 'http';
import net from 'net';
import { tmpdir, loadavg } from 'os';
import { join } from 'path';
import { pipeline } from 'stream/promises';
import { Pool } from 'pg';
import { prepareDatabase } from '../scripts/prepare-db';
import { AppConfig } from '../src/infra/config/app-config';
import { sealBid } from '../src/sdk';
import { sealBidV2 } from '../src/sdk/v2';
import { nodeSuite } from '../src/sdk/v2/node';
import { benchDatabaseUrl } from './bench-db';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mbps = (bytes: number, ms: number) => Math.round((bytes / MiB / (ms / 1000)) * 10) / 10;

export interface BidFileUploadBenchResult {
  mb: number;
  loadavg: number[];
  uploadMBps: number;
  rawLoopbackMBps: number;
  serverRssGrowthMB: number;
  resumedAt: number;
  bidderOpenMs: number;
}

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

function request(
  port: number,
  method: string,
  path: string,
  token: string | null,
  body?: string | { file: string; start: number; end: number },
  extra: Record<string, string> = {},
  cutAfter?: number,
): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Accept: 'application/json', ...extra };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (typeof body === 'string') {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    } else if (body) {
      headers['Content-Type'] = 'application/offset+octet-stream';
      headers['Content-Length'] = body.end - body.start;
    }
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
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
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on('error', (e) => (cutAfter !== undefined ? resolve({ status: 0, body: String(e), headers: {} }) : reject(e)));
    if (typeof body === 'string') req.end(body);
    else if (body) {
      const end = cutAfter !== undefined ? body.start + cutAfter : body.end;
      const src = createReadStream(body.file, { start: body.start, end: end - 1, highWaterMark: MiB });
      src.pipe(req, { end: cutAfter === undefined });
      if (cutAfter !== undefined) src.on('end', () => setTimeout(() => req.destroy(new Error('connection cut')), 50));
    } else req.end();
  });
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function rawLoopbackCopy(path: string, dir: string): Promise<number> {
  const server = http.createServer((req, res) => void pipeline(req, createWriteStream(join(dir, 'loopback-copy'))).then(() => res.end('ok')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const size = statSync(path).size;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, method: 'PUT', path: '/', headers: { 'Content-Length': size } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    createReadStream(path, { highWaterMark: MiB }).pipe(req);
  });
  const ms = performance.now() - t0;
  server.close();
  rmSync(join(dir, 'loopback-copy'), { force: true });
  return mbps(size, ms);
}

export async function runBidFileUploadBench(opts: { mb?: number; log?: (s: string) => void } = {}): Promise<BidFileUploadBenchResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const mb = opts.mb ?? 500;
  const dir = mkdtempSync(join(tmpdir(), 'bid-upload-bench-'));
  const port = await freePort();
  const jwtSecret = randomBytes(32).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    DATABASE_URL: benchDatabaseUrl('ebidding_bench_bidfiles'),
    QUEUE_PREFIX: `bench-bidfiles-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'warn',
    LEGAL_PERIODS: 'relaxed',
    PORT: String(port),
    JWT_SECRET: jwtSecret,
    BLOB_STORE: 'fs',
    BLOB_STORE_DIR: join(dir, 'blobs'),
  };
  const config = AppConfig.fromEnvironment(env);
  await prepareDatabase(config, undefined, { recreate: true });
  const pool = new Pool({ connectionString: config.databaseUrl, max: 2 });
  const server: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.ts'], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let serverLog = '';
  server.stdout?.on('data', (d) => (serverLog = (serverLog + d).slice(-20_000)));
  server.stderr?.on('data', (d) => (serverLog = (serverLog + d).slice(-20_000)));
  const jwt = new JwtService({ secret: jwtSecret, signOptions: { expiresIn: 6 * 3600, algorithm: 'HS256' } });
  try {
    const up = Date.now();
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the platform exited:\n${serverLog}`);
      if (
        await request(port, 'GET', '/health', null).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        break;
      if (Date.now() - up > 120_000) throw new Error(`the platform did not start:\n${serverLog}`);
      await sleep(250);
    }
    const party = async (role: 'BIDDER' | 'PROCURING_ENTITY') => {
      const [o] = (
        await pool.query(
          `INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
         VALUES ($1, $2, $3, '法人', '中国工商银行盐城分行', $4) RETURNING id`,
          [`基准${role}${randomBytes(3).toString('hex')}`, randomBytes(9).toString('hex').toUpperCase(), role, `6222${Date.now()}`],
        )
      ).rows;
      const [u] = (
        await pool.query(`INSERT INTO users (username, password_hash, role, organization_id) VALUES ('bench-' || gen_random_uuid(), 'x', $1, $2) RETURNING id`, [role, o.id])
      ).rows;
      return { organizationId: o.id as string, token: jwt.sign({ sub: u.id, role, org: o.id }) };
    };
    const owner = await party('PROCURING_ENTITY');
    const bidder = await party('BIDDER');
    const created = await request(
      port,
      'POST',
      '/api/v1/tenders',
      owner.token,
      JSON.stringify({
        title: '盐城市大文件投标基准',
        category: 'CONSTRUCTION_WORKS',
        regime: 'ENGINEERING',
        method: 'OPEN',
        budget: '40000000.00',
        priceCeiling: '39000000.00',
        bidDeadline: new Date(Date.now() + 3600_000).toISOString(),
        bidSecurityAmount: '0.00',
        decryption: { mode: 'BIDDER_WITH_ESCROW_FALLBACK', windowMinutes: 30 },
        evaluation: { method: 'LOWEST_EVALUATED_PRICE' },
        panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
      }),
    );
    if (created.status !== 201) throw new Error(`create tender: ${created.status} ${JSON.stringify(created.body)}`);
    const tenderId = created.body.id as string;
    const pub = await request(port, 'POST', `/api/v1/tenders/${tenderId}/publish`, owner.token, '{}');
    if (pub.status !== 200 && pub.status !== 201) throw new Error(`publish: ${pub.status} ${JSON.stringify(pub.body)}`);
    const sealing = (await request(port, 'GET', `/api/v1/tenders/${tenderId}`, null)).body.sealing;

    // Seal (before the clock starts): a plaintext of `mb` MiB streamed from disk to disk.
    const plain = join(dir, 'plain');
    const w = createWriteStream(plain);
    const block = randomBytes(MiB);
    for (let i = 0; i < mb; i++) if (!w.write(Buffer.from(block))) await once(w, 'drain');
    w.end();
    await once(w, 'finish');
    const sealedPath = join(dir, 'sealed');
    const out = createWriteStream(sealedPath, { highWaterMark: 4 * MiB }); // as the CLI (seal-v2) writes
    const sealed = await sealBidV2({
      suite: nodeSuite('INTL-1'),
      tenderId,
      bidderOrganizationId: bidder.organizationId,
      bid: { price: '38888888.88', currency: 'CNY' },
      attachments: [{ name: '投标文件.bin', size: mb * MiB, content: createReadStream(plain, { highWaterMark: 4 * MiB }) }],
      escrowPublicKey: Buffer.from(sealing.escrowPublicKey, 'base64'),
      write: async (s) => {
        if (!out.write(s)) await once(out, 'drain');
      },
    });
    out.end();
    await once(out, 'finish');
    rmSync(plain);
    const size = statSync(sealedPath).size;
    const la = loadavg().map((x) => Math.round(x * 100) / 100);
    log(`   sealed ${mb} MiB → ${size} bytes; load average ${la.join(' ')}`);
    const raw = await rawLoopbackCopy(sealedPath, dir);

    // Upload: 8 MiB pieces; the third piece is cut off after 3 MiB, then the client resumes from HEAD.
    const base = `/api/v1/tenders/${tenderId}/bid-uploads`;
    const rss0 = rssMB(server.pid!);
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMB(server.pid!))), 100);
    const t0 = performance.now();
    const c = await request(port, 'POST', base, bidder.token, JSON.stringify({ ...sealed.envelope, client: { deviceId: 'bench' } }));
    if (c.status !== 201) throw new Error(`create upload: ${c.status} ${JSON.stringify(c.body)}`);
    const id = c.body.uploadId as string;
    const piece = 8 * MiB;
    let offset = 0;
    let cut = false;
    let resumedAt = -1;
    while (offset < size) {
      const end = Math.min(size, offset + piece);
      if (!cut && offset >= 2 * piece) {
        cut = true;
        await request(port, 'PATCH', `${base}/${id}`, bidder.token, { file: sealedPath, start: offset, end }, { 'Upload-Offset': String(offset) }, 3 * MiB);
        await sleep(100);
        const head = await request(port, 'HEAD', `${base}/${id}`, bidder.token);
        offset = Number(head.headers['upload-offset']);
        resumedAt = offset;
        continue;
      }
      const r = await request(port, 'PATCH', `${base}/${id}`, bidder.token, { file: sealedPath, start: offset, end }, { 'Upload-Offset': String(offset) });
      if (r.status !== 204) throw new Error(`piece at ${offset}: ${r.status} ${JSON.stringify(r.body)}`);
      offset = Number(r.headers['upload-offset']);
    }
    const fin = await request(port, 'POST', `${base}/${id}/finalize`, bidder.token);
    const uploadMs = performance.now() - t0;
    clearInterval(sampler);
    if (fin.status !== 201) throw new Error(`finalize: ${fin.status} ${JSON.stringify(fin.body)}`);
    const uploadMBps = mbps(size, uploadMs);
    log(`   upload ${uploadMBps} MiB/s (resumed at ${resumedAt}), raw loopback ${raw} MiB/s, server RSS +${Math.round(peak - rss0)} MB`);

    // Opening needs 3 bids (TBL Art. 28): two small v1 bids from two other bidders.
    for (let i = 0; i < 2; i++) {
      const other = await party('BIDDER');
      const v1 = sealBid({
        tenderId,
        bidderOrganizationId: other.organizationId,
        plaintext: { price: `3900000${i}.00`, currency: 'CNY' },
        escrowPublicKey: sealing.escrowPublicKey,
        client: { deviceId: `bench-${i}` },
      });
      const r = await request(port, 'POST', `/api/v1/tenders/${tenderId}/bids`, other.token, JSON.stringify(v1.request));
      if (r.status !== 201) throw new Error(`v1 bid: ${r.status} ${JSON.stringify(r.body)}`);
    }
    // Opening: the deadline is brought forward by an amendment (so the escrow custodians' release instant moves with it,
    // issue 17: a deadline moved in the database alone is refused by them); the bidder reveals its key (the file is
    // streamed from the store).
    const [{ soon }] = (await pool.query(`SELECT clock_timestamp() + interval '3 seconds' AS soon`)).rows;
    const amended = await request(
      port,
      'POST',
      `/api/v1/tenders/${tenderId}/amendments`,
      owner.token,
      JSON.stringify({ text: '投标截止时间提前（基准测试）。', bidDeadline: new Date(soon).toISOString() }),
    );
    if (amended.status !== 201) throw new Error(`amendment: ${amended.status} ${JSON.stringify(amended.body)}`);
    for (let i = 0; i < 300; i++) {
      if ((await pool.query(`SELECT status FROM tenders WHERE id = $1`, [tenderId])).rows[0].status === 'OPENING') break;
      await sleep(200);
    }
    const t1 = performance.now();
    const dec = await request(
      port,
      'POST',
      `/api/v1/tenders/${tenderId}/bids/${fin.body.bidId}/decryption`,
      bidder.token,
      JSON.stringify({ key: Buffer.from(sealed.key).toString('base64') }),
    );
    const bidderOpenMs = Math.round(performance.now() - t1);
    if (dec.status !== 200) throw new Error(`decryption: ${dec.status} ${JSON.stringify(dec.body)}`);
    log(`   bidder opening of the ${mb} MiB file: ${bidderOpenMs} ms (${mbps(size, bidderOpenMs)} MiB/s), price ${dec.body.price}`);
    return { mb, loadavg: la, uploadMBps, rawLoopbackMBps: raw, serverRssGrowthMB: Math.round(peak - rss0), resumedAt, bidderOpenMs };
  } finally {
    server.kill('SIGTERM');
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const a = process.argv.slice(2);
  const mb = a.includes('--mb') ? Number(a[a.indexOf('--mb') + 1]) : undefined;
  void runBidFileUploadBench({ mb }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (e) => {
      process.stderr.write(`${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
