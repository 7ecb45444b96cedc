/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS), with its preprocessing (median imputation,
 * optional winsorising at training quantiles, standardisation). Pure, deterministic, serialisable.
 *
 * Why our own: the npm `ml-logistic-regression` (2.0.0) has no regularisation and no intercept and runs a fixed
 * 50,000 gradient steps, so "regularisation chosen by cross-validation" cannot be done with it; this is the exact
 * penalised maximum-likelihood solution of sklearn's LogisticRegression(C) (penalty ½‖w‖² / C, intercept not
 * penalised), in ≈ 10 Newton steps on a d × d system (d ≤ 40).
 */

export interface Preprocessing {
  /** Training median of each column (imputed for NaN). */
  median: number[];
  /** Winsorising bounds (training quantiles), or null for none. */
  lo: number[] | null;
  hi: number[] | null;
  /** Standardisation after imputation and winsorising. */
  mean: number[];
  sd: number[];
}

export interface LogisticModel {
  kind: 'logistic';
  /** sklearn's C: the inverse of the L2 penalty. */
  c: number;
  prep: Preprocessing;
  intercept: number;
  /** One weight per (standardised) column. */
  weights: number[];
  /** The columns of the feature row the model uses (all when absent). */
  columns?: number[];
}

/** Quantile (type 7) of an ascending array. */
export function quantileSorted(a: readonly number[], p: number): number {
  if (a.length === 0) return NaN;
  const h = (a.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, a.length - 1);
  return a[lo] + (h - lo) * (a[hi] - a[lo]);
}

/** Fit the preprocessing on the training rows. `winsorise` is the tail share clipped on each side (0 = none). */
export function fitPreprocessing(X: readonly number[][], winsorise = 0.01): Preprocessing {
  const d = X[0]?.length ?? 0;
  const median: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const mean: number[] = [];
  const sd: number[] = [];
  for (let j = 0; j < d; j++) {
    const col = X.map((r) => r[j])
      .filter((v) => Number.isFinite(v))
      .sort((a, b) => a - b);
    const med = col.length ? quantileSorted(col, 0.5) : 0;
    const l = winsorise > 0 && col.length ? quantileSorted(col, winsorise) : -Infinity;
    const h = winsorise > 0 && col.length ? quantileSorted(col, 1 - winsorise) : Infinity;
    const vals = X.map((r) => Math.min(h, Math.max(l, Number.isFinite(r[j]) ? r[j] : med)));
    const m = vals.reduce((a, b) => a + b, 0) / Math.max(vals.length, 1);
    const v = vals.reduce((a, b) => a + (b - m) * (b - m), 0) / Math.max(vals.length - 1, 1);
    median.push(med);
    lo.push(l);
    hi.push(h);
    mean.push(m);
    sd.push(Math.sqrt(v) > 1e-12 ? Math.sqrt(v) : 1);
  }
  return winsorise > 0 ? { median, lo, hi, mean, sd } : { median, lo: null, hi: null, mean, sd };
}

/** One row through imputation, winsorising and standardisation. */
export function transformRow(prep: Preprocessing, row: readonly number[]): number[] {
  return row.map((x, j) => {
    let v = Number.isFinite(x) ? x : prep.median[j];
    if (prep.lo && prep.hi) v = Math.min(prep.hi[j], Math.max(prep.lo[j], v));
    return (v - prep.mean[j]) / prep.sd[j];
  });
}

/** Imputation only (for tree models, which need no scaling). */
export function imputeRow(prep: Preprocessing, row: readonly number[]): number[] {
  return row.map((x, j) => (Number.isFinite(x) ? x : prep.median[j]));
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Solve A x = b for symmetric positive-definite A (Cholesky); A is d × d. */
function solveSpd(A: number[][], b: number[]): number[] {
  const d = b.length;
  const L = A.map(() => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) L[i][i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i][j] = s / L[j][j];
    }
  }
  const y = new Array<number>(d).fill(0);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
    y[i] = s / L[i][i];
  }
  const x = new Array<number>(d).fill(0);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= L[k][i] * x[k];
    x[i] = s / L[i][i];
  }
  return x;
}

