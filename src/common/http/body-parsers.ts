import { type NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { json } from 'express';

/** Every JSON body but the two uploads below: a tender, an objection, a login... fit easily. */
export const SMALL_BODY_LIMIT = '256kb';
/** The bank's notification: a few fields; the raw bytes are kept (its HMAC signature covers them). */
export const BANK_NOTIFICATION_BODY_LIMIT = '32kb';
export const BANK_NOTIFICATION_PATH = '/api/v1/bank/notifications';
/** The guarantee issuer's notification (电子保函), signed the same way. */
export const GUARANTEE_NOTIFICATION_PATH = '/api/v1/guarantees/notifications';
export const GUARANTEE_STATUS_PATH = '/api/v1/guarantees/status';

/**
 * Routes that carry files as base64 in JSON and so take BODY_LIMIT (default: the largest sealed bid of format
 * v1): the sealed bid upload, and the tender documents (at most 15 MB decoded).
 */
export const UPLOAD_ROUTES: ReadonlyArray<RegExp> = [
  /^\/api\/v1\/tenders\/[^/]+\/bids\/?$/,
  /^\/api\/v1\/tenders\/[^/]+\/lots\/[^/]+\/bids\/?$/,
  /^\/api\/v1\/tenders\/[^/]+\/documents\/?$/,
];

/**
 * The JSON body parsers, chosen by route: large limit on the upload routes only, the raw body only on the bank
 * notification route (`req.rawBody`, for its signature), a small limit everywhere else. JSON only: bodies of
 * another type are not parsed (the DTOs then refuse them), and a charset other than UTF-8 is a 415.
 */
export function useBodyParsers(app: NestExpressApplication, uploadLimit: string): void {
  const upload = json({ limit: uploadLimit });
  const bank = json({
    limit: BANK_NOTIFICATION_BODY_LIMIT,
    verify: (req, _res, buf) => {
      (req as Request & { rawBody?: Buffer }).rawBody = Buffer.from(buf);
    },
  });
  const small = json({ limit: SMALL_BODY_LIMIT });
  const choose: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && [BANK_NOTIFICATION_PATH, GUARANTEE_NOTIFICATION_PATH, GUARANTEE_STATUS_PATH].includes(req.path)) return bank(req, res, next);
    if ((req.method === 'POST' || req.method === 'PUT') && UPLOAD_ROUTES.some((r) => r.test(req.path))) return upload(req, res, next);
    return small(req, res, next);
  };
  app.use(choose);
}
