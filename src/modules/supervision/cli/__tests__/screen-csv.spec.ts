import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { readTenders, readTraining, renderScores, scoreTenders } from 'src/modules/supervision/cli/screen-csv';
import { scoreTender } from 'src/modules/supervision/screens/collusion-score';
import { calibrateMarketFromBids, MIN_CALIBRATION_TENDERS } from 'src/modules/supervision/screens/market-calibration';
import { mulberry32 } from 'src/modules/supervision/screens/price-screens';

const ROOT = resolve(__dirname, '../../../../..');
const SCRIPT = join(ROOT, 'src/modules/supervision/cli/screen-csv.ts');

/** Run the CLI exactly as the npm script does (node + ts-node + tsconfig-paths). */
function run(args: string[]) {
  const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', SCRIPT, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('flags:screen CLI (src/modules/supervision/cli/screen-csv.ts)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'screen-csv-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cartel = [100.0, 103.0, 103.4, 103.6, 103.9, 104.1];
  const competitive = [100, 108, 117, 121, 135, 151];

  it('scores a small CSV: header skipped, quoted ids, first-seen order, empty score for insufficient data', () => {
    const rows = ['tender,bid'];
    // interleave rows to check grouping keeps first-seen order
    for (let i = 0; i < 6; i++) rows.push(`"Z,9",${competitive[i]}`, `A-1,${cartel[i]}`);
    rows.push('small,10', 'small,11', '"small",12');
    const input = join(dir, 'in.csv');
    const output = join(dir, 'out.csv');
    writeFileSync(input, rows.join('\r\n') + '\r\n');

    const r = run([input, output]);
    // 2 eligible tenders: too few to calibrate, so the fixed defaults apply and standard error says so
    expect(r.stderr).toBe(
      `screen-csv: fixed defaults (reference CV 6.00%, log-scale 0.5): 2 eligible tender(s) in the history, fewer than the ${MIN_CALIBRATION_TENDERS} needed to calibrate\n`,
    );
    expect(r.code).toBe(0);
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('tender,score,flag');
    expect(lines[1]).toBe(`"Z,9",${scoreTender(competitive).score!.toFixed(6)},0`);
    expect(lines[2]).toBe(`A-1,${scoreTender(cartel).score!.toFixed(6)},1`);
    expect(lines[3]).toBe('small,,');
    expect(lines).toHaveLength(4);
  });

  it('calibrates on the input file itself by default; --no-calibrate uses the fixed defaults', () => {
    // 60 tenders of a tight market (CV ≈ 0.5 %, bids bunched under a ceiling) plus one insufficient tender
    const rnd = mulberry32(3);
    const tenders = new Map<string, number[]>();
    for (let t = 0; t < 60; t++) {
      const cv = 0.005 * Math.exp(rnd() - 0.5);
      tenders.set(
        `T${t}`,
        Array.from({ length: 6 + (t % 5) }, () => Math.round(1e8 * (1 - 0.02 - cv * 2 * (rnd() - 0.5) * 1.7)) / 100),
      );
    }
    tenders.set('few', [1, 2, 3]);
    const rows = ['tender,bid'];
    for (const [id, bids] of tenders) for (const b of bids) rows.push(`${id},${b}`);
    const input = join(dir, 'market.csv');
    writeFileSync(input, rows.join('\n') + '\n');

    const cal = calibrateMarketFromBids(tenders.values());
    expect(cal.source).toBe('market');
    const expected = (calibrated: boolean) =>
      [
        'tender,score,flag',
        ...[...tenders].map(([id, bids]) => {
          const r = scoreTender(bids, calibrated ? { calibration: cal } : {});
          return r.score === null ? `${id},,` : `${id},${r.score.toFixed(6)},${r.flag ? 1 : 0}`;
        }),
      ].join('\n') + '\n';

    const a = run(['--', input, '-']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(expected(true));
    expect(a.stderr).toMatch(/^screen-csv: calibrated on 60 eligible tenders; median CV 0\.\d+%.*reference CV/);
    const b = run(['--no-calibrate', input, '-']);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(expected(false));
    expect(b.stderr).toBe('screen-csv: --no-calibrate: fixed defaults (reference CV 6.00%, log-scale 0.5)\n');
    // the fixed 6 % reference flags the whole tight market; the self-calibrated score about a tenth of it
    const flags = (csv: string) =>
      csv
        .trimEnd()
        .split('\n')
        .slice(1)
        .filter((l) => l.endsWith(',1')).length;
    expect(flags(b.stdout)).toBe(60);
    expect(flags(a.stdout)).toBeGreaterThanOrEqual(3);
    expect(flags(a.stdout)).toBeLessThanOrEqual(12);
    // in-process API gives the same
    expect(scoreTenders(tenders).csv).toBe(expected(true));
    expect(scoreTenders(tenders).calibration).toEqual(cal);
    expect(renderScores(tenders, { calibrate: false })).toBe(expected(false));
  });

  it('fails clearly on a missing file', () => {
    const r = run([join(dir, 'nope.csv'), join(dir, 'o.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/input file not found: .*nope\.csv/);
  });

  it('fails clearly on a bad number, naming the line', () => {
    const input = join(dir, 'bad-number.csv');
    writeFileSync(input, 'tender,bid\nT1,100\nT1,12O.5\n');
    const r = run([input, join(dir, 'o.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad-number\.csv line 3: bid "12O\.5" is not a decimal number/);
  });

  it('fails clearly on the wrong column count', () => {
    const input = join(dir, 'bad-cols.csv');
    writeFileSync(input, 'T1,100\nT1,100,extra\n');
    const r = run([input, join(dir, 'o.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad-cols\.csv line 2: expected 2 columns \(tender,bid\), found 3/);
  });

  it('prints usage and exits 2 on wrong arguments', () => {
    const r = run(['only-one.csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: npm run --silent flags:screen -- \[--no-calibrate\] IN\.csv OUT\.csv/);
    expect(run(['--no-calibrate', 'only-one.csv']).code).toBe(2);
    const u = run(['--calibrate-on', 'x.csv', 'a.csv', 'b.csv']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/unknown option --calibrate-on/);
  });
});

describe('flags:screen --train (the learning screen, API.md "Additions")', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'screen-csv-train-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A synthetic market where collusive tenders SPREAD their bids (cover bids far above a low winner, CV ≈ 12 %) and
   * competitive ones bid close (≈ 2 %): the direction the unsupervised screen assumes is wrong here; labels fix it.
   */
  const write = (name: string, count: number, seed: number, withLabel: boolean) => {
    const r = mulberry32(seed);
    const rows = [withLabel ? 'tender,bid,label' : 'tender,bid'];
    const labels = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const label = r() < 0.35 ? 1 : 0;
      const cv = (label ? 0.12 : 0.02) * Math.exp(0.6 * (r() - 0.5));
      const id = `${name}-${i}`;
      labels.set(id, label);
      for (let k = 0; k < 5 + Math.floor(r() * 4); k++) {
        const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
        rows.push(`${id},${(1e6 * (1 + cv * Math.abs(z))).toFixed(2)}${withLabel ? `,${label}` : ''}`);
      }
    }
    const path = join(dir, `${name}.csv`);
    writeFileSync(path, rows.join('\n') + '\n');
    return { path, labels };
  };

  it('trains on TRAIN.csv, scores IN.csv (tender,score,flag), and says which model with its CV AUC', () => {
    const train = write('train', 80, 11, true);
    const input = write('in', 60, 12, false);
    const out = join(dir, 'out.csv');
    const r = run(['--train', train.path, input.path, out]);
    expect(r.stderr).toMatch(
      /^screen-csv: --train: model "[^"]+" trained on 80 labelled eligible tenders \(\d+ collusive\); cross-validated AUC [01]\.\d{3} \(5-fold × 3\); flag at score ≥ 0\.\d+\n$/,
    );
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('tender,score,flag');
    expect(lines).toHaveLength(61);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((x) => x[0])).toEqual([...input.labels.keys()]);
    const scores = rows.map((x) => Number(x[1]));
    const labels = rows.map((x) => input.labels.get(x[0])!);
    // learned the market's direction: the spread tenders score high (the unsupervised screen ranks them low)
    const pos = scores.filter((_s, i) => labels[i] === 1);
    const neg = scores.filter((_s, i) => labels[i] === 0);
    expect(Math.min(...pos)).toBeGreaterThan(Math.max(...neg));
    expect(rows.every((x) => x[2] === '0' || x[2] === '1')).toBe(true);
    expect(rows.filter((x) => x[2] === '1').length).toBe(pos.length);
  }, 120_000);

  it('with too few labelled tenders it is zero-shot: the unsupervised ranking, every flag 0, and it says so', () => {
    const train = write('few', 12, 13, true);
    const input = write('in2', 40, 14, false);
    const r = run(['--train', train.path, input.path, '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^screen-csv: --train: zero-shot: 12 labelled eligible tender\(s\) .* fewer than 30 .* a ranking for review only; no tender flagged\n$/);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows).toHaveLength(40);
    expect(rows.every((x) => x[2] === '0' && x[1] !== '')).toBe(true);
    const unsupervised = scoreTenders(readTenders(readFileSync(input.path, 'utf8'), 'in2'))
      .csv.trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[1]);
    expect(rows.map((x) => x[1])).toEqual(unsupervised);
  }, 60_000);

  it('rejects a bad TRAIN.csv clearly', () => {
    expect(() => readTraining('T,100,2\n', 't.csv')).toThrow(/t\.csv line 1: label "2" must be 0 or 1/);
    expect(() => readTraining('T,100,1\nT,101,0\n', 't.csv')).toThrow(/line 2: tender "T" has both labels/);
    expect(() => readTraining('T,100\n', 't.csv')).toThrow(/expected 3 columns \(tender,bid,label\)/);
    expect(readTraining('tender,bid,label\nT,100,1\nT,101,1.0\n', 't.csv').get('T')).toEqual({ bids: [100, 101], label: 1 });
    expect(() => readTraining('T,100,0.5\n', 't.csv')).toThrow(/label "0\.5" must be 0 or 1/);
    const r = run(['--train', join(dir, 'missing.csv'), 'a.csv', 'b.csv']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/training file not found/);
    expect(run(['--train']).code).toBe(2);
  });
});

describe('screen-csv parsing (in-process)', () => {
  it('rejects non-positive bids, empty tender ids and thousands separators', () => {
    expect(() => readTenders('T,0\n', 'x.csv')).toThrow(/x\.csv line 1: bid "0" must be a positive/);
    expect(() => readTenders('T,-3\n', 'x.csv')).toThrow(/must be a positive/);
    expect(() => readTenders(',3\n', 'x.csv')).toThrow(/empty tender id/);
    expect(() => readTenders('T,"1,000"\n', 'x.csv')).toThrow(/not a decimal number/);
    expect(() => readTenders('T,"3\n', 'x.csv')).toThrow(/x\.csv: unterminated quoted field/);
  });
  it('accepts decimals and exponents and treats only the first line as a possible header', () => {
    const t = readTenders('Tender,Bid\nT,1e3\nT,1000.50\nT,.5\n', 'x.csv');
    expect(t.get('T')).toEqual([1000, 1000.5, 0.5]);
    expect(() => readTenders('T,1\ntender,bid\n', 'x.csv')).toThrow(/line 2: bid "bid" is not a decimal number/);
  });
  it('renders a header even for an empty input', () => {
    expect(renderScores(new Map())).toBe('tender,score,flag\n');
  });
});
