import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { join, resolve } from 'path';
import type { RedisOptions } from 'ioredis';
import { EnvironmentVariables, LegalPeriodsMode, loadEnvironment, NodeEnv, parseCustodianPairs } from './environment';
import { DEFAULT_DATA_DIR, localSecret } from './local-secrets';

/** The typed, validated configuration. Inject it; never read process.env elsewhere. */
@Injectable()
export class AppConfig {
  constructor(private readonly env: EnvironmentVariables = loadEnvironment()) {}

  static fromEnvironment(overrides: Record<string, string | undefined> = {}): AppConfig {
    return new AppConfig(loadEnvironment({ ...process.env, ...overrides }));
  }

  get nodeEnv(): NodeEnv {
    return this.env.NODE_ENV;
  }
  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
  }
  get port(): number {
    return this.env.PORT;
  }
  /** Under NODE_ENV=test: TEST_DATABASE_URL, or DATABASE_URL's database with "_test" appended. */
  get databaseUrl(): string {
    const base = this.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ebidding';
    if (this.env.NODE_ENV !== 'test') return base;
    if (this.env.TEST_DATABASE_URL) return this.env.TEST_DATABASE_URL;
    const u = new URL(base);
    if (!u.pathname.endsWith('_test')) u.pathname = `${u.pathname}_test`;
    return u.toString();
  }
  /** The database role the application connects as (not the owner): `<database>_app`. */
  get appDatabaseRole(): string {
    const u = new URL(this.env.DATABASE_APP_URL && this.env.NODE_ENV !== 'test' ? this.env.DATABASE_APP_URL : this.databaseUrl);
    return this.env.DATABASE_APP_URL && this.env.NODE_ENV !== 'test' ? decodeURIComponent(u.username) : `${decodeURIComponent(u.pathname.slice(1))}_app`;
  }
  /** Its password: generated for the installation (ignored by a trust-auth server). */
  get appDatabasePassword(): string {
    return localSecret('database-app-role', this.dataDir).toString('hex');
  }
  /**
   * What the application connects with: a role with INSERT-only rights on the audit and ledger tables. The owner
   * URL (databaseUrl) is for migrations, the set-up and tests' fixtures only.
   */
  get appDatabaseUrl(): string {
    if (this.env.DATABASE_APP_URL && this.env.NODE_ENV !== 'test') return this.env.DATABASE_APP_URL;
    const u = new URL(this.databaseUrl);
    u.username = encodeURIComponent(this.appDatabaseRole);
    u.password = this.appDatabasePassword;
    return u.toString();
  }
  get redisUrl(): string {
    return this.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  }
  /** One ioredis options object for queues and workers (BullMQ needs maxRetriesPerRequest: null). */
  get redisOptions(): RedisOptions {
    const u = new URL(this.redisUrl);
    return {
      host: u.hostname,
      port: Number(u.port || 6379),
      username: u.username || undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
      db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
      tls: u.protocol === 'rediss:' ? {} : undefined,
      maxRetriesPerRequest: null,
    };
  }
  get legalPeriods(): LegalPeriodsMode {
    return this.env.LEGAL_PERIODS;
  }
  get legalPeriodsEnforced(): boolean {
    return this.env.LEGAL_PERIODS === 'enforced';
  }
  get adminUsername(): string {
    return this.env.ADMIN_USERNAME ?? 'admin';
  }
  /**
   * The first administrator's password: ADMIN_PASSWORD (required in production), else one generated for this
   * installation and kept under DATA_DIR/secrets — never a default anyone could read in the source.
   */
  get adminPassword(): string {
    return this.env.ADMIN_PASSWORD ?? localSecret('admin-password', this.dataDir).toString('base64url');
  }
  /** True when the first administrator's password was generated (not configured): it is shown once at its creation. */
  get adminPasswordGenerated(): boolean {
    return this.env.ADMIN_PASSWORD === undefined;
  }
  /** Where generated secrets (and setup.sh's project-local servers) live: DATA_DIR, default ./.data. */
  get dataDir(): string {
    return this.env.DATA_DIR ?? DEFAULT_DATA_DIR;
  }
  // Unconfigured secrets (outside production; production refuses to start without them, see loadEnvironment) are
  // random per installation, generated once under dataDir — never derived from a public string.
  /** The blob store of v2 bid files (see EnvironmentVariables.BLOB_STORE). */
  get blobStore(): { kind: 'fs'; dir: string } | { kind: 's3'; bucket: string; endpoint?: string; region: string; accessKeyId?: string; secretAccessKey?: string } {
    if (this.env.BLOB_STORE === 's3') {
      if (!this.env.S3_BUCKET) throw new Error('BLOB_STORE=s3 needs S3_BUCKET');
      return {
        kind: 's3',
        bucket: this.env.S3_BUCKET,
        endpoint: this.env.S3_ENDPOINT,
        region: this.env.S3_REGION,
        accessKeyId: this.env.S3_ACCESS_KEY_ID,
        secretAccessKey: this.env.S3_SECRET_ACCESS_KEY,
      };
    }
    return { kind: 'fs', dir: this.env.BLOB_STORE_DIR ?? join(this.dataDir, 'blobs') };
  }
  get bankWebhookSecret(): string {
    return this.env.BANK_WEBHOOK_SECRET ?? localSecret('bank-webhook', this.dataDir).toString('hex');
  }
  get sealingMasterKey(): Buffer {
    return this.env.SEALING_MASTER_KEY ? Buffer.from(this.env.SEALING_MASTER_KEY, 'base64') : localSecret('sealing-master', this.dataDir);
  }
  /**
   * The sealing key development installations used before secrets were generated per installation (derived from a
   * public string). Only to re-seal, once, what such an installation sealed under it; null in production or when
   * SEALING_MASTER_KEY is configured. Never used to seal anything.
   */
  get legacyDevelopmentSealingKey(): Buffer | null {
    if (this.isProduction || this.env.SEALING_MASTER_KEY) return null;
    return createHash('sha256').update('ebidding-dev-only-sealing').digest();
  }
  get jwtSecret(): string {
    return this.env.JWT_SECRET ?? localSecret('jwt', this.dataDir).toString('hex');
  }
  get jwtTtlSeconds(): number {
    return this.env.JWT_TTL_SECONDS;
  }
  get receiptSigningKeyPem(): string | undefined {
    return this.env.RECEIPT_SIGNING_KEY;
  }
  get queuePrefix(): string {
    return this.env.QUEUE_PREFIX;
  }
  /** Express's `trust proxy`: false, a hop count, or the list of trusted proxy addresses/CIDRs. */
  get trustProxy(): false | number | string[] {
    const v = this.env.TRUST_PROXY.trim();
    if (v === 'false') return false;
    if (/^\d+$/.test(v)) return Number(v) === 0 ? false : Number(v);
    return v.split(',').map((p) => p.trim());
  }
  get bodyLimit(): string {
    return this.env.BODY_LIMIT;
  }
  /** The folder of the built console (index.html + assets), served at / by the ConsoleModule. */
  get consoleDir(): string {
    return this.env.CONSOLE_DIR ?? resolve(__dirname, '../../../web/dist');
  }
  get logFormat(): 'json' | 'text' {
    return this.env.LOG_FORMAT;
  }
  get logLevel(): EnvironmentVariables['LOG_LEVEL'] {
    return this.env.LOG_LEVEL;
  }
  get bankInterestRate(): string {
    return this.env.BANK_INTEREST_RATE;
  }
  /** The development escrow custodians' folder (issue 17): ESCROW_CUSTODIANS_DIR, default <dataDir>/custodians. */
  get escrowCustodiansDir(): string {
    return this.env.ESCROW_CUSTODIANS_DIR ?? resolve(this.dataDir, 'custodians');
  }
  /**
   * The remote escrow custodians by name (ESCROW_CUSTODIAN_URLS, _AUTH_KEYS, _PUBLIC_KEYS; validated at load). Empty:
   * every outside custodian is in-process (the default).
   */
  get escrowRemoteCustodians(): ReadonlyMap<string, { url: string; authKey: Buffer; publicKey?: string }> {
    const urls = parseCustodianPairs(this.env.ESCROW_CUSTODIAN_URLS);
    const keys = parseCustodianPairs(this.env.ESCROW_CUSTODIAN_AUTH_KEYS);
    const pins = parseCustodianPairs(this.env.ESCROW_CUSTODIAN_PUBLIC_KEYS);
    if (typeof urls === 'string' || typeof keys === 'string' || typeof pins === 'string') throw new Error('invalid ESCROW_CUSTODIAN_* configuration');
    return new Map([...urls].map(([name, url]) => [name, { url, authKey: Buffer.from(keys.get(name) ?? '', 'base64'), publicKey: pins.get(name) }]));
  }
  get escrowThreshold(): number {
    return this.env.ESCROW_THRESHOLD;
  }
  get escrowClockSkewMs(): number {
    return this.env.ESCROW_CLOCK_SKEW_MS;
  }
  get expertRecentServiceDays(): number {
    return this.env.EXPERT_RECENT_SERVICE_DAYS;
  }
  get expertAcceptMinutes(): number {
    return this.env.EXPERT_ACCEPT_MINUTES;
  }
  /** `REGIME/CATEGORY` kinds of market whose zero-shot price-screen direction is validated (may raise PRICE_SCREEN). */
  get collusionScreenValidatedMarkets(): ReadonlySet<string> {
    return new Set(
      this.env.COLLUSION_SCREEN_VALIDATED_MARKETS.split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );
  }
  get metricsToken(): string | undefined {
    return this.env.METRICS_TOKEN;
  }
  get tradingCentreName(): string {
    return this.env.TRADING_CENTRE_NAME;
  }
  get tradingCentreCode(): string {
    return this.env.TRADING_CENTRE_CODE;
  }
  get ocdsPrefix(): string {
    return this.env.OCDS_PREFIX;
  }
  /** Without a trailing slash. */
  get publicBaseUrl(): string {
    return (this.env.PUBLIC_BASE_URL ?? `http://localhost:${this.env.PORT}`).replace(/\/+$/, '');
  }
  /** The SMS / e-mail gateway of the notifications, or null (logged only). */
  get notificationWebhookUrl(): string | null {
    return this.env.NOTIFICATION_WEBHOOK_URL ?? null;
  }
  get sweepIntervalMs(): number {
    return this.env.SWEEP_INTERVAL_MS;
  }
  get bidUploadMaxAgeHours(): number {
    return this.env.BID_UPLOAD_MAX_AGE_HOURS;
  }
  get bidBlobHygieneIntervalMs(): number {
    return this.env.BID_BLOB_HYGIENE_INTERVAL_MINUTES * 60_000;
  }
  get runWorkers(): boolean {
    return this.env.RUN_WORKERS;
  }
  get runApi(): boolean {
    return this.env.RUN_API;
  }
}
