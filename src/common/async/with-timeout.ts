/** Thrown by `withTimeout` when the work did not settle in time (the work itself goes on in the background). */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with a TimeoutError after `ms`. Used wherever a dependency that
 * may be down (Redis, PostgreSQL) must not make a caller hang: health checks, queue adds after commit, sweepers.
 */
export function withTimeout<T>(work: Promise<T> | (() => Promise<T>), ms: number, what = 'the operation'): Promise<T> {
  const p = typeof work === 'function' ? work() : work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref?.();
  });
  p.catch(() => undefined); // a late rejection after the timeout is not an unhandled one
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
