import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { RouteAccessVerifier } from './common/auth/route-access.verifier';
import { DomainEventsModule } from './common/events/domain-events.module';
import { GlobalExceptionFilter } from './common/errors/global-exception.filter';
import { RequestIdMiddleware } from './common/http/request-id.middleware';
import { AppConfigModule } from './infra/config/config.module';
import { CryptoModule } from './infra/crypto/crypto.module';
import { DatabaseModule } from './infra/database/database.module';
import { PdfModule } from './infra/pdf/pdf.module';
import { QueueModule } from './infra/queue/queue.module';
import { AuditModule } from './modules/audit/audit.module';
import { HealthModule } from './modules/health/health.module';
import { IdentityModule } from './modules/identity/identity.module';
import { SchedulingModule } from './modules/scheduling/scheduling.module';

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
        PdfModule,
        DiscoveryModule,
        DomainEventsModule,
        AuditModule,
        SchedulingModule,
        IdentityModule,
        HealthModule,
        // feature modules
      ],
      providers: [{ provide: APP_FILTER, useClass: GlobalExceptionFilter }, RouteAccessVerifier],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes('{*splat}');
  }
}
