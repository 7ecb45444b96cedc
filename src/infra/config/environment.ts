import { plainToInstance, Transform } from 'class-transformer';
import { IsBase64, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync, ValidationError } from 'class-validator';
import { existsSync, readFileSync } from 'fs';
import { isIP } from 'net';
import { resolve } from 'path';
import { MAX_BID_REQUEST_BODY_BYTES } from '../../sdk/constants';

export type NodeEnv = 'development' | 'test' | 'production';
export type LegalPeriodsMode = 'enforced' | 'relaxed';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : ['1', 'true', 'yes'].includes(String(value).toLowerCase()));

/**
 * Every variable the platform reads (API.md "Start-up and configuration").
 * This class and `loadEnvironment()` are the only code that reads `process.env`.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: NodeEnv = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  @IsOptional()
  DATABASE_URL?: string;

  /** The database of `npm test`; default: DATABASE_URL's database name + "_test". */
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'TEST_DATABASE_URL must be a postgres:// URL' })
  @IsOptional()
  TEST_DATABASE_URL?: string;

  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  @IsOptional()
  REDIS_URL?: string;

  @IsIn(['enforced', 'relaxed'])
  LEGAL_PERIODS: LegalPeriodsMode = 'enforced';

  @IsString()
  @MinLength(3)
  @IsOptional()
  ADMIN_USERNAME?: string;

  @IsString()
  @MinLength(8)
  @IsOptional()
  ADMIN_PASSWORD?: string;

  @IsString()
  @MinLength(16)
  @IsOptional()
  BANK_WEBHOOK_SECRET?: string;

  /**
   * The URL the application itself connects with: a role that may only INSERT into the audit and ledger tables.
   * Default: DATABASE_URL with the role `<database>_app` and a password generated for the installation, both created
   * by the set-up (scripts/prepare-db.ts, run as DATABASE_URL's owner role, which also runs the migrations).
   */
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_APP_URL must be a postgres:// URL' })
  @IsOptional()
  DATABASE_APP_URL?: string;

  /** Where secrets generated for an installation without configured ones are kept (default: ./.data). */
  @IsString()
  @IsOptional()
  DATA_DIR?: string;

  @IsBase64()
  @IsOptional()
  SEALING_MASTER_KEY?: string;

  @IsString()
  @MinLength(32)
  @IsOptional()
  JWT_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  JWT_TTL_SECONDS = 12 * 3600;

  /** Optional PKCS#8 PEM of the Ed25519 receipt key; generated once and stored sealed when absent. */
  @IsString()
  @IsOptional()
  RECEIPT_SIGNING_KEY?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'QUEUE_PREFIX may hold letters, digits, _ and - only' })
  QUEUE_PREFIX = 'ebid';

  /**
   * Which proxies in front of the platform to trust for the client's address (X-Forwarded-For): `false` (none, the
   * default), a hop count (`1` = the one load balancer in front), or a comma-separated list of proxy addresses/CIDRs
   * (`10.0.0.0/8,192.168.1.7`). Never `true`: trusting every hop would take the left-most X-Forwarded-For, which the
   * client writes itself, as a bid's IP (forgeable SAME_IP evidence).
   */
  @IsString()
  @Matches(/^(false|\d{1,2}|[0-9a-fA-F:.]+(\/\d{1,3})?(\s*,\s*[0-9a-fA-F:.]+(\/\d{1,3})?)*)$/, {
    message: 'TRUST_PROXY is false, a hop count (e.g. 1) or a comma-separated list of proxy addresses/CIDRs; never true',
  })
  TRUST_PROXY = 'false';

  /**
   * The largest JSON body accepted (bytes, or with kb/mb: units of 1,024). Default: the SDK's
   * MAX_BID_REQUEST_BODY_BYTES, which fits a sealed bid of the largest ciphertext format v1 allows (20 MiB, about
   * 28 MB as base64 in JSON); lower it and the largest bids are refused with 413 PAYLOAD_TOO_LARGE.
   */
  @IsString()
  @Matches(/^\d+(b|kb|mb)?$/, { message: 'BODY_LIMIT is a size in bytes, or with kb or mb, e.g. 29360128 or 28mb' })
  BODY_LIMIT = String(MAX_BID_REQUEST_BODY_BYTES);

  /** The built web console (控制台) served at / ; default web/dist of this checkout (built by scripts/setup.sh). */
  @IsOptional()
  @IsString()
  CONSOLE_DIR?: string;

  @IsIn(['json', 'text'])
  LOG_FORMAT: 'json' | 'text' = 'text';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** Annual interest rate paid on refunded bid security (TBR Art. 57 "银行同期存款利息"), a decimal string. */
  @IsString()
  @Matches(/^\d+(\.\d{1,6})?$/)
  BANK_INTEREST_RATE = '0.0035';

  /**
   * Where the development escrow custodians (supervision authority, notary office) keep their own keys and shares
   * (issue 17, threshold escrow). Default: <DATA_DIR>/custodians. Outside the database and the platform's secrets.
   */
  @IsString()
  @IsOptional()
  ESCROW_CUSTODIANS_DIR?: string;

  /**
   * Remote escrow custodians (issue 17; docs/SECURITY.md, "Remote custodians"): `name=url` pairs, comma-separated,
   * e.g. `supervision-authority=https://sa.example,notary-office=https://no.example`. A custodian named here is reached
   * over HTTP (src/custodian/ is the server, `npm run custodian`); one not named stays in-process under
   * ESCROW_CUSTODIANS_DIR (the default). https:// required when NODE_ENV=production.
   */
  @IsString()
  @IsOptional()
  ESCROW_CUSTODIAN_URLS?: string;

  /** `name=<base64 32 bytes>` pairs: the key registered with each remote custodian (authenticates the requests). */
  @IsString()
  @IsOptional()
  ESCROW_CUSTODIAN_AUTH_KEYS?: string;

  /** Optional `name=<base64 SPKI>` pairs: each remote custodian's Ed25519 key, pinned (unset: fetched at start-up). */
  @IsString()
  @IsOptional()
  ESCROW_CUSTODIAN_PUBLIC_KEYS?: string;

  /** k of the k-of-n threshold escrow (n = 3 custodians: platform, supervision authority, notary office). */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(3)
  ESCROW_THRESHOLD = 2;

  /**
   * How long the platform waits, at most, for escrow custodians whose clocks are behind the database's at a release
   * instant (a first read at the deadline) before answering 503 CUSTODIANS_NOT_READY.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30_000)
  ESCROW_CLOCK_SKEW_MS = 2_000;

  /** Days during which an expert who served a procuring entity is not drawn for it again. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  EXPERT_RECENT_SERVICE_DAYS = 90;

  /** Minutes an expert has to accept a panel assignment before a replacement is drawn. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  EXPERT_ACCEPT_MINUTES = 60;

  /**
   * Kinds of market (`REGIME/CATEGORY`, comma-separated, e.g. `ENGINEERING/CONSTRUCTION_WORKS`) where the direction of
   * the unsupervised price screen (low dispersion = suspicious) has been validated on labelled cases of that kind.
   * Only there does the zero-shot screen raise PRICE_SCREEN; elsewhere it is a ranking for review only
   * (docs/COLLUSION_SCREENS.md). Empty by default: no kind is validated.
   */
  @IsString()
  @Matches(/^$|^\s*[A-Z_]+\/[A-Z_]+\s*(,\s*[A-Z_]+\/[A-Z_]+\s*)*$/, { message: 'COLLUSION_SCREEN_VALIDATED_MARKETS is a comma-separated list of REGIME/CATEGORY' })
  COLLUSION_SCREEN_VALIDATED_MARKETS = '';

  /** A static token a Prometheus scraper sends as `X-Metrics-Token` (an ADMIN bearer token works too). */
  @IsString()
  @MinLength(16)
  @IsOptional()
  METRICS_TOKEN?: string;

  /** The trading centre's name as printed on its public reports (年报). */
  @IsString()
  @MinLength(2)
  TRADING_CENTRE_NAME = '公共资源交易中心';

  /**
   * The trading centre's code, the first part of every transaction code (交易标识码) the platform issues: by default
   * the 6-digit administrative division code (GB/T 2260) of the centre plus a 2-digit platform number.
   */
  @IsString()
  @Matches(/^[0-9A-Z]{6,12}$/, { message: 'TRADING_CENTRE_CODE is 6 to 12 digits or capital letters, e.g. 32090001' })
  TRADING_CENTRE_CODE = '32090001';

  /** The OCDS ocid prefix registered with the Open Contracting Partnership (ocds-xxxxxx); a placeholder by default. */
  @IsString()
  @Matches(/^ocds-[a-z0-9]{6}$/, { message: 'OCDS_PREFIX is "ocds-" and 6 lower-case letters or digits, as registered' })
  OCDS_PREFIX = 'ocds-xxxxxx';

  /** The public base URL of the API (package URIs of the open data); default http://localhost:<PORT>. */
  @IsString()
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'PUBLIC_BASE_URL must be an http(s) URL' })
  @IsOptional()
  PUBLIC_BASE_URL?: string;

  /**
   * The SMS / e-mail gateway the notifications are posted to (JSON, one request per message, `Idempotency-Key` = the
   * message id). Unset: messages are only logged (and always in the recipients' in-app inbox).
   */
  @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'NOTIFICATION_WEBHOOK_URL must be an http(s) URL' })
  @IsOptional()
  NOTIFICATION_WEBHOOK_URL?: string;

  /**
   * How often every worker process sweeps the database for overdue timed events and undelivered notifications
   * (ms). The sweeper is an in-process timer, not a Redis job, so it survives a Redis flush or outage.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  SWEEP_INTERVAL_MS = 5_000;

  /** A format v2 upload not finalised this many hours after its last piece is abandoned: its pieces are deleted. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8_760)
  BID_UPLOAD_MAX_AGE_HOURS = 72;

  /** How often the blob-store hygiene of v2 bid files runs (a timed event: BID_BLOB_HYGIENE), in minutes. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_080)
  BID_BLOB_HYGIENE_INTERVAL_MINUTES = 60;

  /** Run BullMQ workers in this process (set by the entry points). */
  @Transform(toBool)
  RUN_WORKERS = true;

  /** Serve HTTP in this process (set by the entry points). */
  @Transform(toBool)
  RUN_API = true;

  /**
   * Where sealed bid files of format v2 live (docs/SEALED_BID_FORMAT.md v2.6): `fs` (a folder, BLOB_STORE_DIR,
   * default <DATA_DIR>/blobs) or `s3` (an S3-compatible store shared by a cluster: S3_BUCKET and, for a store that
   * is not AWS, S3_ENDPOINT; credentials from S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY or the SDK's default chain).
   */
  @IsIn(['fs', 's3'])
  BLOB_STORE: 'fs' | 's3' = 'fs';

  @IsString()
  @IsOptional()
  BLOB_STORE_DIR?: string;

  @IsString()
  @IsOptional()
  S3_ENDPOINT?: string;

  @IsString()
  @IsOptional()
  S3_BUCKET?: string;

  @IsString()
  S3_REGION = 'us-east-1';

  @IsString()
  @IsOptional()
  S3_ACCESS_KEY_ID?: string;

  @IsString()
  @IsOptional()
  S3_SECRET_ACCESS_KEY?: string;
}

