/**
 * `npm run demo`: one tender in Chinese — a Yancheng road-works project — through every step of the platform, over
 * HTTP, with the bidder SDK. It starts the platform itself (API + workers, LEGAL_PERIODS=relaxed so the statutory
 * periods take seconds, its own database `ebidding_demo`), prints each step with its timing, writes the opening
 * record, evaluation report and flag report PDFs to ./out, and exits non-zero if any step failed.
 *
 * The web console is served by the same platform: its URL and the demo accounts are printed. With `--keep` (or
 * `--keep=MINUTES`, default 60) the platform stays up afterwards, with a second tender open for bids — two bids
 * already sealed with the SDK — so a bid can be sealed in the browser and the opening hall watched at its deadline
 * (`--deadline=MINUTES`, default 10). Ctrl+C stops it.
 */
import { type ChildProcess, spawn } from 'child_process';
import { createHmac, randomBytes } from 'crypto';
import { mkdirSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { join, resolve } from 'path';
import { Client } from 'pg';
import { AppConfig } from '../src/infra/config/app-config';
import { sealBid, verifyReceipt } from '../src/sdk';
import { withUsccCheckChar } from '../src/common/uscc';
import { prepareDatabase } from './prepare-db';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'out');
const BANK_SECRET = `demo-bank-secret-${randomBytes(8).toString('hex')}`;
const ADMIN = { username: 'admin', password: `demo-admin-${randomBytes(4).toString('hex')}` };
const out = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const argValue = (name: string): string | undefined => {
  const a = process.argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  return a === undefined ? undefined : (a.split('=')[1] ?? '');
};
const KEEP = argValue('keep');
const KEEP_MINUTES = KEEP === undefined ? 0 : Number(KEEP || '60');
const KEEP_DEADLINE_MINUTES = Number(argValue('deadline') || '10');
const accounts: Array<[string, string, string]> = [];

interface StepResult {
  name: string;
  ok: boolean;
  ms: number;
  note?: string;
}
const results: StepResult[] = [];
let base = '';

async function step<T>(name: string, fn: () => Promise<T>, note?: (v: T) => string): Promise<T> {
  const n = results.length + 1;
  process.stdout.write(`[${String(n).padStart(2)}] ${name} … `);
  const t0 = Date.now();
  try {
    const v = await fn();
    const ms = Date.now() - t0;
    const extra = note ? note(v) : '';
    results.push({ name, ok: true, ms, note: extra });
    out(`ok (${ms} ms)${extra ? ` — ${extra}` : ''}`);
    return v;
  } catch (e) {
    const ms = Date.now() - t0;
    results.push({ name, ok: false, ms, note: (e as Error).message });
    out(`FAILED (${ms} ms)\n     ${(e as Error).message}`);
    throw e;
  }
}

