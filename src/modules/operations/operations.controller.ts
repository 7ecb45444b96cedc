import { Controller, Get, Header, Headers, Req } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import { Public } from 'src/common/auth/access.decorators';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ForbiddenException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { MetricsService } from 'src/infra/metrics/metrics.service';
import { JobQueue } from 'src/infra/queue/job-queue.service';

@ApiTags('operations')
@Controller('metrics')
export class OperationsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly jobs: JobQueue,
    private readonly config: AppConfig,
    private readonly crypto: CryptoService,
  ) {}

  /**
   * Prometheus text format. Not public: platform-wide bid counts could reveal the count of a lone open tender.
   * Allowed: an ADMIN bearer token, or `X-Metrics-Token: <METRICS_TOKEN>`.
   */
  @Get()
  @Public()
  @ApiExcludeEndpoint()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Req() req: { actor?: Actor }, @Headers('x-metrics-token') token?: string): Promise<string> {
    const byToken = !!this.config.metricsToken && typeof token === 'string' && this.crypto.equalHex(this.crypto.sha256Hex(token), this.crypto.sha256Hex(this.config.metricsToken));
    if (!byToken && req.actor?.role !== Role.ADMIN) throw new ForbiddenException('Metrics are for administrators and the scraper');
    const depths = await this.jobs.depths();
    for (const [queue, counts] of Object.entries(depths)) {
      for (const [state, n] of Object.entries(counts)) this.metrics.queueDepth.set({ queue, state }, n);
    }
    return this.metrics.registry.metrics();
  }
}
