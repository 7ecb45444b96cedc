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
let lastSampleAt = 0;
// The wall clock against the monotonic one: a difference between their advances is a jump of the local clock.
let wallAt = Date.now();
let monoAt = performance.now();
let resyncing = false;

export function recordServerDate(dateHeader: string | null, sentAt: number, receivedAt: number): void {
  if (!dateHeader) return;
  const server = Date.parse(dateHeader);
  if (!Number.isFinite(server)) return;
  const half = (receivedAt - sentAt) / 2;
  const mid = sentAt + half;
  const lo = server - mid - half;
  const hi = server + 1000 - mid + half;
  // A window disjoint from the estimate (the local clock jumped, or the machine slept): start again from it.
  if (lo > upper || hi < lower) {
    lower = lo;
    upper = hi;
  } else {
    lower = Math.max(lower, lo);
    upper = Math.min(upper, hi);
  }
  lastLocalNow = Date.now();
  lastSampleAt = lastLocalNow;
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

/**
 * The server's time now. A jump of the local wall clock (the user or NTP set it, the laptop woke from sleep) is seen
 * as a difference between how far Date.now() and the monotonic performance.now() advanced: the offset is corrected
 * by the jump at once, and a fresh sample is requested to confirm it (after a sleep the monotonic clock may have
 * stopped too, so only the server can tell). Samples older than five minutes are refreshed the same way.
 */
export function serverNow(): number {
  const wall = Date.now();
  const mono = performance.now();
  const jump = wall - wallAt - (mono - monoAt);
  wallAt = wall;
  monoAt = mono;
  if (samples && Math.abs(jump) > 1000) {
    lower -= jump;
    upper -= jump;
    void resync();
  } else if (samples && wall - lastSampleAt > 5 * 60_000) {
    void resync();
  }
  return wall + serverOffsetMs();
}

/** One more sample from the server's Date header (a HEAD of a public, cheap endpoint). */
export async function resync(): Promise<void> {
  if (resyncing) return;
  resyncing = true;
  try {
    const sentAt = Date.now();
    const res = await fetch('/api/v1/platform/keys', { method: 'HEAD', cache: 'no-store' });
    recordServerDate(res.headers.get('Date'), sentAt, Date.now());
  } catch {
    /* offline: keep the estimate */
  } finally {
    resyncing = false;
  }
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
  lastSampleAt = lastLocalNow;
  samples++;
}
