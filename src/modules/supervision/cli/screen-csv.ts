/**
 * Score tenders from a CSV of bids.
 *
 *   npm run --silent flags:screen -- [--no-calibrate] IN.csv OUT.csv      (OUT may be "-" for standard output)
 *   npm run --silent flags:screen -- --train TRAIN.csv IN.csv OUT.csv     (the learning screen, API.md "Additions")
 *
 * TRAIN (with --train): rows `tender,bid,label` from the same market (label 1 = the tender was found collusive by a
 *      closed case, 0 = cleared; constant within a tender; optional header `tender,bid,label`). Its tenders with
 *      ≥ 4 distinct bids train the market's model (screens/learning/screen-model.ts: model and regularisation chosen
 *      by cross-validation inside TRAIN only); IN's tenders are scored by it, flag = score ≥ the model's threshold.
 *      With fewer than MIN_TRAINING_TENDERS (30) labelled eligible tenders, or fewer than 5 of either label, no
 *      model is trained (zero-shot): OUT holds the unsupervised score as a ranking for review only and every flag
 *      is 0, because the direction of a price screen differs between markets and is not validated for this one.
 *      One line on standard error says which mode ran, the model, its training size and cross-validated AUC.
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
import { assertPositiveBids, calibrateMarket, DEFAULT_CALIBRATION, describeCalibration, type MarketCalibration } from 'src/modules/supervision/screens/market-calibration';
import { computePriceScreens, type PriceScreens } from 'src/modules/supervision/screens/price-screens';
import { tenderFeatures } from 'src/modules/supervision/screens/learning/features';
import {
  type LabelledTender,
  MIN_TRAINING_PER_CLASS,
  MIN_TRAINING_TENDERS,
  scoreFeatures,
  trainable,
  trainScreenModel,
} from 'src/modules/supervision/screens/learning/screen-model';
import { MIN_DISTINCT_BIDS } from 'src/modules/supervision/screens/market-calibration';

const USAGE =
  'usage: npm run --silent flags:screen -- [--no-calibrate] IN.csv OUT.csv   (OUT.csv may be "-" for standard output;\n' +
  '       default: calibrate on IN.csv itself, unsupervised; --no-calibrate: fixed defaults)\n' +
  '       npm run --silent flags:screen -- --train TRAIN.csv IN.csv OUT.csv   (TRAIN.csv: tender,bid,label of the same market)';
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

/** A labelled tender of TRAIN.csv. */
export interface TrainingTender {
  bids: number[];
  label: 0 | 1;
}

/** Parse the `tender,bid,label` text (label 0/1, constant within a tender). Throws InputError. */
export function readTraining(text: string, source: string): Map<string, TrainingTender> {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new InputError(`${source}: ${e.message}`);
    throw e;
  }
  const tenders = new Map<string, TrainingTender>();
  records.forEach((rec, idx) => {
    const where = `${source} line ${rec.line}`;
    if (rec.fields.length !== 3) throw new InputError(`${where}: expected 3 columns (tender,bid,label), found ${rec.fields.length}`);
    const [tender, bidText, labelText] = rec.fields.map((f) => f.trim());
    if (idx === 0 && tender.toLowerCase() === 'tender' && bidText.toLowerCase() === 'bid' && labelText.toLowerCase() === 'label') return;
    if (tender === '') throw new InputError(`${where}: empty tender id`);
    if (!DECIMAL.test(bidText)) throw new InputError(`${where}: bid ${JSON.stringify(rec.fields[1])} is not a decimal number`);
    const bid = Number(bidText);
    if (!Number.isFinite(bid) || !(bid > 0)) throw new InputError(`${where}: bid ${JSON.stringify(rec.fields[1])} must be a positive finite amount`);
    // 0 or 1, also written as a decimal (1.0)
    const labelValue = DECIMAL.test(labelText) ? Number(labelText) : NaN;
    if (labelValue !== 0 && labelValue !== 1) throw new InputError(`${where}: label ${JSON.stringify(rec.fields[2])} must be 0 or 1`);
    const label = labelValue === 1 ? 1 : 0;
    const t = tenders.get(tender);
    if (!t) tenders.set(tender, { bids: [bid], label });
    else if (t.label !== label) throw new InputError(`${where}: tender ${JSON.stringify(tender)} has both labels 0 and 1`);
    else t.bids.push(bid);
  });
  return tenders;
}

export interface TrainedRun {
  csv: string;
  /** One line for standard error. */
  summary: string;
  mode: 'trained' | 'zero-shot';
}

/**
 * The learning screen: train on TRAIN's eligible tenders, score IN's. Below the training minimum: zero-shot, the
 * unsupervised score as a ranking for review only, every flag 0.
 */
