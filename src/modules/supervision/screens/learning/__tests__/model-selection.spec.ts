import { mulberry32 } from '../../price-screens';
import { tenderFeatures } from '../features';
import { fitLogistic, predictLogistic } from '../logistic';
import { balancedAccuracyThreshold, rocAuc, stratifiedFolds, usableFolds } from '../metrics';
import {
  BOOSTING_GRID,
  deserializeModel,
  explain,
  type LabelledTender,
  MIN_TRAINING_TENDERS,
  scoreFeatures,
  serializeModel,
  trainable,
  TrainingDataError,
  trainScreenModel,
} from '../screen-model';

/** Synthetic market: collusive tenders bid tight (CV ≈ 0.8 %), competitive ones loose (≈ 5 %), with overlap. */
function market(n: number, share: number, seed: number): LabelledTender[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_v, i) => {
    const label = (r() < share ? 1 : 0) as 0 | 1;
    const cv = (label ? 0.008 : 0.05) * Math.exp(1.2 * (r() - 0.5));
    const bids = Array.from({ length: 4 + Math.floor(r() * 6) }, () => 1e6 * (1 + cv * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
    return { id: `T${i}`, label, features: tenderFeatures(bids) };
  });
}

describe('learning screen: metrics', () => {
  it('ROC-AUC is the Mann–Whitney statistic with mid-ranks for ties; null with one class', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBeCloseTo(0.5, 12);
    expect(rocAuc([1, 2, 3], [1, 1, 1])).toBeNull();
  });

  it('stratified folds keep each class spread over the folds, deterministically per seed', () => {
    const labels = Array.from({ length: 103 }, (_v, i) => (i % 4 === 0 ? 1 : 0));
    const folds = stratifiedFolds(labels, 5, 42);
    expect(stratifiedFolds(labels, 5, 42)).toEqual(folds);
    expect(stratifiedFolds(labels, 5, 43)).not.toEqual(folds);
    for (let f = 0; f < 5; f++) {
      const inFold = labels.filter((_l, i) => folds[i] === f);
      expect(Math.abs(inFold.length - 103 / 5)).toBeLessThanOrEqual(1);
      expect(Math.abs(inFold.filter((l) => l === 1).length - 26 / 5)).toBeLessThanOrEqual(1);
    }
    expect(usableFolds([1, 1, 0, 0, 0], 5)).toBe(2);
    expect(usableFolds([1, 0, 0], 5)).toBe(0);
  });

  it('the flag threshold maximises balanced accuracy', () => {
    const r = balancedAccuracyThreshold([0.9, 0.8, 0.7, 0.3, 0.2, 0.6], [1, 1, 0, 0, 0, 1]);
    expect(r.threshold).toBe(0.8);
    expect(r.balancedAccuracy).toBeCloseTo((2 / 3 + 1) / 2, 12);
  });
});

describe('learning screen: L2 logistic regression (logistic.ts)', () => {
  const r = mulberry32(7);
  const X = Array.from({ length: 300 }, () => [r() * 2 - 1, r() * 2 - 1, r() < 0.05 ? NaN : r()]);
  const y = X.map(([a]) => (a + 0.3 * (r() - 0.5) > 0 ? 1 : 0));

  it('finds the direction of the signal and imputes missing values', () => {
    const m = fitLogistic(X, y, 1);
    expect(m.weights[0]).toBeGreaterThan(2);
    expect(Math.abs(m.weights[1])).toBeLessThan(0.5);
    expect(predictLogistic(m, [0.9, 0, NaN])).toBeGreaterThan(0.9);
    expect(predictLogistic(m, [-0.9, 0, 0.5])).toBeLessThan(0.1);
  });

  it('a smaller C (stronger L2 penalty) shrinks the weights; the intercept is not penalised', () => {
    const strong = fitLogistic(X, y, 0.001);
    const weak = fitLogistic(X, y, 100);
    expect(Math.abs(strong.weights[0])).toBeLessThan(Math.abs(weak.weights[0]) / 5);
    const prevalence = y.filter((v) => v === 1).length / y.length;
    expect(1 / (1 + Math.exp(-strong.intercept))).toBeCloseTo(prevalence, 1);
  });
});

