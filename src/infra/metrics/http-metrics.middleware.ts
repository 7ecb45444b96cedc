import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

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
      this.metrics.httpDuration.observe({ method: req.method, route: `${base}${route}`, status: String(res.statusCode) }, seconds);
      this.logger.debug({ requestId: req.requestId, method: req.method, route: `${base}${route}`, status: res.statusCode, ms: Math.round(seconds * 1000) });
    });
    next();
  }
}
