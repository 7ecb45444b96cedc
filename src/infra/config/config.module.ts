import { Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';

/** The one config module: validated at boot, global, read through AppConfig. */
@Global()
@Module({
  providers: [{ provide: AppConfig, useFactory: () => AppConfig.fromEnvironment() }],
  exports: [AppConfig],
})
export class AppConfigModule {}
