import { AppConfig } from '../src/infra/config/app-config';

/**
 * The database of one benchmark: the configured PostgreSQL server (DATABASE_URL, or what `scripts/setup.sh` chose
 * and wrote to .env.local), with the benchmark's own database name. Benchmarks rebuild it from the migrations.
 */
export function benchDatabaseUrl(name: string): string {
  const u = new URL(AppConfig.fromEnvironment({ NODE_ENV: 'development' }).databaseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
