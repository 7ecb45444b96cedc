/**
 * Every queue, job and timed-event name in one place.
 * DO NOT RENAME a value: jobs already in Redis and rows in scheduled_events carry these strings.
 */
export enum QueueName {
  /** Timed events of a tender's life (deadline, decryption window, panel draw, publicity end, refunds). */
  TimedEvents = 'timed-events',
  /** Work started by an event that need not happen inside a request (flag analysis, documents). */
  Background = 'background',
}

export enum JobName {
  /** Runs one row of scheduled_events when it falls due. */
  RunScheduledEvent = 'run-scheduled-event',
  /** Re-plans due events whose job was lost (Redis flush) — a job scheduler, every 30 s. */
  SweepScheduledEvents = 'sweep-scheduled-events',
}

/**
 * The kinds of timed event. Each kind has exactly one handler, registered by the module that owns it; the worker
 * refuses to start when one is missing.
 */
export enum ScheduledEventKind {
  // Each feature module adds its kinds here, e.g. BidDeadline = 'BID_DEADLINE' (投标截止 / 开标).
}
