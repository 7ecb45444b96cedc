/**
 * Quantiles and Tukey fences exactly as cardinal-rs computes them (statrs `OrderStatistics::quantile`, the R-8
 * "median-unbiased" estimator of Hyndman & Fan 1996): h = (n + 1/3)·τ + 1/3; below the first order statistic the
 * minimum, above the last the maximum, linear interpolation between.
 */
export function quantileR8(values: ArrayLike<number>, tau: number): number {
  const n = values.length;
  if (n === 0 || tau < 0 || tau > 1) return NaN;
  const s = Float64Array.from(values as ArrayLike<number>).sort();
  const h = (n + 1 / 3) * tau + 1 / 3;
  const hf = Math.floor(h);
  if (hf <= 0 || tau === 0) return s[0];
  if (hf >= n || tau === 1) return s[n - 1];
  return s[hf - 1] + (h - hf) * (s[hf] - s[hf - 1]);
}

export interface Fences {
  q1: number;
  q3: number;
  /** Q1 − 1.5·IQR */
  lower: number;
  /** Q3 + 1.5·IQR */
  upper: number;
}

export function tukeyFences(values: ArrayLike<number>): Fences {
  const q1 = quantileR8(values, 0.25);
  const q3 = quantileR8(values, 0.75);
  return { q1, q3, lower: q1 - 1.5 * (q3 - q1), upper: q3 + 1.5 * (q3 - q1) };
}
