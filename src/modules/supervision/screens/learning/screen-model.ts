/**
 * The learning screen: a per-market model of "found collusive" (label 1) against "cleared" (label 0) on the
 * scale-free screens of each tender's bids (features.ts), with the model and its regularisation chosen by
 * cross-validation INSIDE the training data only. Pure apart from the XGBoost wasm (boosting.ts); no Nest, no I/O.
 *
 * Candidates (docs/COLLUSION_SCREENS.md gives the order in which they were declared and evaluated):
 *  - L2 logistic regression on the classic screens as they are (CV, SPD, DIFFP, RD, SKEW, KURT, n, log mean),
 *    C ∈ CLASSIC_CS;
 *  - L2 logistic regression on all the features, winsorised and standardised, C ∈ LOGISTIC_CS;
 *  - gradient-boosted trees (XGBoost), BOOSTING_GRID;
 *  - two blends: the mean probability of the best logistic of either family and the best boosting candidate.
 * Each is scored by the ROC-AUC of its out-of-fold predictions over stratified k-fold splits of the training
 * tenders (repeated 3× below SMALL_MARKET_TENDERS); the selection takes the best, or below SMALL_MARKET_TENDERS the
 * simplest within one standard error of the best; the selected candidate is refitted on all training tenders. The
 * flag threshold is the one that maximises balanced accuracy on its out-of-fold predictions.
 */
import { type BoostingModel, type BoostingParams, fitBoosting, loadXgboost, predictBoosting, type XgbClass } from './boosting';
import { BASELINE_FEATURES, type FeatureRecord, PRICE_FEATURES, STRUCTURAL_FEATURES, toRow } from './features';
import { fitLogistic, fitPreprocessing, type LogisticModel, predictLogistic } from './logistic';
import { balancedAccuracyThreshold, rocAuc, stratifiedFolds, usableFolds } from './metrics';

/** Below this many labelled eligible tenders in a market, no model is trained: zero-shot mode (documented). */
export const MIN_TRAINING_TENDERS = 30;
/** ... and below this many of either class (found collusive / cleared). */
export const MIN_TRAINING_PER_CLASS = 5;
export const CV_FOLDS = 5;
/** Repeats of the inner cross-validation for small training sets (less noisy selection). */
export const SMALL_MARKET_TENDERS = 300;
export const SMALL_MARKET_REPEATS = 3;
export const DEFAULT_SEED = 20_251_206;

export const LOGISTIC_CS = [0.01, 0.03, 0.1, 0.3, 1, 3] as const;
/** The classic screens alone (the baseline set), unwinsorised, C ∈ CLASSIC_CS: the selection may keep them. */
export const CLASSIC_CS = [0.1, 1, 10] as const;
export const BOOSTING_GRID: readonly BoostingParams[] = [
  { maxDepth: 2, eta: 0.05, rounds: 200, minChildWeight: 1, subsample: 0.8, colsample: 0.8, lambda: 1 },
  { maxDepth: 3, eta: 0.05, rounds: 200, minChildWeight: 1, subsample: 0.8, colsample: 0.8, lambda: 1 },
  { maxDepth: 3, eta: 0.03, rounds: 500, minChildWeight: 2, subsample: 0.8, colsample: 0.6, lambda: 2 },
];

export const MODEL_FORMAT = 'collusion-screen-model/1';
export const BLEND_CLASSIC = 'blend: classic-screen logistic + boosting';
export const BLEND_ALL = 'blend: all-screen logistic + boosting';

export interface LabelledTender {
  id: string;
  features: FeatureRecord;
  label: 0 | 1;
}

export type CandidateSpec = { name: string; kind: 'logistic'; c: number; classic?: boolean } | { name: string; kind: 'boosting'; params: BoostingParams };

export interface CandidateResult {
  name: string;
  cvAuc: number | null;
}

export interface ScreenModel {
  format: typeof MODEL_FORMAT;
  featureNames: string[];
  /** The selected candidate (its name). */
  selected: string;
  logistic: LogisticModel | null;
  boosting: BoostingModel | null;
  /** Cross-validated (out-of-fold) ROC-AUC of the selected candidate on the training tenders. */
  cvAuc: number;
  candidates: CandidateResult[];
  trainingSize: number;
  positives: number;
  folds: number;
  repeats: number;
  /** The selection rule's standard error (0 for 'best'). */
  standardError: number;
  /** Flag when score ≥ threshold (maximises out-of-fold balanced accuracy). */
  threshold: number;
  /** Training medians of the features (the reference of the contributions). */
  reference: number[];
}