/** Reads KEY=VALUE lines; the set-up script writes `.env.local` with the services it found or started. */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [...Object.values(e.constraints ?? {}).map((c) => `${prefix}${e.property}: ${c}`), ...flatten(e.children ?? [], `${prefix}${e.property}.`)]);
}

export class ConfigurationError extends Error {}

/**
 * Validates the environment. The process environment wins over `.env.local`. Throws a ConfigurationError that
 * names every wrong variable.
 */
export function loadEnvironment(raw: Record<string, string | undefined> = process.env, envFile = resolve(__dirname, '../../../.env.local')): EnvironmentVariables {
  const merged: Record<string, string | undefined> = { ...readEnvFile(envFile) };
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) merged[k] = v;
  const known = new Set(
    Object.keys(new EnvironmentVariables()).concat([
      'DATABASE_URL',
      'TEST_DATABASE_URL',
      'DATABASE_APP_URL',
      'REDIS_URL',
      'DATA_DIR',
      'ADMIN_USERNAME',
      'ADMIN_PASSWORD',
      'BANK_WEBHOOK_SECRET',
      'SEALING_MASTER_KEY',
      'ESCROW_CUSTODIAN_URLS',
      'ESCROW_CUSTODIAN_AUTH_KEYS',
      'ESCROW_CUSTODIAN_PUBLIC_KEYS',
      'JWT_SECRET',
      'RECEIPT_SIGNING_KEY',
      'METRICS_TOKEN',
      'NOTIFICATION_WEBHOOK_URL',
      'BLOB_STORE_DIR',
      'S3_ENDPOINT',
      'S3_BUCKET',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
    ]),
  );
  const picked: Record<string, string> = {};
  for (const k of known) if (merged[k] !== undefined && merged[k] !== '') picked[k] = merged[k] as string;

  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const problems = flatten(validateSync(env, { skipMissingProperties: false }));
  if (env.SEALING_MASTER_KEY && Buffer.from(env.SEALING_MASTER_KEY, 'base64').length !== 32) {
    problems.push('SEALING_MASTER_KEY: must be 32 bytes, base64');
  }
  if (env.NODE_ENV === 'production') {
    // API.md: "the server refuses `relaxed` when NODE_ENV=production".
    if (env.LEGAL_PERIODS === 'relaxed') problems.push('LEGAL_PERIODS: relaxed is refused when NODE_ENV=production');
    for (const k of ['BANK_WEBHOOK_SECRET', 'SEALING_MASTER_KEY', 'JWT_SECRET', 'ADMIN_PASSWORD'] as const) {
      if (!env[k]) problems.push(`${k}: required when NODE_ENV=production`);
    }
  }
  problems.push(...remoteCustodianProblems(env));
  if (env.TRUST_PROXY && !/^(false|\d+)$/.test(env.TRUST_PROXY)) {
    for (const part of env.TRUST_PROXY.split(',').map((p) => p.trim())) {
      const [addr, bits] = part.split('/');
      const family = isIP(addr);
      if (!family || (bits !== undefined && Number(bits) > (family === 4 ? 32 : 128))) problems.push(`TRUST_PROXY: "${part}" is not an address or CIDR`);
    }
  }
  if (problems.length) {
    throw new ConfigurationError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return env;
}

