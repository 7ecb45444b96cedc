/**
 * Diagnostic used while designing the learning screen (docs/COLLUSION_SCREENS.md §4, step 3): on the same outer
 * 5 folds as bench/evaluate-learning.ts, fixed candidates (classic-screen logistic C = 1, all-screen logistic by C,
 * five XGBoost settings) and averages of them, with no selection. Prints pooled out-of-fold AUC and mean fold AUC.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/diagnose-learning.ts /path/to/DB_Collusion_X_processed.csv
 */
import { readFileSync } from 'fs';
import { parseCsv } from 'src/modules/supervision/screens/csv';
import { BASELINE_FEATURES, PRICE_FEATURES, priceFeatures, toRow } from 'src/modules/supervision/screens/learning/features';
import { fitLogistic, predictLogistic, fitPreprocessing } from 'src/modules/supervision/screens/learning/logistic';
import { rocAuc, stratifiedFolds } from 'src/modules/supervision/screens/learning/metrics';
import { loadXgboost, fitBoosting } from 'src/modules/supervision/screens/learning/boosting';
import { computePriceScreens } from 'src/modules/supervision/screens/price-screens';
const file = process.argv[2];
async function main() {
  const recs = parseCsv(readFileSync(file, 'utf8'));
  const h = recs[0].fields;
  const iT = h.indexOf('Tender'),
    iB = h.indexOf('Bid_value'),
    iL = h.indexOf('Collusive_competitor');
  const by = new Map<string, { bids: number[]; l: number; seen: Set<string> }>();
  for (const r of recs.slice(1)) {
    const id = r.fields[iT];
    let t = by.get(id);
    if (!t) by.set(id, (t = { bids: [], l: 0, seen: new Set() }));
    const k = r.fields.join('|');
    if (t.seen.has(k)) continue;
    t.seen.add(k);
    t.bids.push(Number(r.fields[iB]));
    t.l = Number(r.fields[iL]) >= 0.5 ? 1 : 0;
  }
  const T = [...by.values()].filter((t) => computePriceScreens(t.bids).distinct >= 4);
  const names = [...PRICE_FEATURES];
  const X = T.map((t) => toRow(priceFeatures(t.bids), names));
  const y = T.map((t) => t.l);
  const classic = BASELINE_FEATURES.map((f) => names.indexOf(f));
  const fold = stratifiedFolds(y, 5, 20251207);
  const XGB = await loadXgboost();
  const oof: Record<string, number[]> = {};
  const put = (k: string, i: number, v: number) => ((oof[k] ??= new Array(y.length).fill(NaN))[i] = v);
  for (let f = 0; f < 5; f++) {
    const tr = y.map((_v, i) => i).filter((i) => fold[i] !== f),
      te = y.map((_v, i) => i).filter((i) => fold[i] === f);
    const Xtr = tr.map((i) => X[i]),
      ytr = tr.map((i) => y[i]),
      Xte = te.map((i) => X[i]);
    const mods: Record<string, number[]> = {};
    mods.classic1 = ((m) => Xte.map((r) => predictLogistic(m, r)))(fitLogistic(Xtr, ytr, 1, 0, classic));
    for (const c of [0.03, 0.1, 0.3, 1]) mods[`all${c}`] = ((m) => Xte.map((r) => predictLogistic(m, r)))(fitLogistic(Xtr, ytr, c));
    for (const [d, e, n, mcw, cs] of [
      [2, 0.05, 200, 1, 0.8],
      [3, 0.05, 200, 1, 0.8],
      [3, 0.03, 500, 2, 0.6],
      [2, 0.02, 600, 3, 0.5],
      [4, 0.02, 400, 3, 0.5],
    ] as const)
      mods[`b${d}-${e}-${n}-${mcw}-${cs}`] = (
        await fitBoosting(XGB, Xtr, ytr, { maxDepth: d, eta: e, rounds: n, minChildWeight: mcw, subsample: 0.8, colsample: cs, lambda: 1 }, fitPreprocessing(Xtr, 0), Xte, false, 7)
      ).scores;
    for (const [k, v] of Object.entries(mods)) te.forEach((i, j) => put(k, i, v[j]));
  }
  const foldMean = (s: number[]) => {
    let a = 0;
    for (let f = 0; f < 5; f++) {
      const idx = y.map((_v, i) => i).filter((i) => fold[i] === f);
      a += rocAuc(
        idx.map((i) => s[i]),
        idx.map((i) => y[i]),
      )!;
    }
    return a / 5;
  };
  const keys = Object.keys(oof);
  for (const k of keys) console.log(k.padEnd(24), rocAuc(oof[k], y)!.toFixed(3), foldMean(oof[k]).toFixed(3));
  const avg = (...ks: string[]) => oof[ks[0]].map((_v, i) => ks.reduce((a, k) => a + oof[k][i], 0) / ks.length);
  for (const combo of [
    ['classic1', 'b2-0.05-200-1-0.8'],
    ['classic1', 'b3-0.03-500-2-0.6'],
    ['all0.1', 'b3-0.03-500-2-0.6'],
    ['classic1', 'all0.1', 'b3-0.03-500-2-0.6'],
    ['classic1', 'all0.1', 'b2-0.02-600-3-0.5'],
    ['classic1', 'b2-0.02-600-3-0.5'],
  ]) {
    const s = avg(...combo);
    console.log(combo.join('+').padEnd(40), rocAuc(s, y)!.toFixed(3), foldMean(s).toFixed(3));
  }
}
main().catch((e) => {
  process.stderr.write(`diagnose-learning: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