export class TrainingDataError extends Error {}

export interface TrainOptions {
  seed?: number;
  /** Use the structural features (only when every training tender has them). Default: when all have them. */
  structural?: boolean;
  folds?: number;
  /** Override the candidate grid (tests, evaluation of a restricted model). */
  logisticCs?: readonly number[];
  boostingGrid?: readonly BoostingParams[];
  /**
   * 'one-se': the simplest candidate within one standard error of the best; 'best': the best. Default: one-se below
   * SMALL_MARKET_TENDERS training tenders (where the CV estimates are noisy), best from there on.
   */
  selection?: 'one-se' | 'best';
}

/** Whether a labelled set is large enough to train (MIN_TRAINING_TENDERS, MIN_TRAINING_PER_CLASS). */
export function trainable(labels: readonly number[]): boolean {
  const pos = labels.filter((l) => l === 1).length;
  return labels.length >= MIN_TRAINING_TENDERS && pos >= MIN_TRAINING_PER_CLASS && labels.length - pos >= MIN_TRAINING_PER_CLASS;
}

export function featureNamesFor(tenders: readonly LabelledTender[], structural?: boolean): string[] {
  const all = tenders.length > 0 && tenders.every((t) => STRUCTURAL_FEATURES.every((k) => t.features[k] !== undefined));
  return [...PRICE_FEATURES, ...((structural ?? all) && all ? STRUCTURAL_FEATURES : [])];
}

/** Column indices of the classic screens in a feature-name list. */
function classicColumns(featureNames: readonly string[]): number[] {
  return BASELINE_FEATURES.map((f) => featureNames.indexOf(f)).filter((j) => j >= 0);
}

/** Fit one logistic candidate (all features winsorised, or the classic screens as they are). */
function fitLogisticSpec(X: number[][], y: number[], spec: Extract<CandidateSpec, { kind: 'logistic' }>, featureNames: readonly string[]): LogisticModel {
  return spec.classic ? fitLogistic(X, y, spec.c, 0, classicColumns(featureNames)) : fitLogistic(X, y, spec.c);
}

function candidates(o: TrainOptions): CandidateSpec[] {
  return [
    ...(o.logisticCs ? [] : CLASSIC_CS).map((c): CandidateSpec => ({ name: `logistic classic screens C=${c}`, kind: 'logistic', c, classic: true })),
    ...(o.logisticCs ?? LOGISTIC_CS).map((c): CandidateSpec => ({ name: `logistic C=${c}`, kind: 'logistic', c })),
    ...(o.boostingGrid ?? BOOSTING_GRID).map((p): CandidateSpec => ({ name: `boosting depth=${p.maxDepth} eta=${p.eta} rounds=${p.rounds}`, kind: 'boosting', params: p })),
  ];
}

/** Out-of-fold scores of one candidate over the given fold assignment. */
async function outOfFold(
  XGBoost: XgbClass,
  X: number[][],
  y: number[],
  fold: number[],
  k: number,
  spec: CandidateSpec,
  seed: number,
  featureNames: readonly string[],
): Promise<number[]> {
  const oof = new Array<number>(y.length).fill(NaN);
  for (let f = 0; f < k; f++) {
    const tr = y.map((_v, i) => i).filter((i) => fold[i] !== f);
    const te = y.map((_v, i) => i).filter((i) => fold[i] === f);
    const Xtr = tr.map((i) => X[i]);
    const ytr = tr.map((i) => y[i]);
    const Xte = te.map((i) => X[i]);
    let scores: number[];
    if (spec.kind === 'logistic') {
      const m = fitLogisticSpec(Xtr, ytr, spec, featureNames);
      scores = Xte.map((r) => predictLogistic(m, r));
    } else if (spec.kind === 'boosting') {
      scores = (await fitBoosting(XGBoost, Xtr, ytr, spec.params, fitPreprocessing(Xtr, 0), Xte, false, seed + f)).scores;
    } else throw new Error(`unknown candidate ${JSON.stringify(spec)}`);
    te.forEach((i, k2) => (oof[i] = scores[k2]));
    // let timers run between fits (a worker's queue lock is renewed by a timer; the wasm fit blocks the loop)
    await new Promise((resolve) => setImmediate(resolve));
  }
  return oof;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Train the market's model on its labelled tenders (eligible ones: ≥ 4 distinct bids, the caller's filter).
 * Throws TrainingDataError below MIN_TRAINING_TENDERS / MIN_TRAINING_PER_CLASS.
 */
