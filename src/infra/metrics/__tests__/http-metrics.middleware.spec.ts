import { EventEmitter } from 'events';
import type { NextFunction, Request, Response } from 'express';
import { HttpMetricsMiddleware, isUnmeteredRoute } from '../http-metrics.middleware';
import { type MetricsService } from '../metrics.service';

describe('HttpMetricsMiddleware (issue 17: no bid arrives in the request metrics)', () => {
  it.each([
    '/api/v1/tenders/:id/bids',
    '/api/v1/tenders/:id/bids/mine',
    '/api/v1/bids/mine',
    '/api/v1/tenders/:id/lots/:lotNo/bids',
    '/api/v1/tenders/:id/lots/:lotNo/bids/mine',
    '/api/v1/tenders/:id/bid-uploads',
    '/api/v1/tenders/:id/bid-uploads/:uploadId',
    '/api/v1/tenders/:id/bid-uploads/:uploadId/finalize',
  ])('does not time %s', (route) => expect(isUnmeteredRoute(route)).toBe(true));

  it.each(['/api/v1/tenders/:id', '/api/v1/tenders/:id/documents', '/api/v1/tenders/:id/bid-validity-extensions', '/api/v1/tenders/:id/bid-security/mine', 'unmatched'])(
    'times %s',
    (route) => expect(isUnmeteredRoute(route)).toBe(false),
  );

  it('observes a documents request and not a bid submission', () => {
    const observe = jest.fn();
    const mw = new HttpMetricsMiddleware({ httpDuration: { observe } } as unknown as MetricsService);
    const run = (path: string) => {
      const res = new EventEmitter() as unknown as Response & EventEmitter;
      (res as unknown as { statusCode: number }).statusCode = 201;
      const req = { method: 'POST', baseUrl: '', route: { path } } as unknown as Request;
      mw.use(req, res, (() => undefined) as NextFunction);
      res.emit('finish');
    };
    run('/api/v1/tenders/:id/bids');
    expect(observe).not.toHaveBeenCalled();
    run('/api/v1/tenders/:id/documents');
    expect(observe).toHaveBeenCalledWith({ method: 'POST', route: '/api/v1/tenders/:id/documents', status: '201' }, expect.any(Number));
  });
});
