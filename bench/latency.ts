/** Latency statistics shared by the benchmarks: nearest-rank percentiles over the measured calls. */
export interface LatencyStats {
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

export const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0);

export function stats(latencies: number[], seconds: number, errors: number): LatencyStats {
  const s = [...latencies].sort((a, b) => a - b);
  return {
    count: latencies.length,
    seconds: round2(seconds),
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: round2(percentile(s, 50)),
    p95Ms: round2(percentile(s, 95)),
    p99Ms: round2(percentile(s, 99)),
    maxMs: round2(s[s.length - 1] ?? 0),
    errors,
  };
}
