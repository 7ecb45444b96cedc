/**
 * Score tenders from a CSV of bids.
 *
 *   npm run --silent flags:screen -- [--no-calibrate] IN.csv OUT.csv      (OUT may be "-" for standard output)
 *
 * IN:  rows `tender,bid` (an optional header line `tender,bid` is skipped; quoted fields are allowed; bid is a
 *      positive decimal number such as 1234.50 or 1.2e6, without thousands separators or currency signs).
 *      Every row is one bid: duplicated rows of one consortium must be removed before (collusion.md §3).
 * OUT: `tender,score,flag` with a header line, one row per tender in first-seen order; score rounded to 6 decimals;
 *      flag 1/0; score and flag empty when the tender has fewer than 4 distinct bids (insufficient data).
 *
 * Calibration (market-calibration.ts): by default the score is calibrated on the input file itself, unsupervised:
 * the median and robust spread of each component over the file's eligible tenders (bid amounts only; there are no
 * labels) set the components' centres and scales, so the file should hold ONE market (one category / region /
 * ceiling-price regime); mixing markets blurs the reference. Each scored tender is part of its own calibration
 * history. With fewer than MIN_CALIBRATION_TENDERS (30) eligible tenders, or with --no-calibrate, the fixed defaults
 * apply (reference CV 6 %). One line on standard error says which calibration was used.
 * Exit status: 0 on success, 1 on bad input (the message names the file and line), 2 on wrong usage.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'fs';
import { scoreScreens } from 'src/modules/supervision/screens/collusion-score';
import { csvEscape, CsvSyntaxError, parseCsv } from 'src/modules/supervision/screens/csv';
import {
  assertPositiveBids,
  calibrateMarket,
  DEFAULT_CALIBRATION,
  describeCalibration,
  MarketCalibration,
} from 'src/modules/supervision/screens/market-calibration';
import { computePriceScreens } from 'src/modules/supervision/screens/price-screens';

const USAGE =
  'usage: npm run --silent flags:screen -- [--no-calibrate] IN.csv OUT.csv   (OUT.csv may be "-" for standard output;\n' +
  '       default: calibrate on IN.csv itself, unsupervised; --no-calibrate: fixed defaults)';
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export class InputError extends Error {}

/** Parse the `tender,bid` text into tenders in first-seen order. Throws InputError with a precise message. */
export function readTenders(text: string, source: string): Map<string, number[]> {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new InputError(`${source}: ${e.message}`);
    throw e;
  }
  const tenders = new Map<string, number[]>();
  records.forEach((rec, idx) => {
    const where = `${source} line ${rec.line}`;
    if (rec.fields.length !== 2) {
      throw new InputError(`${where}: expected 2 columns (tender,bid), found ${rec.fields.length}`);
    }
    const tender = rec.fields[0].trim();
    const bidText = rec.fields[1].trim();
    if (idx === 0 && tender.toLowerCase() === 'tender' && bidText.toLowerCase() === 'bid') return; // header
    if (tender === '') throw new InputError(`${where}: empty tender id`);
    if (!DECIMAL.test(bidText)) throw new InputError(`${where}: bid ${JSON.stringify(rec.fields[1])} is not a decimal number`);
    const bid = Number(bidText);
    if (!Number.isFinite(bid) || !(bid > 0)) throw new InputError(`${where}: bid ${JSON.stringify(rec.fields[1])} must be a positive finite amount`);
    const list = tenders.get(tender);
    if (list) list.push(bid);
    else tenders.set(tender, [bid]);
  });
  return tenders;
}

export interface ScoreRun {
  csv: string;
  calibration: MarketCalibration;
}

/**
 * Score every tender and render the output CSV. With `calibrate` (default true) the calibration history is the
 * input itself (unsupervised); each tender's screens are computed once and used for both.
 */
export function scoreTenders(tenders: Map<string, number[]>, options: { calibrate?: boolean } = {}): ScoreRun {
  const screens = [...tenders.values()].map((bids) => {
    assertPositiveBids(bids);
    return computePriceScreens(bids);
  });
  const calibration = options.calibrate === false ? DEFAULT_CALIBRATION : calibrateMarket(screens);
  const out: string[] = ['tender,score,flag'];
  let k = 0;
  for (const tender of tenders.keys()) {
    const r = scoreScreens(screens[k++], { calibration });
    out.push(r.score === null ? `${csvEscape(tender)},,` : `${csvEscape(tender)},${r.score.toFixed(6)},${r.flag ? 1 : 0}`);
  }
  return { csv: out.join('\n') + '\n', calibration };
}

/** The output CSV only (see scoreTenders). */
export function renderScores(tenders: Map<string, number[]>, options: { calibrate?: boolean } = {}): string {
  return scoreTenders(tenders, options).csv;
}

export function main(argv: string[]): number {
  const args = argv.filter((a) => a !== '--');
  const calibrate = !args.includes('--no-calibrate');
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--no-calibrate');
  if (unknown.length) {
    process.stderr.write(`screen-csv: unknown option ${unknown[0]}\n${USAGE}\n`);
    return 2;
  }
  const files = args.filter((a) => a !== '--no-calibrate');
  if (files.length !== 2) {
    process.stderr.write(`screen-csv: expected 2 file arguments, got ${files.length}\n${USAGE}\n`);
    return 2;
  }
  const [inPath, outPath] = files;
  try {
    if (!existsSync(inPath)) throw new InputError(`input file not found: ${inPath}`);
    if (!statSync(inPath).isFile()) throw new InputError(`input is not a regular file: ${inPath}`);
    const { csv, calibration } = scoreTenders(readTenders(readFileSync(inPath, 'utf8'), inPath), { calibrate });
    process.stderr.write(`screen-csv: ${calibrate ? '' : '--no-calibrate: '}${describeCalibration(calibration)}\n`);
    if (outPath === '-') process.stdout.write(csv);
    else writeFileSync(outPath, csv, 'utf8');
    return 0;
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`screen-csv: error: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string') {
      process.stderr.write(`screen-csv: error: ${err.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
