/**
 * `npm run bench`: every benchmark of the platform against the real PostgreSQL and Redis, one table at the end with
 * the targets and, for throughput, the ratio to the database's own ceiling measured in the same run (raw pg writes of
 * the same rows). The table and the machine are written into docs/BENCHMARKS.md between the bench markers.
 *
 *   npm run bench [-- --quick] [-- --only bids,bidfiles,bidupload,security,draw,flags,statistics,console,console-size,console-hall]
 */
import { cpus, totalmem } from 'os';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { runBankNotificationsBench } from './bank-notifications.bench';
import { runBidSubmissionBench } from './bid-submission.bench';
import { runBidFilesBench } from './bid-files.bench';
import { runBidFileUploadBench } from './bid-file-upload.bench';
import { consoleBrowserAvailable, consoleFirstLoad, openingHallLatency } from './console.bench';
import { runExpertDrawBench } from './expert-draw.bench';
import { runFlagsBench } from './flags.bench';
import { runStatisticsBench } from './statistics.bench';

interface Row {
  benchmark: string;
  metric: string;
  value: string;
  target: string;
  met: boolean | null;
  ceiling: string;
  ratio: string;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : null;
const want = (k: string) => !only || only.has(k);
const log = (s: string) => process.stdout.write(`${s}\n`);
const pct = (x: number) => `${Math.round(x * 100)}%`;

async function main(): Promise<void> {
  const rows: Row[] = [];
  const started = new Date();
  const failures: string[] = [];
  const run = async (name: string, fn: () => Promise<void>) => {
    log(`\n── ${name} ${'─'.repeat(Math.max(0, 70 - name.length))}`);
    const t0 = Date.now();
    try {
      await fn();
      log(`   (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
      log(`   FAILED: ${(e as Error).stack}`);
    }
  };

  if (want('bids')) {
    await run('sealed bids: submission burst, deadline precision, escrow opening', async () => {
      const r = await runBidSubmissionBench({ log, ...(quick ? { rounds: 2, deadlineTenders: 3, escrowBids: 200 } : {}) });
      if (r.burst) {
        const b = r.burst;
        rows.push({
          benchmark: 'bid submission (64 bidders, 100 KB)',
          metric: 'p99 latency',
          value: `${b.http.p99Ms} ms`,
          target: '≤ 100 ms',
          met: b.http.p99Ms <= 100,
          ceiling: '',
          ratio: '',
        });
        rows.push({
          benchmark: 'bid submission (64 bidders, 100 KB)',
          metric: 'throughput',
          value: `${b.http.perSecond}/s`,
          target: '≥ 50% of ceiling',
          met: b.ratioToCeiling >= 0.5,
          ceiling: `${b.dbCeiling.perSecond}/s`,
          ratio: pct(b.ratioToCeiling),
        });
      }
      if (r.deadline) {
        const d = r.deadline;
        rows.push({
          benchmark: 'deadline → OPENING',
          metric: 'p99 lag (db clock)',
          value: `${d.openedAtLagMs.p99} ms`,
          target: '≤ 250 ms',
          met: d.openedAtLagMs.p99 <= 250,
          ceiling: '',
          ratio: '',
        });
        rows.push({
          benchmark: 'deadline → OPENING',
          metric: 'bids accepted after deadline',
          value: String(d.acceptedAtOrAfterDeadline),
          target: '0',
          met: d.acceptedAtOrAfterDeadline === 0,
          ceiling: '',
          ratio: '',
        });
      }
      if (r.escrow) {
        const e = r.escrow;
        rows.push({
          benchmark: `escrow opening (${e.bids} bids)`,
          metric: 'window close → record',
          value: `${e.windowCloseToRecordMs} ms`,
          target: '≤ 3000 ms',
          met: e.windowCloseToRecordMs <= 3000,
          ceiling: '',
          ratio: '',
        });
      }
    });
  }

  if (want('bidfiles')) {
    await run('sealed bid files (format v2): sealing, escrow opening, blob store', async () => {
      const r = await runBidFilesBench({ log, ...(quick ? { mb: 100, gmMb: 10, escrowFiles: 20 } : {}) });
      const b = `bid file ${r.mb} MiB (INTL-1)`;
      rows.push({
        benchmark: b,
        metric: 'sealing (streaming)',
        value: `${r.intl.sealMBps} MiB/s`,
        target: '≥ 50% of raw AES-256-GCM',
        met: r.intl.sealMBps >= 0.5 * r.rawAesGcmMBps,
        ceiling: `${r.rawAesGcmMBps} MiB/s`,
        ratio: pct(r.intl.sealMBps / r.rawAesGcmMBps),
      });
      rows.push({
        benchmark: b,
        metric: 'escrow opening (streaming)',
        value: `${r.intl.openMBps} MiB/s`,
        target: '≥ 50% of raw AES-256-GCM',
        met: r.intl.openMBps >= 0.5 * r.rawAesGcmMBps,
        ceiling: `${r.rawAesGcmMBps} MiB/s`,
        ratio: pct(r.intl.openMBps / r.rawAesGcmMBps),
      });
      rows.push({
        benchmark: b,
        metric: 'sealing into a null sink (no disk write)',
        value: `${r.intl.sealNullSinkMBps} MiB/s`,
        target: '(crypto pipeline, recorded)',
        met: true,
        ceiling: `${r.rawAesGcmMBps} MiB/s`,
        ratio: pct(r.intl.sealNullSinkMBps / r.rawAesGcmMBps),
      });
      rows.push({
        benchmark: b,
        metric: 'escrow opening as the platform (file hash checked)',
        value: `${r.intl.openWithFileHashMBps} MiB/s`,
        target: '≥ 50% of raw AES-256-GCM',
        met: r.intl.openWithFileHashMBps >= 0.5 * r.rawAesGcmMBps,
        ceiling: `${r.rawAesGcmMBps} MiB/s`,
        ratio: pct(r.intl.openWithFileHashMBps / r.rawAesGcmMBps),
      });
      rows.push({
        benchmark: b,
        metric: 'RSS growth sealing / opening',
        value: `${r.intl.sealRssGrowthMB} / ${r.intl.openRssGrowthMB} MB`,
        target: '≤ 128 MB',
        met: Math.max(r.intl.sealRssGrowthMB, r.intl.openRssGrowthMB) <= 128,
        ceiling: '',
        ratio: '',
      });
      rows.push({
        benchmark: b,
        metric: 'S3 adapter put (s3rver)',
        value: `${r.s3.putMBps} MiB/s`,
        target: '(measured)',
        met: null,
        ceiling: `${r.s3.rawLoopbackMBps} MiB/s loopback`,
        ratio: pct(r.s3.putMBps / r.s3.rawLoopbackMBps),
      });
      const m = r.escrowMany;
      rows.push({
        benchmark: `escrow opening ${m.files} × ${m.fileMb} MiB (INTL-1, fs store, one by one)`,
        metric: 'RSS growth over all files',
        value: `${m.rssGrowthMB} MB`,
        target: '≤ 128 MB (bounded)',
        met: m.rssGrowthMB <= 128,
        ceiling: '',
        ratio: '',
      });
      rows.push({
        benchmark: `escrow opening ${m.files} × ${m.fileMb} MiB (INTL-1, fs store, one by one)`,
        metric: 'throughput',
        value: `${m.openMBps} MiB/s`,
        target: '(measured)',
        met: null,
        ceiling: `${r.rawAesGcmMBps} MiB/s`,
        ratio: pct(m.openMBps / r.rawAesGcmMBps),
      });
      rows.push({
        benchmark: `bid file ${r.gmMb} MiB (GM-1)`,
        metric: 'sealing / escrow opening',
        value: `${r.gm.sealMBps} / ${r.gm.openMBps} MiB/s`,
        target: '(measured)',
        met: null,
        ceiling: '',
        ratio: '',
      });
    });
  }

  if (want('bidupload')) {
    await run('sealed bid file upload (format v2): one large bid through the platform, cut and resumed', async () => {
      const r = await runBidFileUploadBench({ log, ...(quick ? { mb: 50 } : {}) });
      const b = `bid file upload ${r.mb} MiB (HTTP, resumed once)`;
      rows.push({
        benchmark: b,
        metric: 'upload throughput',
        value: `${r.uploadMBps} MiB/s`,
        target: '≥ 50% of raw loopback copy',
        met: r.uploadMBps >= 0.5 * r.rawLoopbackMBps,
        ceiling: `${r.rawLoopbackMBps} MiB/s`,
        ratio: pct(r.uploadMBps / r.rawLoopbackMBps),
      });
      rows.push({ benchmark: b, metric: 'platform RSS growth', value: `${r.serverRssGrowthMB} MB`, target: '≤ 128 MB', met: r.serverRssGrowthMB <= 128, ceiling: '', ratio: '' });
      rows.push({ benchmark: b, metric: 'bidder opening (streamed from the store)', value: `${r.bidderOpenMs} ms`, target: '(measured)', met: null, ceiling: '', ratio: '' });
    });
  }

  if (want('security')) {
    await run('bid security: bank notifications', async () => {
      const r = await runBankNotificationsBench({ log, ...(quick ? { notifications: 600 } : {}) });
      rows.push({
        benchmark: 'bank notifications',
        metric: 'throughput',
        value: `${r.http.perSecond}/s`,
        target: '(measured)',
        met: null,
        ceiling: `${r.dbCeilingWithAudit.perSecond}/s`,
        ratio: pct(r.http.perSecond / r.dbCeilingWithAudit.perSecond),
      });
      rows.push({
        benchmark: 'bank notifications',
        metric: 'p99 latency',
        value: `${r.http.p99Ms} ms`,
        target: '(measured)',
        met: null,
        ceiling: `${r.dbCeilingWithAudit.p99Ms} ms`,
        ratio: '',
      });
      rows.push({
        benchmark: 'bank notifications',
        metric: 'repeated notifications (idempotent)',
        value: `${r.httpDuplicates.perSecond}/s`,
        target: '(measured)',
        met: null,
        ceiling: '',
        ratio: '',
      });
    });
  }

  if (want('draw')) {
    await run('expert draw from 100,000 experts with recusal', async () => {
      const r = await runExpertDrawBench({ log, ...(quick ? { draws: 50 } : {}) });
      rows.push({ benchmark: `expert draw (${r.poolSize} experts)`, metric: 'p99 latency', value: `${r.p99Ms} ms`, target: '≤ 50 ms', met: r.p99Ms <= 50, ceiling: '', ratio: '' });
    });
  }

  if (want('flags')) {
    await run('collusion flags: 10,000 tenders / 100,000 bids', async () => {
      const r = await runFlagsBench({ log, ...(quick ? { tenders: 2000 } : {}) });
      const total = r.db?.totalMs ?? r.engine.totalMs;
      rows.push({
        benchmark: `collusion flags (${r.tenders} tenders, ${r.bids} bids)`,
        metric: r.db ? 'load + compute + store' : 'engine',
        value: `${(total / 1000).toFixed(2)} s`,
        target: '≤ 10 s',
        met: total <= 10_000,
        ceiling: '',
        ratio: '',
      });
    });
  }

  if (want('statistics')) {
    await run('yearbook statistics: one year of 10,000 tenders', async () => {
      const r = await runStatisticsBench({ log, ...(quick ? { requests: 100 } : {}) });
      rows.push({
        benchmark: `GET /statistics (${r.tenders} tenders, ${r.bids} bids, one year)`,
        metric: 'p99 latency',
        value: `${r.http.p99Ms} ms`,
        target: '≤ 200 ms',
        met: r.http.p99Ms <= 200,
        ceiling: '',
        ratio: '',
      });
      rows.push({
        benchmark: `GET /statistics (${r.tenders} tenders, ${r.bids} bids, one year)`,
        metric: "p99, supervisors' view",
        value: `${r.supervisor.p99Ms} ms`,
        target: '(measured)',
        met: null,
        ceiling: '',
        ratio: '',
      });
      rows.push({
        benchmark: 'GET /ocds/compiled-releases.jsonl (one year)',
        metric: 'export time',
        value: `${r.jsonl.ms} ms for ${r.jsonl.lines} lines`,
        target: '(measured)',
        met: null,
        ceiling: '',
        ratio: '',
      });
    });
  }

  if (want('console') || want('console-size')) {
    await run('web console: first-load JavaScript per role route (gzip, from the Vite manifest)', async () => {
      const r = consoleFirstLoad();
      for (const route of r.routes) {
        const kb = route.gzipBytes / 1024;
        log(`   ${route.path.padEnd(24)} ${route.access.padEnd(40)} ${kb.toFixed(1)} KB gzip (${(route.rawBytes / 1024).toFixed(0)} KB raw, ${route.files} files)`);
        rows.push({
          benchmark: `console first load ${route.path} (${route.access})`,
          metric: 'JS, gzip',
          value: `${kb.toFixed(1)} KB`,
          target: '≤ 350 KB',
          met: kb <= 350,
          ceiling: '',
          ratio: '',
        });
      }
    });
  }

  if (want('console') || want('console-hall')) {
    await run("web console: opening hall live update (decryption → another participant's page)", async () => {
      if (!consoleBrowserAvailable()) throw new Error('chromium-headless-shell is not installed (npm test installs it: scripts/setup.sh --test)');
      const r = await openingHallLatency({ log, ...(quick ? { bidders: 5 } : {}) });
      rows.push({
        benchmark: `opening hall live update (${r.decryptions} decryptions, polling ${r.pollIntervalMs} ms)`,
        metric: 'p50 / max latency',
        value: `${r.visible.p50Ms} / ${r.visible.maxMs} ms`,
        target: `≤ ${r.pollIntervalMs + 500} ms`,
        met: r.visible.maxMs <= r.pollIntervalMs + 500,
        ceiling: '',
        ratio: '',
      });
    });
  }

  const table = [
    '| benchmark | metric | measured | target | met | DB ceiling (same run) | ratio |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.benchmark} | ${r.metric} | ${r.value} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} | ${r.ceiling || '—'} | ${r.ratio || '—'} |`,
    ),
  ].join('\n');
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  log(`\n${table}\n\nmachine: ${machine}; ${started.toISOString()}${quick ? ' (--quick)' : ''}`);
  if (failures.length) log(`\nfailed: ${failures.join('; ')}`);

  if (!only && !quick) {
    const file = join(__dirname, '../docs/BENCHMARKS.md');
    const doc = readFileSync(file, 'utf8');
    const block = [
      '<!-- bench:begin (written by `npm run bench`; do not edit by hand) -->',
      `Command: \`npm run bench\` — ${started.toISOString()}, ${machine}, PostgreSQL and Redis on the same machine.`,
      '',
      table,
      '<!-- bench:end -->',
    ].join('\n');
    const next = /<!-- bench:begin[\s\S]*?<!-- bench:end -->/.test(doc)
      ? doc.replace(/<!-- bench:begin[\s\S]*?<!-- bench:end -->/, block)
      : doc.replace(/^(# Benchmarks\n)/, `$1\n## Summary\n\n${block}\n`);
    writeFileSync(file, next);
    log('\ndocs/BENCHMARKS.md updated');
  }
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