/** The outside custodians that may be remote (the platform's own share stays in its database). */
export const REMOTE_CUSTODIAN_NAMES = ['supervision-authority', 'notary-office'] as const;

/** Parses `name=value,name=value` (ESCROW_CUSTODIAN_URLS and its companions); a repeated or empty pair is an error. */
export function parseCustodianPairs(raw: string | undefined): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const part of (raw ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf('=');
    const name = part.slice(0, i).trim();
    const value = part.slice(i + 1).trim();
    if (i < 1 || !value) return `"${part}" is not name=value`;
    if (out.has(name)) return `${name} given twice`;
    out.set(name, value);
  }
  return out;
}

function remoteCustodianProblems(env: EnvironmentVariables): string[] {
  const problems: string[] = [];
  const urls = parseCustodianPairs(env.ESCROW_CUSTODIAN_URLS);
  const keys = parseCustodianPairs(env.ESCROW_CUSTODIAN_AUTH_KEYS);
  const pins = parseCustodianPairs(env.ESCROW_CUSTODIAN_PUBLIC_KEYS);
  for (const [k, v] of [
    ['ESCROW_CUSTODIAN_URLS', urls],
    ['ESCROW_CUSTODIAN_AUTH_KEYS', keys],
    ['ESCROW_CUSTODIAN_PUBLIC_KEYS', pins],
  ] as const) {
    if (typeof v === 'string') problems.push(`${k}: ${v}`);
    else
      for (const name of v.keys())
        if (!(REMOTE_CUSTODIAN_NAMES as readonly string[]).includes(name)) problems.push(`${k}: ${name} is not one of ${REMOTE_CUSTODIAN_NAMES.join(', ')}`);
  }
  if (typeof urls === 'string' || typeof keys === 'string' || typeof pins === 'string') return problems;
  for (const [name, url] of urls) {
    let u: URL | null = null;
    try {
      u = new URL(url);
    } catch {
      problems.push(`ESCROW_CUSTODIAN_URLS: ${name}: "${url}" is not a URL`);
    }
    if (u && !['http:', 'https:'].includes(u.protocol)) problems.push(`ESCROW_CUSTODIAN_URLS: ${name}: http(s) only`);
    if (u && env.NODE_ENV === 'production' && u.protocol !== 'https:') problems.push(`ESCROW_CUSTODIAN_URLS: ${name}: https:// required when NODE_ENV=production`);
    const key = keys.get(name);
    if (!key || Buffer.from(key, 'base64').length !== 32) problems.push(`ESCROW_CUSTODIAN_AUTH_KEYS: ${name}: a 32-byte base64 key is required for each remote custodian`);
  }
  for (const name of [...keys.keys(), ...pins.keys()]) if (!urls.has(name)) problems.push(`ESCROW_CUSTODIAN_URLS: ${name} has a key but no URL`);
  return problems;
}
