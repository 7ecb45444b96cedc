import type { DataSource } from 'typeorm';

/**
 * Polls `cond` until it returns a truthy value (returned), or fails after `timeoutMs`. Tests wait for a condition,
 * never for a fixed time: the machine may be loaded, and a fixed sleep is either too long or flaky.
 */
export async function until<T>(
  cond: () => Promise<T | false | null | undefined | 0> | T | false | null | undefined | 0,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the database clock, the one that decides deadlines, is past the tender's bid deadline. */
export async function untilBidDeadlinePassed(ds: DataSource, tenderId: string, timeoutMs = 10_000): Promise<void> {
  await until(
    async () => (await ds.query(`SELECT clock_timestamp() > bid_deadline AS passed FROM tenders WHERE id = $1`, [tenderId]))[0]?.passed === true,
    `the bid deadline of tender ${tenderId} to pass on the database clock`,
    timeoutMs,
  );
}

/** Waits until the database clock is past `instant` (an ISO string or Date), e.g. a publicity period's end. */
export async function untilDatabaseClockPasses(ds: DataSource, instant: string | Date, timeoutMs = 10_000): Promise<void> {
  const at = typeof instant === 'string' ? instant : instant.toISOString();
  await until(async () => (await ds.query(`SELECT clock_timestamp() > $1::timestamptz AS passed`, [at]))[0].passed === true, `the database clock to pass ${at}`, timeoutMs);
}
