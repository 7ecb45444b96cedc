import { type INestApplication } from '@nestjs/common';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { randomBytes } from 'crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from 'src/app.module';
import { configureHttpApp } from 'src/bootstrap';
import { AppConfig } from 'src/infra/config/app-config';
import { AfterCommitSubscriber } from 'src/infra/database/after-commit';
import { dataSourceOptions } from 'src/infra/database/data-source';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { QueueName } from 'src/infra/queue/queue.constants';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /**
   * The database as its OWNER (fixtures, resets, tampering in tests). The application itself connects as the
   * restricted role (`app.get(DataSource)`), like in production.
   */
  dataSource: DataSource;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

export interface TestAppOptions {
  /** Environment overrides, e.g. { LEGAL_PERIODS: 'relaxed' }. */
  env?: Record<string, string>;
  workers?: boolean;
  /** Replace outside-world providers (the bank, e-mail) — never storage or queues. */
  override?: (b: TestingModuleBuilder) => TestingModuleBuilder;
  /** Keep the data of an earlier app (restart tests). */
  keepData?: boolean;
}

/** Boots the real AppModule against the real PostgreSQL (migrated schema) and Redis, with its own queue prefix. */
export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    QUEUE_PREFIX: `test-${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'error',
    ...opts.env,
  });
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot({ workers: opts.workers ?? true })] })
    .overrideProvider(AppConfig)
    .useValue(config);
  if (opts.override) builder = opts.override(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['error', 'warn'] });
  configureHttpApp(app, config);
  const dataSource = new DataSource({ ...dataSourceOptions(config, 'owner'), logging: false, extra: { max: 4, application_name: 'ebidding-test-owner' } });
  await dataSource.initialize();
  // Tests call the app's services in transactions of this DataSource: their after-commit work (queue adds) runs too.
  dataSource.subscribers.push(new AfterCommitSubscriber((e) => process.stderr.write(`after-commit callback failed: ${(e as Error).message}\n`)));
  try {
    if (!opts.keepData) await resetDatabase(dataSource);
    await app.init();
  } catch (e) {
    await app.close().catch(() => undefined);
    await dataSource.destroy(); // no open handle left behind by a test app that failed to start
    throw e;
  }
  return {
    app,
    config,
    dataSource,
    http: () => request(app.getHttpServer()),
    close: async () => {
      const jobs = app.get(JobQueue);
      for (const q of Object.values(QueueName))
        await jobs
          .queue(q)
          .obliterate({ force: true })
          .catch(() => undefined);
      await app.close();
      await dataSource.destroy();
    },
  };
}

/** Empties every table but the migrations' own (TRUNCATE is not a row-level UPDATE/DELETE). */
export async function resetDatabase(ds: DataSource): Promise<void> {
  const rows: Array<{ tablename: string }> = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
  if (rows.length) await ds.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
}

export async function closeAll(...apps: Array<TestApp | INestApplication | undefined>): Promise<void> {
  for (const a of apps) if (a) await ('close' in a ? a.close() : Promise.resolve());
}
