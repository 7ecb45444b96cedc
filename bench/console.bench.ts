/**
 * The web console's benchmarks (issue 11):
 * 1. First load per role route: the gzipped JavaScript a browser downloads to show a route first — the entry chunk
 *    and its static imports, plus the route's lazy page chunk and its static imports — computed from Vite's build
 *    manifest (web/dist/.vite/manifest.json) and the route table (web/src/routes.tsx). Target ≤ 350 KB per route.
 * 2. The opening hall's live-update latency: a bidder's decryption (the API's answer: committed) → the row showing
 *    已解密 in ANOTHER participant's page, in Debian's headless Chromium, for each of N decryptions in a row.
 *
 *   npm run bench -- --only console        (both)   ·   npm run bench -- --only console-size   (no browser)
 */
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { gzipSync } from 'zlib';
import { type LatencyStats, stats } from './latency';

const ROOT = resolve(__dirname, '..');
const WEB = join(ROOT, 'web');

interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export interface RouteFirstLoad {
  path: string;
  access: string;
  /** gzipped bytes of every JS file the route needs at first load. */
  gzipBytes: number;
  rawBytes: number;
  files: number;
}

/** Parses the route table's lines `{ path: '…', access: …, … load: () => import('./pages/…') }` (commented slots are skipped). */
export function routeTable(): Array<{ path: string; access: string; source: string }> {
  const text = readFileSync(join(WEB, 'src', 'routes.tsx'), 'utf8');
  const out: Array<{ path: string; access: string; source: string }> = [];
  for (const line of text.split('\n')) {
    if (/^\s*\/\//.test(line)) continue;
    const m = /path:\s*'([^']+)'.*access:\s*('[^']+'|\[[^\]]*\]).*import\('\.\/([^']+)'\)/.exec(line);
    if (m) out.push({ path: m[1], access: m[2].replace(/'/g, ''), source: `src/${m[3]}.tsx` });
  }
  return out;
}

export function consoleFirstLoad(): { entryGzipBytes: number; routes: RouteFirstLoad[] } {
  execFileSync('bash', [join(ROOT, 'scripts', 'build-console.sh')], { stdio: 'inherit' });
  const manifest = JSON.parse(readFileSync(join(WEB, 'dist', '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const sizes = new Map<string, { raw: number; gz: number }>();
  const sizeOf = (file: string) => {
    if (!sizes.has(file)) {
      const buf = readFileSync(join(WEB, 'dist', file));
      sizes.set(file, { raw: buf.length, gz: gzipSync(buf, { level: 9 }).length });
    }
    return sizes.get(file)!;
  };
  /** The chunk and everything it imports statically (what the browser fetches before running it). */
  const closure = (key: string, into: Set<string>) => {
    const c = manifest[key];
    if (!c || into.has(c.file)) return;
    into.add(c.file);
    for (const i of c.imports ?? []) closure(i, into);
  };
  const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
  if (!entryKey) throw new Error('no entry in the Vite manifest');
  const entryFiles = new Set<string>();
  closure(entryKey, entryFiles);
  const total = (files: Set<string>) => [...files].filter((f) => f.endsWith('.js')).reduce((a, f) => ({ raw: a.raw + sizeOf(f).raw, gz: a.gz + sizeOf(f).gz }), { raw: 0, gz: 0 });
  const routes = routeTable().map((r) => {
    const files = new Set(entryFiles);
    if (!manifest[r.source]) throw new Error(`route ${r.path}: ${r.source} is not in the manifest`);
    closure(r.source, files);
    const t = total(files);
    return { path: r.path, access: r.access, gzipBytes: t.gz, rawBytes: t.raw, files: [...files].filter((f) => f.endsWith('.js')).length };
  });
  return { entryGzipBytes: total(entryFiles).gz, routes };
}

export interface HallLatency {
  decryptions: number;
  /** From the decryption's HTTP answer to the row showing 已解密 in the other participant's page. */
  visible: LatencyStats;
  pollIntervalMs: number;
}

/** The opening hall's live-update latency, with the real app, PostgreSQL, Redis and Debian's headless Chromium. */
export async function openingHallLatency(o: { log: (s: string) => void; bidders?: number }): Promise<HallLatency> {
  const n = o.bidders ?? 12;
  // The browser-test harness and fixtures: the same app, fixtures and browser as `npm test`.
  const { startConsole, openPage, loginAs, browserExecutable } = await import('../test/browser/harness');
  const { tenderInState, registerParty } = await import('../test/browser/fixtures');
  browserExecutable();
  // Its own database, rebuilt from the migrations (the app runs as in the tests: NODE_ENV=test, relaxed periods).
  const { prepareDatabase } = await import('../scripts/prepare-db');
  const { AppConfig } = await import('../src/infra/config/app-config');
  const { benchDatabaseUrl } = await import('./bench-db');
  const env = { NODE_ENV: 'test', TEST_DATABASE_URL: benchDatabaseUrl('ebidding_bench_console') };
  await prepareDatabase(AppConfig.fromEnvironment(env), () => undefined, { recreate: true });
  const server = await startConsole({ env });
  try {
    const t = server.t;
    const prices = Array.from({ length: n }, (_, i) => `${36_000_000 + i * 10_000}.00`);
    const bidders = [];
    for (let i = 0; i < n; i++) bidders.push(await registerParty(t, { name: `盐城测试投标人${String(i + 1).padStart(2, '0')}有限公司` }));
    const tender = await tenderInState(t, 'OPENING', { prices, bidders, deadlineInMs: 4000 + 800 * n });
    const w = await openPage(server);
    await loginAs(w.page, bidders[0].username, bidders[0].password);
    await w.page.goto(`/tenders/${tender.id}/opening`);
    await w.page.getByRole('table', { name: '开标一览表' }).getByRole('row').nth(n).waitFor();
    const latencies: number[] = [];
    const t0 = Date.now();
    // Bidders 2..n decrypt one after another (the observer is bidder 1, who does not decrypt: no early 唱标).
    for (let i = 1; i < n; i++) {
      // Real decryptions arrive at any moment of the page's polling cycle: a random pause de-phases them (without
      // it each decryption would follow right after the poll that showed the previous one — the worst case).
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      const name = `盐城测试投标人${String(i + 1).padStart(2, '0')}有限公司`;
      const res = await t.http().post(`/api/v1/tenders/${tender.id}/bids/${tender.bidIds[i]}/decryption`).set(bidders[i].auth).send({ key: tender.bids[i].sealed.key });
      if (res.status !== 200) throw new Error(`decryption ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      const answered = Date.now();
      // Checked in the page on every animation frame (a string: the root tsconfig has no DOM types).
      // A function, not a string: the console's Content-Security-Policy forbids eval (script-src 'self').
      await w.page.waitForFunction(
        (bidder: string) => {
          // Runs in the page (this project's tsconfig has no DOM lib): the table's rows, by their text.
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } }).document;
          return Array.from(doc.querySelectorAll('table[aria-label="开标一览表"] tr')).some(
            (tr) => (tr.textContent ?? '').includes(bidder) && (tr.textContent ?? '').includes('已解密'),
          );
        },
        name,
        { polling: 'raf', timeout: 15_000 },
      );
      latencies.push(Date.now() - answered);
    }
    w.assertClean();
    await w.close();
    const s = stats(latencies, (Date.now() - t0) / 1000, 0);
    o.log(`   ${latencies.length} decryptions: p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms, max ${s.maxMs} ms (polling every 1000 ms)`);
    return { decryptions: latencies.length, visible: s, pollIntervalMs: 1000 };
  } finally {
    await server.close();
  }
}

export const consoleBrowserAvailable = () => ['/usr/bin/chromium-headless-shell', '/usr/lib/chromium/chromium-headless-shell'].some((p) => existsSync(p));