describe('learning screen: model selection by cross-validation inside the training data (screen-model.ts)', () => {
  it('refuses to train below the minimum of labelled tenders (zero-shot instead)', async () => {
    expect(trainable(new Array(MIN_TRAINING_TENDERS - 1).fill(0).map((_v, i) => i % 2))).toBe(false);
    expect(trainable(new Array(MIN_TRAINING_TENDERS).fill(0).map((_v, i) => (i < 4 ? 1 : 0)))).toBe(false); // 4 positives
    expect(trainable(new Array(MIN_TRAINING_TENDERS).fill(0).map((_v, i) => i % 2))).toBe(true);
    await expect(trainScreenModel(market(20, 0.4, 1))).rejects.toBeInstanceOf(TrainingDataError);
  });

  it('scores every candidate by inner CV; picks the simplest within one standard error in a small market; learns the direction', async () => {
    const train = market(120, 0.3, 2);
    const model = await trainScreenModel(train, { boostingGrid: BOOSTING_GRID.slice(0, 1) });
    expect(model.trainingSize).toBe(120);
    expect(model.repeats).toBe(3);
    expect(model.candidates.map((c) => c.name)).toEqual([
      'logistic classic screens C=0.1',
      'logistic classic screens C=1',
      'logistic classic screens C=10',
      'logistic C=0.01',
      'logistic C=0.03',
      'logistic C=0.1',
      'logistic C=0.3',
      'logistic C=1',
      'logistic C=3',
      'boosting depth=2 eta=0.05 rounds=200',
      'blend: classic-screen logistic + boosting',
      'blend: all-screen logistic + boosting',
    ]);
    const best = Math.max(...model.candidates.map((c) => c.cvAuc ?? 0));
    const selectedIndex = model.candidates.findIndex((c) => c.name === model.selected);
    // the one-standard-error rule: within one SE of the best, and no simpler candidate is
    expect(model.cvAuc).toBeGreaterThanOrEqual(best - model.standardError - 1e-12);
    expect(model.candidates.slice(0, selectedIndex).every((c) => (c.cvAuc ?? 0) < best - model.standardError)).toBe(true);
    expect(model.standardError).toBeGreaterThan(0);
    expect(model.cvAuc).toBeGreaterThan(0.85);
    // held-out tenders of the same market: low dispersion is what the labels taught
    const test = market(200, 0.3, 3);
    const scores = await scoreFeatures(
      model,
      test.map((t) => t.features),
    );
    expect(
      rocAuc(
        scores,
        test.map((t) => t.label),
      )!,
    ).toBeGreaterThan(0.85);
  });

  it('in a large market takes the best candidate; the choice depends on the training data only', async () => {
    const train = market(320, 0.3, 4);
    const model = await trainScreenModel(train, { boostingGrid: BOOSTING_GRID.slice(0, 1) });
    expect(model.repeats).toBe(1);
    expect(model.standardError).toBe(0);
    expect(model.cvAuc).toBe(Math.max(...model.candidates.map((c) => c.cvAuc ?? 0)));
    const again = await trainScreenModel(train, { boostingGrid: BOOSTING_GRID.slice(0, 1) });
    expect(again.selected).toBe(model.selected);
    expect(again.candidates).toEqual(model.candidates);
  });

  it('a stored model (JSON) scores exactly as the trained one; explain names the top contributing screens', async () => {
    const train = market(60, 0.4, 5);
    const model = await trainScreenModel(train, { boostingGrid: BOOSTING_GRID.slice(0, 1), selection: 'best' });
    const stored = deserializeModel(JSON.parse(JSON.stringify(serializeModel(model))));
    const probe = market(10, 0.5, 6).map((t) => t.features);
    expect(await scoreFeatures(stored, probe)).toEqual(await scoreFeatures(model, probe));
    const e = await explain(stored, probe[0]);
    expect(e.contributions.length).toBeLessThanOrEqual(3);
    const mags = e.contributions.map((c) => Math.abs(c.contribution));
    expect([...mags].sort((a, b) => b - a)).toEqual(mags);
    expect(e.flag).toBe(e.score >= model.threshold);
  });
});