export async function scoreWithTraining(
  training: Map<string, TrainingTender>,
  tenders: Map<string, number[]>,
  options: { calibrate?: boolean; seed?: number } = {},
): Promise<TrainedRun> {
  const labelled: LabelledTender[] = [];
  for (const [id, t] of training) {
    assertPositiveBids(t.bids);
    const screens = computePriceScreens(t.bids);
    if (screens.distinct >= MIN_DISTINCT_BIDS) labelled.push({ id, features: tenderFeatures(t.bids, undefined, screens), label: t.label });
  }
  const overlap = [...tenders.keys()].filter((id) => training.has(id)).length;
  const note = overlap ? ` (warning: ${overlap} tender id(s) of IN are also in TRAIN)` : '';
  const screens: PriceScreens[] = [...tenders.values()].map((bids) => {
    assertPositiveBids(bids);
    return computePriceScreens(bids);
  });
  const pos = labelled.filter((t) => t.label === 1).length;
  if (!trainable(labelled.map((t) => t.label))) {
    const { csv } = scoreTenders(tenders, { calibrate: options.calibrate });
    const zeroFlags = csv.replace(/,1$/gm, ',0');
    return {
      csv: zeroFlags,
      mode: 'zero-shot',
      summary:
        `--train: zero-shot: ${labelled.length} labelled eligible tender(s) (${pos} collusive, ${labelled.length - pos} cleared), fewer than ` +
        `${MIN_TRAINING_TENDERS} with ≥ ${MIN_TRAINING_PER_CLASS} of each: no model; score = the unsupervised screen, a ranking for review only; no tender flagged${note}`,
    };
  }
  const model = await trainScreenModel(labelled, { seed: options.seed });
  const ids = [...tenders.keys()];
  const eligible = ids.map((_id, k) => screens[k].distinct >= MIN_DISTINCT_BIDS);
  const records = ids.flatMap((id, k) => (eligible[k] ? [tenderFeatures(tenders.get(id)!, undefined, screens[k])] : []));
  const scores = await scoreFeatures(model, records);
  const out: string[] = ['tender,score,flag'];
  let j = 0;
  ids.forEach((id, k) => {
    if (!eligible[k]) out.push(`${csvEscape(id)},,`);
    else {
      const s = scores[j++];
      out.push(`${csvEscape(id)},${s.toFixed(6)},${s >= model.threshold ? 1 : 0}`);
    }
  });
  return {
    csv: out.join('\n') + '\n',
    mode: 'trained',
    summary:
      `--train: model "${model.selected}" trained on ${model.trainingSize} labelled eligible tenders (${model.positives} collusive); ` +
      `cross-validated AUC ${model.cvAuc.toFixed(3)} (${model.folds}-fold × ${model.repeats}); flag at score ≥ ${model.threshold.toFixed(6)}${note}`,
  };
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

export async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--');
  const calibrate = !args.includes('--no-calibrate');
  const files: string[] = [];
  let trainPath: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--no-calibrate') continue;
    if (a === '--train') {
      trainPath = args[++i] ?? null;
      if (trainPath === null || trainPath.startsWith('--')) {
        process.stderr.write(`screen-csv: --train needs a file\n${USAGE}\n`);
        return 2;
      }
      continue;
    }
    if (a.startsWith('--')) {
      process.stderr.write(`screen-csv: unknown option ${a}\n${USAGE}\n`);
      return 2;
    }
    files.push(a);
  }
  if (files.length !== 2) {
    process.stderr.write(`screen-csv: expected 2 file arguments, got ${files.length}\n${USAGE}\n`);
    return 2;
  }
  const [inPath, outPath] = files;
  const readInput = (path: string, what: string) => {
    if (!existsSync(path)) throw new InputError(`${what} file not found: ${path}`);
    if (!statSync(path).isFile()) throw new InputError(`${what} is not a regular file: ${path}`);
    return readFileSync(path, 'utf8');
  };
  try {
    let csv: string;
    if (trainPath !== null) {
      const training = readTraining(readInput(trainPath, 'training'), trainPath);
      const run = await scoreWithTraining(training, readTenders(readInput(inPath, 'input'), inPath), { calibrate });
      process.stderr.write(`screen-csv: ${run.summary}\n`);
      csv = run.csv;
    } else {
      const run = scoreTenders(readTenders(readInput(inPath, 'input'), inPath), { calibrate });
      process.stderr.write(`screen-csv: ${calibrate ? '' : '--no-calibrate: '}${describeCalibration(run.calibration)}\n`);
      csv = run.csv;
    }
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
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`screen-csv: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
