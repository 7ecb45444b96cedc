import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from 'src/common/auth/access.decorators';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName } from 'src/infra/queue/queue.constants';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobQueue,
  ) {}

  @Get()
  @Public()
  async health(@Res({ passthrough: true }) res: Response) {
    const check = async (fn: () => Promise<unknown>) => {
      const t = Date.now();
      try {
        await fn();
        return { status: 'up', ms: Date.now() - t };
      } catch (e) {
        return { status: 'down', error: (e as Error).message };
      }
    };
    const [database, redis] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(async () => ((await this.jobs.queue(QueueName.TimedEvents).client) as unknown as { ping(): Promise<string> }).ping()),
    ]);
    const ok = database.status === 'up' && redis.status === 'up';
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ok ? 'ok' : 'degraded', database, redis };
  }
}