export async function trainScreenModel(tenders: readonly LabelledTender[], options: TrainOptions = {}): Promise<ScreenModel> {
  const y = tenders.map((t) => t.label);
  if (!trainable(y)) {
    const pos = y.filter((l) => l === 1).length;
    throw new TrainingDataError(
      `too few labelled tenders to train: ${y.length} (${pos} collusive, ${y.length - pos} cleared); need ≥ ${MIN_TRAINING_TENDERS} with ≥ ${MIN_TRAINING_PER_CLASS} of each`,
    );
  }
  const seed = options.seed ?? DEFAULT_SEED;
  const featureNames = featureNamesFor(tenders, options.structural);
  const X = tenders.map((t) => toRow(t.features, featureNames));
  const XGBoost = await loadXgboost();
  const k = usableFolds(y, options.folds ?? CV_FOLDS);
  const repeats = y.length < SMALL_MARKET_TENDERS ? SMALL_MARKET_REPEATS : 1;
  const specs = candidates(options);
  // out-of-fold scores per candidate per repeat; AUC averaged over repeats
  const oof = new Map<string, number[][]>();
  const foldsets: number[][] = [];
  for (let r = 0; r < repeats; r++) {
    const fold = stratifiedFolds(y, k, seed + 1000 * r);
    foldsets.push(fold);
    for (const s of specs) {
      const list = oof.get(s.name) ?? [];
      list.push(await outOfFold(XGBoost, X, y, fold, k, s, seed + 1000 * r, featureNames));
      oof.set(s.name, list);
    }
  }
  const aucOf = (name: string) => mean(oof.get(name)!.map((scores) => rocAuc(scores, y) ?? 0.5));
  const results: CandidateResult[] = specs.map((s) => ({ name: s.name, cvAuc: aucOf(s.name) }));
  const bestOf = (filter: (s: CandidateSpec) => boolean) =>
    specs.filter(filter).reduce<CandidateSpec | null>((b, s) => (b === null || aucOf(s.name) > aucOf(b.name) ? s : b), null);
  const bestClassic = bestOf((s) => s.kind === 'logistic' && !!s.classic);
  const bestAll = bestOf((s) => s.kind === 'logistic' && !s.classic);
  const bestBoosting = bestOf((s) => s.kind === 'boosting');
  // Blends: the mean probability of the best logistic of a family and the best boosting candidate.
  const blends = new Map<string, { logistic: CandidateSpec; boosting: CandidateSpec }>();
  for (const [name, l] of [
    [BLEND_CLASSIC, bestClassic],
    [BLEND_ALL, bestAll],
  ] as const) {
    if (!l || !bestBoosting) continue;
    blends.set(name, { logistic: l, boosting: bestBoosting });
    oof.set(
      name,
      oof.get(l.name)!.map((a, r) => a.map((v, i) => (v + oof.get(bestBoosting.name)![r][i]) / 2)),
    );
    results.push({ name, cvAuc: aucOf(name) });
  }
  const best = results.reduce((b, c) => ((c.cvAuc ?? 0) > (b.cvAuc ?? 0) ? c : b));
  // One-standard-error rule (Hastie, Tibshirani & Friedman, ESL §7.10): the simplest candidate (the list is in
  // order of complexity: classic screens, all screens by rising C, boosting, blend) whose CV AUC is within one
  // standard error of the best one's, the standard error taken over the best candidate's fold AUCs.
  const foldAucs = oof.get(best.name)!.flatMap((scores, r) =>
    Array.from({ length: k }, (_v, f) => {
      const idx = y.map((_l, i) => i).filter((i) => foldsets[r][i] === f);
      return (
        rocAuc(
          idx.map((i) => scores[i]),
          idx.map((i) => y[i]),
        ) ?? 0.5
      );
    }),
  );
  const sd = Math.sqrt(foldAucs.reduce((a, v) => a + (v - mean(foldAucs)) * (v - mean(foldAucs)), 0) / Math.max(foldAucs.length - 1, 1));
  const rule = options.selection ?? (y.length < SMALL_MARKET_TENDERS ? 'one-se' : 'best');
  const se = rule === 'best' ? 0 : sd / Math.sqrt(foldAucs.length);
  const selected = results.find((c) => (c.cvAuc ?? 0) >= (best.cvAuc ?? 0) - se)!;
  // Threshold: best balanced accuracy over the pooled out-of-fold scores of the selected candidate (first repeat).
  const { threshold } = balancedAccuracyThreshold(oof.get(selected.name)![0], y);

  const blend = blends.get(selected.name);
  const single = specs.find((sp) => sp.name === selected.name);
  const logSpec = (blend ? blend.logistic : single?.kind === 'logistic' ? single : null) as Extract<CandidateSpec, { kind: 'logistic' }> | null;
  const boostSpec = (blend ? blend.boosting : single?.kind === 'boosting' ? single : null) as Extract<CandidateSpec, { kind: 'boosting' }> | null;
  const logistic = logSpec ? fitLogisticSpec(X, y, logSpec, featureNames) : null;
  const boosting = boostSpec ? (await fitBoosting(XGBoost, X, y, boostSpec.params, fitPreprocessing(X, 0), [], true, seed)).model : null;
  const reference = fitPreprocessing(X, 0).median;
  return {
    format: MODEL_FORMAT,
    featureNames,
    selected: selected.name,
    logistic,
    boosting,
    cvAuc: selected.cvAuc ?? 0.5,
    candidates: results,
    trainingSize: y.length,
    positives: y.filter((l) => l === 1).length,
    folds: k,
    repeats,
    standardError: se,
    threshold,
    reference,
  };
}

