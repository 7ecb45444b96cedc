import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { createLogger, exitOnConfigError } from './bootstrap';
import { AppConfig } from './infra/config/app-config';

/** `npm run start:worker`: BullMQ workers only, no HTTP. */
async function main() {
  const config = AppConfig.fromEnvironment();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ workers: true }), {
    logger: createLogger(config),
  });
  app.enableShutdownHooks();
  new ConsoleLogger('Bootstrap').log('workers running');
}
main().catch(exitOnConfigError);