async function api<T = any>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string>; expect?: number[] } = {},
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined || opts.raw ? { 'Content-Type': 'application/json' } : {}),
      ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.headers ?? {}),
    },
    body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  const text = await res.text();
  const ok = opts.expect ? opts.expect.includes(res.status) : res.status < 300;
  if (!ok) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 400)}`);
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? JSON.parse(text) : text) as T;
}

async function download(path: string, token: string, file: string): Promise<number> {
  const res = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`GET ${path} → ${res.status} ${(await res.text()).slice(0, 300)}`);
  const buf = Buffer.from(await res.arrayBuffer());
  if (buf.subarray(0, 5).toString() !== '%PDF-') throw new Error(`${path} is not a PDF`);
  writeFileSync(join(OUT, file), buf);
  return buf.length;
}

async function waitUntil<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 120_000, every = 250): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

const uscc = (seed: string) =>
  withUsccCheckChar(
    `91320900${createHmac('sha256', 'demo')
      .update(seed + Date.now())
      .digest('hex')
      .toUpperCase()
      .replace(/[^0-9A-HJ-NPQRTUWXY]/g, '')
      .padEnd(9, '1')
      .slice(0, 9)}`,
  );

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const baseConfig = AppConfig.fromEnvironment();
  const dbUrl = new URL(baseConfig.databaseUrl);
  // <database>_demo next to the configured one (ebidding → ebidding_demo), so parallel checkouts do not share it.
  dbUrl.pathname = `${dbUrl.pathname.replace(/_test$/, '')}_demo`;
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: dbUrl.toString(),
    LEGAL_PERIODS: 'relaxed',
    BANK_WEBHOOK_SECRET: BANK_SECRET,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    QUEUE_PREFIX: `demo-${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: 'warn',
    PORT: String(await freePort()),
  };
  base = `http://127.0.0.1:${env.PORT}`;
  let platform: ChildProcess | undefined;
  const t0 = Date.now();
  out('电子招标投标交易平台 — demo: 盐城市开发大道（S226—通榆河段）改造工程施工招标\n');
  try {
    await step('prepare the demo database (migrations) and empty it', async () => {
      await prepareDatabase(AppConfig.fromEnvironment({ DATABASE_URL: env.DATABASE_URL, NODE_ENV: 'development' }), undefined, { recreate: true });
      const c = new Client({ connectionString: env.DATABASE_URL });
      await c.connect();
      const rows = await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
      if (rows.rowCount) await c.query(`TRUNCATE ${rows.rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
      await c.end();
    });

    platform = await step(
      'start the platform (API + workers)',
      async () => {
        const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.ts'], {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr?.on('data', (d) => (stderr += d.toString()));
        child.on('exit', (code) => {
          if (code) out(`\nthe platform exited with ${code}:\n${stderr.slice(-2000)}`);
        });
        await waitUntil('the platform to answer /health', async () => (await api('GET', '/health')).status === 'ok', 90_000, 500);
        return child;
      },
      () => `${base} — 控制台 (web console): ${base}/`,
    );
    accounts.push(['系统管理员', ADMIN.username, ADMIN.password]);

    const admin = await step('administrator logs in', async () => (await api('POST', '/api/v1/auth/login', { body: ADMIN })).accessToken as string);

    const supervisor = await step('create a supervisor (监管) account', async () => {
      await api('POST', '/api/v1/admin/users', { token: admin, body: { username: 'jianguan-yancheng', password: 'Jg-demo-2026!', role: 'SUPERVISOR' } });
      accounts.push(['监管人员', 'jianguan-yancheng', 'Jg-demo-2026!']);
      return (await api('POST', '/api/v1/auth/login', { body: { username: 'jianguan-yancheng', password: 'Jg-demo-2026!' } })).accessToken as string;
    });

    const experts = await step(
      'build the expert pool (评标专家库): 9 road-engineering experts',
      async () => {
        const names = ['王建国', '李志强', '张海燕', '刘明', '陈晓东', '杨帆', '赵立新', '黄文斌', '周敏'];
        const list: Array<{ name: string; token: string; expertId: string; userId: string }> = [];
        for (const [i, name] of names.entries()) {
          const username = `expert-${i + 1}`;
          const { userId } = await api('POST', '/api/v1/admin/users', { token: admin, body: { username, password: 'Expert-demo-2026', role: 'EXPERT' } });
          const { expertId } = await api('POST', '/api/v1/experts', {
            token: admin,
            body: { userId, name, specialties: ['A08'], region: '江苏省', employerUscc: uscc(`employer-${i}`), title: '高级工程师', yearsOfExperience: 10 + i, conflicts: [] },
          });
          const token = (await api('POST', '/api/v1/auth/login', { body: { username, password: 'Expert-demo-2026' } })).accessToken as string;
          list.push({ name, token, expertId, userId });
          if (i === 0) accounts.push(['评标专家', 'expert-1 … expert-9', 'Expert-demo-2026']);
        }
        return list;
      },
      (l) => `${l.length} experts`,
    );

    const register = async (username: string, role: 'BIDDER' | 'PROCURING_ENTITY', name: string, legalRepresentative: string, accountNo: string) => {
      const r = await api('POST', '/api/v1/auth/register', {
        body: {
          username,
          password: 'Demo-pass-2026',
          role,
          organization: { name, uscc: uscc(username), legalRepresentative, basicAccount: { bank: '中国工商银行盐城分行', accountNo } },
        },
      });
      const token = (await api('POST', '/api/v1/auth/login', { body: { username, password: 'Demo-pass-2026' } })).accessToken as string;
      accounts.push([`${role === 'BIDDER' ? '投标人' : '招标人'} ${name}`, username, 'Demo-pass-2026']);
      return { ...r, token, name, username, accountNo } as { userId: string; organizationId: string; token: string; name: string; username: string; accountNo: string };
    };

    const pe = await step('register the procuring entity (招标人): 盐城市交通运输局', () =>
      register('ycjt', 'PROCURING_ENTITY', '盐城市交通运输局', '孙国华', '1109020109000000001'),
    );
    const bidderSpecs = [
      ['jiangsu-luqiao', '江苏省路桥建设集团有限公司', '钱永康', '32001881000052500001'],
      ['yancheng-shizheng', '盐城市市政工程有限公司', '吴海峰', '32001881000052500002'],
      ['huaxin-gonglu', '江苏华信公路工程有限公司', '郑立', '32001881000052500003'],
      ['dongtai-jianshe', '东台市交通建设工程有限公司', '冯志远', '32001881000052500004'],
      ['binhai-lutong', '滨海路通工程有限公司', '褚建明', '32001881000052500005'],
    ] as const;
    const bidders = await step(
      'register 5 bidders (投标人); two of them are planted colluders',
      async () => {
        const list = [];
        for (const [u, n, l, a] of bidderSpecs) list.push(await register(u, 'BIDDER', n, l, a));
        return list;
      },
      () => '华信 and 东台 will share a device and a payer account',
    );
    const colluders = [bidders[2], bidders[3]];

    const deadline = new Date(Date.now() + 25_000);
    const tender = await step(
      'draft the tender (招标公告): ¥40,000,000 budget, ceiling ¥38,000,000',
      async () =>
        api('POST', '/api/v1/tenders', {
          token: pe.token,
          body: {
            title: '盐城市开发大道（S226—通榆河段）改造工程施工',
            description: '道路改造、排水及交通设施工程，工期 360 日历天。',
            category: 'CONSTRUCTION_WORKS',
            regime: 'ENGINEERING',
            method: 'OPEN',
            budget: '40000000.00',
            priceCeiling: '38000000.00',
            bidDeadline: deadline.toISOString(),
            bidSecurityAmount: '500000.00',
            decryption: { mode: 'BIDDER_WITH_ESCROW_FALLBACK', windowMinutes: 1 },
            evaluation: { method: 'LOWEST_EVALUATED_PRICE' },
            panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
          },
        }),
      (t) => `id ${t.id}`,
    );

    const published = await step(
      'publish: the notice is public and the deadline job is queued',
      async () => {
        await api('POST', `/api/v1/tenders/${tender.id}/publish`, { token: pe.token, body: {} });
        const t = await api('GET', `/api/v1/tenders/${tender.id}`);
        if (t.status !== 'PUBLISHED' || !t.sealing?.escrowPublicKey) throw new Error(`unexpected tender: ${JSON.stringify(t).slice(0, 300)}`);
        return t;
      },
      (t) => `deadline ${t.bidDeadline}, escrow key ${String(t.sealing.escrowPublicKey).slice(0, 12)}…`,
    );

    await step(
      'bidders pay the bid security (投标保证金) — the bank sends signed notifications',
      async () => {
        for (const [i, b] of bidders.entries()) {
          const acct = await api('GET', `/api/v1/tenders/${tender.id}/bid-security/account`, { token: b.token });
          // the colluders' deposits both come from one account (TBR Art. 40(6))
          const payer = colluders.includes(b) ? { payerAccountNo: '6222021109000088888', payerName: '盐城恒达劳务有限公司' } : { payerAccountNo: b.accountNo, payerName: b.name };
          const raw = JSON.stringify({
            txnId: `ICBC-${Date.now()}-${i}`,
            virtualAccountNo: acct.virtualAccountNo,
            amount: acct.amount,
            ...payer,
            paidAt: new Date().toISOString(),
          });
          const sig = createHmac('sha256', BANK_SECRET).update(raw).digest('hex');
          await api('POST', '/api/v1/bank/notifications', { raw, headers: { 'X-Bank-Signature': sig } });
          // the bank retries: a repeated notification changes nothing
          await api('POST', '/api/v1/bank/notifications', { raw, headers: { 'X-Bank-Signature': sig } });
          const mine = await api('GET', `/api/v1/tenders/${tender.id}/bid-security/mine`, { token: b.token });
          if (mine.status !== 'PAID') throw new Error(`${b.name}: bid security ${mine.status}`);
        }
      },
      () => '5 × ¥500,000.00 PAID (each notification sent twice)',
    );

    const { receiptPublicKey } = await api('GET', '/api/v1/platform/keys');
    const prices = ['36250000.00', '35980000.00', '37100000.00', '37150000.00', '36600000.00'];
    const sealed = await step(
      'bidders seal their bids on their own machines and submit them (电子投标文件)',
      async () => {
        const list = [];
        for (const [i, b] of bidders.entries()) {
          const device = colluders.includes(b) ? 'WIN-HX-DESKTOP-7F3A' : `WIN-${b.username.toUpperCase()}`;
          const s = sealBid({
            tenderId: tender.id,
            bidderOrganizationId: b.organizationId,
            plaintext: {
              price: prices[i],
              currency: 'CNY',
              durationDays: 330 + i * 5,
              attachments: [{ name: '施工组织设计.pdf', contentBase64: Buffer.from(`${b.name} 施工组织设计 第${i + 1}版`).toString('base64') }],
            },
            escrowPublicKey: published.sealing.escrowPublicKey,
            client: {
              deviceId: device,
              macAddresses: colluders.includes(b) ? ['00:1A:2B:3C:4D:5E'] : [`02:00:00:00:00:0${i}`],
              documentAuthor: colluders.includes(b) ? '华信-投标部' : b.name,
              toolVersion: 'bid-seal-demo',
            },
          });
          const receipt = await api('POST', `/api/v1/tenders/${tender.id}/bids`, { token: b.token, body: s.request });
          const valid = verifyReceipt({
            receipt,
            tenderId: tender.id,
            bidderOrganizationId: b.organizationId,
            keyCommitment: s.request.keyCommitment,
            receiptPublicKeyPem: receiptPublicKey,
            iv: s.request.iv,
            escrowedKey: s.request.escrowedKey ?? null,
          });
          if (!valid) throw new Error(`${b.name}: the receipt signature does not verify`);
          list.push({ bidder: b, sealed: s, receipt });
        }
        return list;
      },
      (l) => `${l.length} sealed bids, every receipt verified against /platform/keys`,
    );

    await step(
      'before the deadline: the procuring entity cannot see the opening record (sealed)',
      async () => {
        await api('GET', `/api/v1/tenders/${tender.id}/opening-record`, { token: pe.token, expect: [403] });
      },
      () => '403 SEALED_UNTIL_OPENING',
    );

    await step(
      'the deadline passes: the platform opens the tender by itself (开标)',
      async () =>
        waitUntil(
          'OPENING',
          async () => {
            const t = await api('GET', `/api/v1/tenders/${tender.id}`);
            return t.status === 'OPENING' || t.status === 'EVALUATION' ? t : null;
          },
          90_000,
        ),
      (t) => `status ${t.status}, ${Date.now() - deadline.getTime()} ms after the deadline`,
    );

    await step('four bidders decrypt online; 滨海路通 does not (escrow fallback at window close)', async () => {
      for (const s of sealed.slice(0, 4)) {
        const r = await api('POST', `/api/v1/tenders/${tender.id}/bids/${s.receipt.bidId}/decryption`, { token: s.bidder.token, body: { key: s.sealed.key } });
        if (r.price !== prices[sealed.indexOf(s)]) throw new Error(`decrypted price ${r.price}`);
      }
    });

    await step('the decryption window closes: escrow decrypts the rest, the opening record is made', async () =>
      waitUntil(
        'EVALUATION',
        async () => {
          const t = await api('GET', `/api/v1/tenders/${tender.id}`);
          return t.status === 'EVALUATION' ? t : null;
        },
        150_000,
        1000,
      ),
    );

    const record = await step(
      'opening record (开标记录) and its PDF',
      async () => {
        const r = await api('GET', `/api/v1/tenders/${tender.id}/opening-record`, { token: pe.token });
        await download(`/api/v1/tenders/${tender.id}/opening-record.pdf`, pe.token, 'opening-record.pdf');
        return r;
      },
      (r) => r.bids.map((b: { bidderName: string; price: string; status: string }) => `${b.bidderName} ¥${b.price} ${b.status}`).join('; '),
    );
    void record;

    const panel = await step(
      'the panel is drawn at random with recusal (随机抽取): seed committed first',
      async () =>
        waitUntil(
          'the panel',
          async () => {
            const p = await api('GET', `/api/v1/tenders/${tender.id}/panel`, { token: supervisor });
            return p.members?.length >= 5 ? p : null;
          },
          60_000,
        ),
      (p) => `seedCommitment ${String(p.seedCommitment).slice(0, 16)}…, ${p.members.length} members`,
    );

    const onPanel = async () => {
      const members: Array<{ name: string; token: string; assignmentId: string }> = [];
      for (const e of experts) {
        const list = await api('GET', '/api/v1/expert/assignments', { token: e.token });
        const a = (list.items ?? list).find((x: { tenderId: string; status: string }) => x.tenderId === tender.id && x.status !== 'DECLINED' && x.status !== 'REPLACED');
        if (a) members.push({ name: e.name, token: e.token, assignmentId: a.id });
      }
      return members;
    };
    const members = await step(
      'the drawn experts accept their assignments',
      async () => {
        const m = await onPanel();
        for (const x of m) await api('POST', `/api/v1/expert/assignments/${x.assignmentId}/accept`, { token: x.token, body: {} });
        return m;
      },
      (m) => m.map((x) => x.name).join('、'),
    );
    void panel;

    await step('each expert scores independently (资格后审 + 经评审的最低投标价法) and signs', async () => {
      for (const m of members) {
        const bids = await api('GET', `/api/v1/tenders/${tender.id}/evaluation/bids`, { token: m.token });
        for (const b of bids) await api('POST', `/api/v1/tenders/${tender.id}/evaluation/scores`, { token: m.token, body: { bidId: b.bidId, qualified: true } });
        await api('POST', `/api/v1/tenders/${tender.id}/evaluation/sign`, { token: m.token, body: {} });
      }
    });

    const report = await step(
      'the evaluation report (评标报告): ranked candidates',
      async () => {
        const r = await waitUntil(
          'the report',
          async () => {
            const x = await api('GET', `/api/v1/tenders/${tender.id}/evaluation-report`, { token: pe.token });
            return x.candidates?.length ? x : null;
          },
          30_000,
        );
        await download(`/api/v1/tenders/${tender.id}/evaluation-report.pdf`, pe.token, 'evaluation-report.pdf');
        return r;
      },
      (r) => r.candidates.map((c: { rank: number; bidderName: string; price: string }) => `${c.rank}. ${c.bidderName} ¥${c.price}`).join('; '),
    );

    await step('candidate publicity (中标候选人公示), relaxed to a few seconds', async () => {
      await api('POST', `/api/v1/tenders/${tender.id}/publicity`, { token: pe.token, body: { endsAt: new Date(Date.now() + 4000).toISOString() } });
      await sleep(4500);
    });

    const winner = report.candidates[0];
    await step(
      'award to the rank-1 candidate (中标通知书)',
      async () => {
        await waitUntil(
          'award accepted',
          async () => {
            await api('POST', `/api/v1/tenders/${tender.id}/award`, { token: pe.token, body: { bidId: winner.bidId } });
            return true;
          },
          20_000,
          1000,
        );
      },
      () => `${winner.bidderName}`,
    );

    await step('the contract is signed (合同): bid securities become due for refund', async () => {
      await api('POST', `/api/v1/tenders/${tender.id}/contract`, { token: pe.token, body: { signedAt: new Date().toISOString() } });
    });

    await step(
      'refunds are paid by the scheduled job, with interest (TBR Art. 57)',
      async () =>
        waitUntil(
          'every deposit REFUNDED',
          async () => {
            const st = await Promise.all(bidders.map((b) => api('GET', `/api/v1/tenders/${tender.id}/bid-security/mine`, { token: b.token })));
            return st.every((s) => s.status === 'REFUNDED') ? st : null;
          },
          60_000,
          500,
        ),
      (st) => st.map((s: { status: string }) => s.status).join(', '),
    );

    const flags = await step(
      'collusion flags (串通投标监测) for the supervisor',
      async () => {
        const f = await waitUntil(
          'flags',
          async () => {
            const x = await api('GET', `/api/v1/tenders/${tender.id}/flags`, { token: supervisor });
            const codes = (x.items ?? x).map((y: { code: string }) => y.code);
            return codes.includes('SAME_DEVICE') && codes.includes('SAME_PAYER_ACCOUNT') ? (x.items ?? x) : null;
          },
          30_000,
          500,
        );
        await download(`/api/v1/tenders/${tender.id}/flags.pdf`, supervisor, 'flag-report.pdf');
        return f as Array<{ code: string; severity: string }>;
      },
      (f) => f.map((x) => `${x.code}(${x.severity})`).join(', '),
    );
    void flags;

    await step(
      'the audit chain verifies (留痕)',
      async () => {
        const v = await api('GET', `/api/v1/audit/verify?tenderId=${tender.id}`, { token: supervisor });
        if (!v.valid) throw new Error(`audit chain broken: ${JSON.stringify(v)}`);
        return v;
      },
      (v) => `${v.events} events, head ${String(v.headHash).slice(0, 16)}…`,
    );
    if (KEEP_MINUTES > 0) {
      await step(
        `keep: a second tender open for bids in the console (deadline in ${KEEP_DEADLINE_MINUTES} min), two bids already in`,
        async () => {
          const t = await api('POST', '/api/v1/tenders', {
            token: pe.token,
            body: {
              title: '盐城市亭湖区城市道路照明节能改造工程',
              description: '更换 LED 路灯 2,400 盏及智能控制系统；工期 120 日历天。',
              category: 'CONSTRUCTION_WORKS',
              regime: 'ENGINEERING',
              method: 'OPEN',
              budget: '12000000.00',
              priceCeiling: '11500000.00',
              bidDeadline: new Date(Date.now() + KEEP_DEADLINE_MINUTES * 60_000).toISOString(),
              bidSecurityAmount: '0.00',
              decryption: { mode: 'BIDDER_WITH_ESCROW_FALLBACK', windowMinutes: 15 },
              evaluation: { method: 'LOWEST_EVALUATED_PRICE' },
              panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
            },
          });
          await api('POST', `/api/v1/tenders/${t.id}/documents`, {
            token: pe.token,
            body: { name: '招标文件.pdf', contentType: 'application/pdf', contentBase64: Buffer.from('%PDF-1.4 盐城市亭湖区城市道路照明节能改造工程 招标文件').toString('base64') },
          });
          await api('POST', `/api/v1/tenders/${t.id}/publish`, { token: pe.token, body: {} });
          const pub = await api('GET', `/api/v1/tenders/${t.id}`);
          for (const [i, b] of [bidders[1], bidders[4]].entries()) {
            const s2 = sealBid({
              tenderId: t.id,
              bidderOrganizationId: b.organizationId,
              plaintext: { price: ['11020000.00', '11260000.00'][i], currency: 'CNY', durationDays: 120 },
              escrowPublicKey: pub.sealing.escrowPublicKey,
              client: { deviceId: `WIN-${b.username.toUpperCase()}`, toolVersion: 'bid-seal-demo' },
            });
            await api('POST', `/api/v1/tenders/${t.id}/bids`, { token: b.token, body: s2.request });
          }
          return t;
        },
        (t) => `${base}/tenders/${t.id}`,
      );
    }
  } catch {
    // reported below
  } finally {
    if (!(KEEP_MINUTES > 0 && results.every((r) => r.ok))) platform?.kill('SIGTERM');
  }

  const failed = results.filter((r) => !r.ok);
  out(`\n${results.length} steps, ${results.length - failed.length} ok, ${failed.length} failed, ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
  out(`PDFs in ${OUT}: opening-record.pdf, evaluation-report.pdf, flag-report.pdf`);
  out(`\n控制台 (web console): ${base}/`);
  out('演示账户 (demo accounts):');
  // Padded by display width: a Chinese character takes two columns in a terminal.
  const pad = (text: string, cols: number) => text + ' '.repeat(Math.max(1, cols - [...text].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0)));
  for (const [role, username, password] of accounts) out(`  ${pad(role, 34)}${pad(username, 22)}${password}`);
  if (KEEP_MINUTES > 0 && !failed.length) {
    out(`\nThe platform stays up for ${KEEP_MINUTES} min (--keep): open ${base}/ in a browser; Ctrl+C stops it.`);
    out('Bid as 江苏省路桥建设集团有限公司 (jiangsu-luqiao) on the second tender, then watch its 开标大厅 at the deadline.');
    const stop = () => {
      platform?.kill('SIGTERM');
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await sleep(KEEP_MINUTES * 60_000);
    stop();
  }
  process.exit(failed.length ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