/** Scores (probability of "found collusive") of feature rows under a model. */
export async function scoreRows(model: ScreenModel, rows: readonly number[][]): Promise<number[]> {
  const parts: number[][] = [];
  if (model.logistic) parts.push(rows.map((r) => predictLogistic(model.logistic!, r)));
  if (model.boosting) parts.push(predictBoosting(await loadXgboost(), model.boosting, rows));
  return rows.map((_r, i) => mean(parts.map((p) => p[i])));
}

/** Scores of tenders' feature records (features the model does not name are ignored; missing ones are imputed). */
export async function scoreFeatures(model: ScreenModel, records: readonly FeatureRecord[]): Promise<number[]> {
  return scoreRows(
    model,
    records.map((r) => toRow(r, model.featureNames)),
  );
}

export interface Contribution {
  feature: string;
  /** Score minus the score with this feature at the market's training median (positive = raises suspicion). */
  contribution: number;
  value: number | null;
}

/**
 * The tender's score and its top contributing screens: for each feature, how much the score drops when that
 * feature alone is set to the training median (an occlusion attribution, valid for every candidate model).
 */
export async function explain(model: ScreenModel, record: FeatureRecord, top = 3): Promise<{ score: number; flag: boolean; contributions: Contribution[] }> {
  const row = toRow(record, model.featureNames);
  const rows = [row, ...model.featureNames.map((_n, j) => row.map((v, k) => (k === j ? model.reference[j] : v)))];
  const s = await scoreRows(model, rows);
  const contributions = model.featureNames
    .map((feature, j) => ({ feature, contribution: s[0] - s[j + 1], value: Number.isFinite(row[j]) ? row[j] : null }))
    .filter((c) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, top);
  return { score: s[0], flag: s[0] >= model.threshold, contributions };
}

/** A model as stored (JSON, jsonb): the booster's bytes as base64 instead of an array of numbers. */
export function serializeModel(model: ScreenModel): Record<string, unknown> {
  if (!model.boosting) return { ...model };
  const { model: bytes, ...booster } = model.boosting.booster;
  return { ...model, boosting: { ...model.boosting, booster: { ...booster, modelBase64: Buffer.from(Int8Array.from(bytes).buffer).toString('base64') } } };
}

export function deserializeModel(json: Record<string, unknown>): ScreenModel {
  if (json.format !== MODEL_FORMAT) throw new Error(`unknown screen-model format ${String(json.format)}`);
  const m = json as unknown as ScreenModel & { boosting: (BoostingModel & { booster: { modelBase64?: string } }) | null };
  if (!m.boosting || !m.boosting.booster.modelBase64) return m;
  const { modelBase64, ...booster } = m.boosting.booster as { modelBase64: string; name: string; options: Record<string, unknown> };
  const bytes = Array.from(new Int8Array(Buffer.from(modelBase64, 'base64')));
  return { ...m, boosting: { ...m.boosting, booster: { ...booster, model: bytes } } };
}
