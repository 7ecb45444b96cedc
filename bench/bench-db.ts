import { AppConfig } from '../src/infra/config/app-config';

/**
 * The database of one benchmark: the configured PostgreSQL server (DATABASE_URL, or what `scripts/setup.sh` chose
 * and wrote to .env.local), with the benchmark's own database name. Benchmarks rebuild it from the migrations.
 * When several checkouts share one server, each names its own: BENCH_DATABASE_PREFIX, or else the configured
 * database's own name when it is not the default `ebidding` (DATABASE_URL=…/ebid_h3 → `ebid_h3_bench_bids` for
 * `ebidding_bench_bids`), so that two runs never empty each other's tables.
 */
export function benchDatabaseUrl(name: string): string {
  const u = new URL(AppConfig.fromEnvironment({ NODE_ENV: 'development' }).databaseUrl);
  const configured = decodeURIComponent(u.pathname.slice(1));
  const prefix = process.env.BENCH_DATABASE_PREFIX || (configured && configured !== 'ebidding' ? configured : 'ebidding');
  u.pathname = `/${name.replace(/^ebidding(?=_|$)/, prefix)}`;
  return u.toString();
}