/**
 * Penalised maximum likelihood: minimise Σ logloss + ‖w‖² / (2C) over (intercept, w) by Newton steps with step
 * halving. Z is already standardised; y is 0/1.
 */
export function fitLogisticStandardised(Z: readonly number[][], y: readonly number[], c: number, maxIter = 50): { intercept: number; weights: number[] } {
  const n = Z.length;
  const d = Z[0]?.length ?? 0;
  const lambda = 1 / c;
  let beta = new Array<number>(d + 1).fill(0); // beta[0] = intercept
  const prevalence = y.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  beta[0] = Math.log(Math.max(prevalence, 1e-6) / Math.max(1 - prevalence, 1e-6));
  const objective = (b: number[]) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let z = b[0];
      for (let j = 0; j < d; j++) z += b[j + 1] * Z[i][j];
      // log(1 + e^z) − y z, stable
      f += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i] * z;
    }
    for (let j = 1; j <= d; j++) f += (lambda * b[j] * b[j]) / 2;
    return f;
  };
  let fPrev = objective(beta);
  for (let iter = 0; iter < maxIter; iter++) {
    const g = new Array<number>(d + 1).fill(0);
    const H = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      let z = beta[0];
      for (let j = 0; j < d; j++) z += beta[j + 1] * Z[i][j];
      const p = sigmoid(z);
      const r = p - y[i];
      const w = Math.max(p * (1 - p), 1e-10);
      const x = [1, ...Z[i]];
      for (let a = 0; a <= d; a++) {
        g[a] += r * x[a];
        const wa = w * x[a];
        for (let b = 0; b <= a; b++) H[a][b] += wa * x[b];
      }
    }
    for (let a = 0; a <= d; a++) for (let b = 0; b < a; b++) H[b][a] = H[a][b];
    for (let j = 1; j <= d; j++) {
      g[j] += lambda * beta[j];
      H[j][j] += lambda;
    }
    H[0][0] += 1e-9;
    const step = solveSpd(H, g);
    let t = 1;
    let next = beta;
    let fNext = fPrev;
    for (let k = 0; k < 30; k++) {
      next = beta.map((b, j) => b - t * step[j]);
      fNext = objective(next);
      if (fNext <= fPrev + 1e-12) break;
      t /= 2;
    }
    const done = Math.abs(fPrev - fNext) < 1e-9 * (1 + Math.abs(fPrev));
    beta = next;
    fPrev = fNext;
    if (done) break;
  }
  return { intercept: beta[0], weights: beta.slice(1) };
}

/** Preprocess, then fit; `winsorise` as in fitPreprocessing. */
export function fitLogistic(X: readonly number[][], y: readonly number[], c: number, winsorise = 0.01, columns?: number[]): LogisticModel {
  const Xs = columns ? X.map((r) => columns.map((j) => r[j])) : X;
  const prep = fitPreprocessing(Xs, winsorise);
  const Z = Xs.map((r) => transformRow(prep, r));
  const { intercept, weights } = fitLogisticStandardised(Z, y, c);
  return columns ? { kind: 'logistic', c, prep, intercept, weights, columns } : { kind: 'logistic', c, prep, intercept, weights };
}

/** Linear predictor terms of one row: the intercept and weight × standardised value per column. */
export function logisticTerms(m: LogisticModel, row: readonly number[]): { intercept: number; terms: number[] } {
  const z = transformRow(m.prep, m.columns ? m.columns.map((j) => row[j]) : row);
  return { intercept: m.intercept, terms: z.map((v, j) => v * m.weights[j]) };
}

export function predictLogistic(m: LogisticModel, row: readonly number[]): number {
  const { intercept, terms } = logisticTerms(m, row);
  return sigmoid(terms.reduce((a, b) => a + b, intercept));
}
