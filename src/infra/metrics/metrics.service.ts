import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of the process. Counters never carry a tender id or bidder as a label: before opening, the
 * number of bids of one tender is secret, so bid counts are platform-wide only and /metrics is not public.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'job_duration_seconds',
    help: 'BullMQ job processing time by queue and job name',
    labelNames: ['queue', 'job'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });

  readonly jobFailures = new Counter({
    name: 'job_failures_total',
    help: 'BullMQ job attempts that failed',
    labelNames: ['queue', 'job'] as const,
    registers: [this.registry],
  });

  readonly timedEventFailures = new Counter({
    name: 'timed_event_failures_total',
    help: 'Runs of a timed event (scheduled_events row) whose handler failed; the sweeper retries until it runs',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** The alert: a timed event failed TIMED_EVENT_ALERT_AFTER times or more (also logged at error level). */
  readonly timedEventAlerts = new Counter({
    name: 'timed_event_alerts_total',
    help: 'Failed runs of timed events that have already failed at least TIMED_EVENT_ALERT_AFTER times',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly bidsReceived = new Counter({
    name: 'bids_received_total',
    help: "Sealed bids received, all tenders together, counted when their tender's deadline passes (never while bids are open)",
    registers: [this.registry],
  });

  readonly openings = new Counter({
    name: 'bid_openings_total',
    help: 'Tenders whose bid deadline passed, by outcome (OPENING or FAILED)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
