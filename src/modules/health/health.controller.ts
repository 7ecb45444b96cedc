import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { withTimeout } from 'src/common/async/with-timeout';
import { Public } from 'src/common/auth/access.decorators';
import { DatabaseRepository } from 'src/infra/database/database.repository';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName } from 'src/infra/queue/queue.constants';

/** Each dependency must answer within this; a load balancer gets its 503 at once, never a hanging request. */
export const HEALTH_CHECK_TIMEOUT_MS = 1_500;

type DependencyStatus = { status: 'up' | 'down' };

/**
 * GET /health: `{ status: ok|degraded, database: {status: up|down}, redis: {status: up|down} }`, 200 or 503.
 * Public, so it says nothing else: no driver errors, versions, host names or timings.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobQueue,
    private readonly database: DatabaseRepository,
  ) {}

  @Get()
  @Public()
  async health(@Res({ passthrough: true }) res: Response) {
    const [database, redis] = await Promise.all([
      this.check(() => this.database.ping(this.dataSource.manager)),
      this.check(async () => {
        const client = await this.jobs.queue(QueueName.TimedEvents).client;
        // ioredis queues commands while disconnected: a client that is not ready is down, without waiting.
        if (client.status !== 'ready') throw new Error('not connected');
        return (client as unknown as { ping(): Promise<string> }).ping();
      }),
    ]);
    const ok = database.status === 'up' && redis.status === 'up';
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'degraded', database, redis };
  }

  private async check(probe: () => Promise<unknown>): Promise<DependencyStatus> {
    try {
      await withTimeout(probe, HEALTH_CHECK_TIMEOUT_MS, 'health probe');
      return { status: 'up' };
    } catch {
      return { status: 'down' };
    }
  }
}
