import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { JwtService } from '@nestjs/jwt';
import { type NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { type AccessTokenPayload } from 'src/common/auth/access.guard';
import { Role } from 'src/common/auth/role.enum';
import { UserStatusReader } from 'src/common/auth/user-status.reader';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName } from 'src/infra/queue/queue.constants';
import { AuditService } from '../audit/audit.service';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (bull-board) at /admin/queues, for an ADMIN whose account is active now (role and status
 * from the database, not from the token): a bearer token in the Authorization header, or (for a browser) in the
 * `access_token` cookie. Every write action (retry, remove, pause, clean, obliterate...) is audited before it runs.
 */
export function mountQueueDashboard(app: NestExpressApplication): void {
  const jobs = app.get(JobQueue);
  const jwt = app.get(JwtService);
  const users = app.get(UserStatusReader);
  const tx = app.get(TransactionRunner);
  const audit = app.get(AuditService);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QueueName).map((q) => new BullMQAdapter(jobs.queue(q), { readOnlyMode: false })),
    serverAdapter: adapter,
  });
  const adminOnly = async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    const cookie = /(?:^|;\s*)access_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const token = header || cookie;
    let userId: string | null = null;
    try {
      const payload = token ? await jwt.verifyAsync<AccessTokenPayload>(token) : null;
      const access = payload?.sub ? await users.access(payload.sub) : null;
      if (access?.active && access.role === Role.ADMIN) userId = payload!.sub;
    } catch {
      /* fall through */
    }
    if (!userId) {
      res.status(token ? 403 : 401).json({ code: token ? 'FORBIDDEN' : 'UNAUTHENTICATED', message: 'The queue dashboard is for active administrators' });
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    try {
      await tx.run((m) =>
        audit.append(m, {
          actor: { userId, role: Role.ADMIN, organizationId: null, ip: req.ip ?? '' },
          action: 'QUEUE_DASHBOARD_ACTION',
          objectType: 'queue',
          objectId: req.path.split('/').filter(Boolean).slice(1, 3).join('/') || 'queues',
          data: { method: req.method, path: req.path },
        }),
      );
    } catch {
      res.status(503).json({ code: 'AUDIT_UNAVAILABLE', message: 'The action could not be audited, so it was not done' });
      return;
    }
    next();
  };
  app.use(QUEUE_DASHBOARD_PATH, adminOnly, adapter.getRouter());
}
