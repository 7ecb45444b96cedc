import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * Routes whose requests are not timed (issue 17, sealed until the opening): a bid submission, upload or withdrawal
 * arriving would show in `http_request_duration_seconds` as it comes — with a single tender open that tells a bid
 * arrived. Bids are counted at the deadline by `bids_received_total` instead.
 */
export const UNMETERED_ROUTES: readonly RegExp[] = [
  /\/bids(\/mine)?$/, // a tender's or a lot's bids, and a bidder's own ("mine", per tender or across tenders)
  /\/tenders\/:id\/bid-uploads(\/.*)?$/,
];

export function isUnmeteredRoute(route: string): boolean {
  return UNMETERED_ROUTES.some((re) => re.test(route));
}

/** Times every request (labelled by route pattern, never by id) and writes one access-log line with its request id. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Access');

  constructor(private readonly metrics: MetricsService) {}

  use(req: Request & { requestId?: string }, res: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const base = req.baseUrl ?? '';
      const full = `${base}${route}`;
      if (isUnmeteredRoute(full)) return;
      this.metrics.httpDuration.observe({ method: req.method, route: full, status: String(res.statusCode) }, seconds);
      this.logger.debug({ requestId: req.requestId, method: req.method, route: full, status: res.statusCode, ms: Math.round(seconds * 1000) });
    });
    next();
  }
}
