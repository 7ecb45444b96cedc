import { Global, Module } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsService } from './metrics.service';

@Global()
@Module({ providers: [MetricsService, HttpMetricsMiddleware], exports: [MetricsService, HttpMetricsMiddleware] })
export class MetricsModule {}
