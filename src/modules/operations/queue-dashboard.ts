import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { JwtService } from '@nestjs/jwt';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { AccessTokenPayload } from 'src/common/auth/access.guard';
import { Role } from 'src/common/auth/role.enum';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName } from 'src/infra/queue/queue.constants';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The BullMQ dashboard (bull-board) at /admin/queues, for ADMIN only: a bearer token in the Authorization header,
 * or (for a browser) in the `access_token` cookie.
 */
export function mountQueueDashboard(app: NestExpressApplication): void {
  const jobs = app.get(JobQueue);
  const jwt = app.get(JwtService);
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
    try {
      const payload = token ? await jwt.verifyAsync<AccessTokenPayload>(token) : null;
      if (payload?.role === Role.ADMIN) return next();
    } catch {
      /* fall through */
    }
    res.status(token ? 403 : 401).json({ code: token ? 'FORBIDDEN' : 'UNAUTHENTICATED', message: 'The queue dashboard is for administrators' });
  };
  app.use(QUEUE_DASHBOARD_PATH, adminOnly, adapter.getRouter());
}
