/** ROC-AUC and stratified folds for the learning screen's model selection and its evaluation. Pure. */
import { mulberry32 } from '../price-screens';

/** ROC-AUC (Mann–Whitney with mid-ranks for ties), or null when one class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_v, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += labels[i] ? 1 : 0;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  let rankSumPos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[order[k]]) rankSumPos += midRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Stratified k-fold assignment: fold index per item, each class shuffled (seeded) and dealt round-robin, so every
 * fold has ⌊or⌈ its share of each class. k is capped by the smaller class (at least 2).
 */
export function stratifiedFolds(labels: readonly number[], k: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const fold = new Array<number>(labels.length).fill(0);
  let offset = 0;
  for (const cls of [1, 0]) {
    const idx = labels.map((l, i) => (l === cls ? i : -1)).filter((i) => i >= 0);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    idx.forEach((item, r) => (fold[item] = (r + offset) % k));
    offset += idx.length; // continue the deal where the previous class stopped, so fold sizes stay balanced
  }
  return fold;
}

/** The number of folds usable for these labels: min(k, size of the smaller class), or 0 when below 2. */
export function usableFolds(labels: readonly number[], k: number): number {
  const pos = labels.filter((l) => l === 1).length;
  const m = Math.min(k, pos, labels.length - pos);
  return m >= 2 ? m : 0;
}

/** The threshold that maximises balanced accuracy (TPR + TNR) / 2 of `score ≥ t`; ties → the higher threshold. */
export function balancedAccuracyThreshold(scores: readonly number[], labels: readonly number[]): { threshold: number; balancedAccuracy: number } {
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  const order = scores.map((s, i) => i).sort((a, b) => scores[b] - scores[a]);
  let tp = 0,
    fp = 0;
  let best = { threshold: Infinity, balancedAccuracy: 0.5 };
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]];
    while (i < order.length && scores[order[i]] === s) {
      if (labels[order[i]] === 1) tp++;
      else fp++;
      i++;
    }
    const ba = (tp / Math.max(pos, 1) + (neg - fp) / Math.max(neg, 1)) / 2;
    if (ba > best.balancedAccuracy + 1e-12) best = { threshold: s, balancedAccuracy: ba };
  }
  return best;
}
