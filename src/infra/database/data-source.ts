import 'reflect-metadata';
import { join } from 'path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/**
 * The one set of DataSource options, shared by the application (TypeOrmModule) and the TypeORM CLI.
 * The schema comes from migrations only. `owner`: migrations, set-up, tests' fixtures; `app`: the application, as a
 * role that may only INSERT into the audit and ledger tables (created by scripts/prepare-db.ts).
 */
export function dataSourceOptions(config: AppConfig, as: 'owner' | 'app' = 'owner'): DataSourceOptions {
  return {
    type: 'postgres',
    url: as === 'app' ? config.appDatabaseUrl : config.databaseUrl,
    entities: [join(__dirname, '../../modules/**/*.entity.{ts,js}')],
    migrations: [join(__dirname, '../../../migrations/*.{ts,js}')],
    migrationsTableName: 'schema_migrations',
    migrationsRun: false,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    extra: { max: 20, application_name: 'ebidding' },
    logging: ['error'],
  };
}

/** Used by `npm run typeorm -- ...` (migration:run, migration:revert, migration:generate). */
export default new DataSource(dataSourceOptions(AppConfig.fromEnvironment()));
