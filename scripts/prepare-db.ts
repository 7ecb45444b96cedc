import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/infra/config/app-config';
import { dataSourceOptions } from '../src/infra/database/data-source';

/** Creates the database when missing and runs the migrations. Idempotent; used by setup.sh and Jest. */
export async function prepareDatabase(config: AppConfig, log: (m: string) => void = () => undefined, opts: { recreate?: boolean } = {}): Promise<void> {
  const url = new URL(config.databaseUrl);
  const dbName = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(url.toString());
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    if (opts.recreate) {
      // A disposable database (tests): rebuilt from the migrations every run, so no schema drift survives.
      await client.query(`DROP DATABASE IF EXISTS "${dbName.replace(/"/g, '""')}" WITH (FORCE)`);
    }
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}" ENCODING 'UTF8' TEMPLATE template0`);
      log(`created database ${dbName}`);
    }
  } catch (e) {
    if ((e as { code?: string }).code !== '42P04') throw e; // created concurrently
  } finally {
    await client.end();
  }
  const ds = new DataSource({ ...dataSourceOptions(config), logging: false });
  await ds.initialize();
  try {
    // One migrator at a time (several processes may start together).
    await ds.query(`SELECT pg_advisory_lock(7340001)`);
    const ran = await ds.runMigrations({ transaction: 'each' });
    if (ran.length) log(`applied ${ran.length} migration(s) to ${dbName}: ${ran.map((m) => m.name).join(', ')}`);
    await ensureAppRole(ds, config, dbName);
    await ds.query(`SELECT pg_advisory_unlock(7340001)`);
  } finally {
    await ds.destroy();
  }
}

/** Tables the application may only read and append to: the evidence (audit log, its signed heads, the ledger). */
export const INSERT_ONLY_TABLES = ['audit_events', 'audit_heads', 'ledger_entries'];

/**
 * The role the application connects as (AppConfig.appDatabaseUrl): created when missing, its password set, and
 * granted what the application needs — but on the audit and ledger tables only SELECT and INSERT, so that neither
 * a bug nor an attacker holding the application's connection can rewrite the evidence or drop the append-only
 * triggers (only the owner can). Idempotent; run after every migration run.
 */
export async function ensureAppRole(ds: DataSource, config: AppConfig, dbName: string): Promise<void> {
  const role = `"${config.appDatabaseRole.replace(/"/g, '""')}"`;
  const db = `"${dbName.replace(/"/g, '""')}"`;
  const password = config.appDatabasePassword.replace(/'/g, "''");
  await ds.query(`DO $$ BEGIN
      CREATE ROLE ${role} LOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
  await ds.query(`ALTER ROLE ${role} LOGIN PASSWORD '${password}'`);
  await ds.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`);
  await ds.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
  await ds.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
  await ds.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
  await ds.query(`REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM ${role}`);
  const present: Array<{ t: string }> = await ds.query(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)`, [INSERT_ONLY_TABLES]);
  for (const { t } of present) await ds.query(`REVOKE UPDATE, DELETE, TRUNCATE ON "${t}" FROM ${role}`);
}

if (require.main === module) {
  prepareDatabase(AppConfig.fromEnvironment(), (m) => process.stdout.write(`[setup] ${m}\n`)).catch((e) => {
    process.stderr.write(`[setup] could not prepare the database: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
