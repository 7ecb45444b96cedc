import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { RouteAccessVerifier } from './common/auth/route-access.verifier';
import { DomainEventsModule } from './common/events/domain-events.module';
import { GlobalExceptionFilter } from './common/errors/global-exception.filter';
import { RequestIdMiddleware } from './common/http/request-id.middleware';
import { AppConfigModule } from './infra/config/config.module';
import { CryptoModule } from './infra/crypto/crypto.module';
import { BlobStoreModule } from './infra/blob-store/blob-store.module';
import { DatabaseModule } from './infra/database/database.module';
import { PdfModule } from './infra/pdf/pdf.module';
import { QueueModule } from './infra/queue/queue.module';
import { AuditModule } from './modules/audit/audit.module';
import { CustodyModule } from './modules/custody/custody.module';
import { EvaluationModule } from './modules/evaluation/evaluation.module';
import { ExpertsModule } from './modules/experts/experts.module';
import { HealthModule } from './modules/health/health.module';
import { OperationsModule } from './modules/operations/operations.module';
import { MetricsModule } from './infra/metrics/metrics.module';
import { HttpMetricsMiddleware } from './infra/metrics/http-metrics.middleware';
import { IdentityModule } from './modules/identity/identity.module';
import { JurisdictionsModule } from './modules/jurisdictions/jurisdictions.module';
import { SchedulingModule } from './modules/scheduling/scheduling.module';
import { TendersModule } from './modules/tenders/tenders.module';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { BidsModule } from './modules/bids/bids.module';
import { OpeningModule } from './modules/opening/opening.module';
import { BidSecurityModule } from './modules/bid-security/bid-security.module';
import { SupervisionModule } from './modules/supervision/supervision.module';
import { TransparencyModule } from './modules/transparency/transparency.module';
import { ConsoleModule } from './modules/console/console.module';

export interface AppModuleOptions {
  /** Run the BullMQ workers in this process. */
  workers: boolean;
}

/** The monolith: one codebase, started as API + workers, API only, or workers only. */
@Module({})
export class AppModule implements NestModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule,
        DatabaseModule,
        QueueModule.forRoot({ workers: options.workers }),
        CryptoModule,
        BlobStoreModule,
        MetricsModule,
        PdfModule,
        DiscoveryModule,
        DomainEventsModule,
        AuditModule,
        CustodyModule,
        SchedulingModule,
        IdentityModule,
        JurisdictionsModule,
        HealthModule,
        OperationsModule,
        // feature modules
        SupervisionModule,
        NotificationsModule,
        ExpertsModule,
        EvaluationModule,
        BidSecurityModule,
        BidsModule,
        OpeningModule,
        TendersModule,
        TransparencyModule,
        // the web console at / (after every API route; see ConsoleModule)
        ConsoleModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: GlobalExceptionFilter }, RouteAccessVerifier],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware, HttpMetricsMiddleware).forRoutes('{*splat}');
  }
}
