/**
 * The server's clock as seen from the browser. The server decides every deadline (API.md: the database's clock), so
 * countdowns use `serverNow()`, never the local clock alone. Each API response's `Date` header gives a sample:
 * offset = serverTime − midpoint(request sent, response received). The header has one-second resolution, so the
 * estimate keeps the sample bounds: the true offset lies in [date − mid, date + 1000 − mid] ± rtt/2; intersecting
 * the bounds of many samples narrows it to well under a second. Wall-clock jumps of the local machine (a wrong clock
 * corrected, a laptop waking) are caught because every sample is taken against Date.now() at that moment.
 */
let lower = -Infinity;
let upper = Infinity;
let samples = 0;
let lastLocalNow = Date.now();

export function recordServerDate(dateHeader: string | null, sentAt: number, receivedAt: number): void {
  if (!dateHeader) return;
  const server = Date.parse(dateHeader);
  if (!Number.isFinite(server)) return;
  const half = (receivedAt - sentAt) / 2;
  const mid = sentAt + half;
  const lo = server - mid - half;
  const hi = server + 1000 - mid + half;
  // A local clock jump makes the new window disjoint from the old one: start again from this sample.
  if (lo > upper || hi < lower || Math.abs(Date.now() - lastLocalNow) > 60_000 + (receivedAt - sentAt)) {
    lower = lo;
    upper = hi;
  } else {
    lower = Math.max(lower, lo);
    upper = Math.min(upper, hi);
  }
  lastLocalNow = Date.now();
  samples++;
}

/** Best estimate of (server clock − local clock) in ms; 0 before the first response. */
export function serverOffsetMs(): number {
  if (!samples) return 0;
  return Math.round((lower + upper) / 2);
}

/** Uncertainty of the estimate (± ms). */
export function serverOffsetErrorMs(): number {
  return samples ? Math.round((upper - lower) / 2) : Infinity;
}

export function serverNow(): number {
  return Date.now() + serverOffsetMs();
}

/** For tests and a manual resync. */
export function resetServerClock(): void {
  lower = -Infinity;
  upper = Infinity;
  samples = 0;
}

/**
 * A precise sample: an instant the server stamped into a response body (e.g. the opening hall's `serverTime`, the
 * database clock in milliseconds), bounded by when the request left and the answer came back.
 */
export function recordServerInstant(iso: string | null | undefined, sentAt: number, receivedAt: number): void {
  const server = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(server)) return;
  const lo = server - receivedAt;
  const hi = server - sentAt;
  if (lo > upper || hi < lower) {
    lower = lo;
    upper = hi;
  } else {
    lower = Math.max(lower, lo);
    upper = Math.min(upper, hi);
  }
  lastLocalNow = Date.now();
  samples++;
}
