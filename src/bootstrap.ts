import { ConsoleLogger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { useBodyParsers } from './common/http/body-parsers';
import { createValidationPipe } from './common/http/validation';
import { AppConfig } from './infra/config/app-config';
import { ConfigurationError } from './infra/config/environment';
import { mountQueueDashboard } from './modules/operations/queue-dashboard';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function createLogger(config: AppConfig): ConsoleLogger {
  return new ConsoleLogger({
    json: config.logFormat === 'json',
    logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
}

/**
 * The Content-Security-Policy of every response, in this one place. Compatible with a Vite-built SPA served at `/`
 * (scripts only from this origin; inline styles allowed for antd's CSS-in-JS), Swagger UI at /docs and bull-board.
 */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** Everything an HTTP app needs besides its modules; used by main.ts and by the e2e tests. */
export function configureHttpApp(app: NestExpressApplication, config: AppConfig): void {
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'extended');
  // Security headers (helmet; no X-Powered-By) and the CSP above.
  app.disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } }));
  // Body parsers by route (the app is created with bodyParser: false): see src/common/http/body-parsers.ts.
  useBodyParsers(app, config.bodyLimit);
  app.setGlobalPrefix('api/v1', { exclude: ['health', 'metrics'] });
  app.useGlobalPipes(createValidationPipe());
  mountQueueDashboard(app);
  app.enableShutdownHooks();
  const doc = new DocumentBuilder()
    .setTitle('电子招标投标交易平台 API')
    .setDescription('The public contract of the e-bidding platform (API.md v1).')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs-json' });
}

export async function createHttpApp(opts: { workers: boolean }): Promise<NestExpressApplication> {
  const config = AppConfig.fromEnvironment();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(opts), {
    logger: createLogger(config),
    bodyParser: false, // configureHttpApp installs the parsers, per route
  });
  configureHttpApp(app, config);
  return app;
}

export async function startHttp(opts: { workers: boolean }): Promise<INestApplication> {
  const app = await createHttpApp(opts);
  const config = app.get(AppConfig);
  await app.listen(config.port);
  new ConsoleLogger('Bootstrap').log(`serving on http://localhost:${config.port} (docs at /docs; workers ${opts.workers ? 'on' : 'off'}; legal periods ${config.legalPeriods})`);
  return app;
}

export function exitOnConfigError(e: unknown): never {
  if (e instanceof ConfigurationError) {
    process.stderr.write(`${e.message}\n`);
  } else {
    process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
  }
  process.exit(1);
}
