import { createHmac, hkdfSync } from 'crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { localSecret } from 'src/infra/config/local-secrets';

/** The injection token of the platform's blind-index oracle. */
export const BLIND_INDEX_ORACLE = Symbol('BLIND_INDEX_ORACLE');

/** One batch item: the blind indexes of `ids` (organisations, users, account numbers) for one purpose on one tender. */
export interface BlindIndexQuery {
  purpose: string;
  tenderId: string;
  ids: string[];
}

/** What the oracle logged for a tender: how many ids it was asked to index, in total and by purpose. */
export interface BlindIndexLookups {
  tenderId: string;
  total: number;
  byPurpose: Record<string, number>;
}

/**
 * The blind-index oracle (issue 17, "impossible to cheat quietly"; docs/SECURITY.md "Blind index oracle"): the only
 * holder of the key under which sealed identities are indexed (HMAC(tender|purpose-key, id)). The platform holds no
 * such key: every index it needs — a bidder finding its own bid, one bid per bidder, a notice's inbox — is a request
 * to the oracle, which logs it per tender (time, purpose, how many ids; never the ids nor anything derived from them,
 * so the log is no list of bidders) and tells the count, published in the tender's audit at the deadline. An
 * operator probing "did organisation X bid?" can still ask, but each guess is one logged lookup.
 */
export interface BlindIndexOracle {
  readonly name: string;
  /** The indexes, one array per query, in order (hex HMAC-SHA256). */
  indexes(queries: BlindIndexQuery[]): Promise<string[][]>;
  /** The logged lookups of a tender. */
  lookups(tenderId: string): Promise<BlindIndexLookups>;
}

export const BLIND_INDEX_PURPOSE = /^[a-z0-9][a-z0-9-]{0,60}$/;
const TENDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A batch's limits (a "my bids" listing asks one query per tender with sealed bids). */
export const MAX_QUERIES = 2000;
export const MAX_IDS = 10_000;

/** Refuses a malformed batch (the server answers 400; in-process: an error). */
export function checkQueries(queries: unknown): BlindIndexQuery[] {
  if (!Array.isArray(queries) || queries.length > MAX_QUERIES) throw new Error(`queries must be an array of at most ${MAX_QUERIES}`);
  let ids = 0;
  for (const q of queries as BlindIndexQuery[]) {
    if (!q || typeof q.purpose !== 'string' || !BLIND_INDEX_PURPOSE.test(q.purpose)) throw new Error('purpose is not a blind-index purpose');
    if (typeof q.tenderId !== 'string' || !TENDER_ID.test(q.tenderId)) throw new Error('tenderId must be a UUID');
    if (!Array.isArray(q.ids) || q.ids.some((i) => typeof i !== 'string' || i.length === 0 || i.length > 200)) throw new Error('ids must be non-empty strings');
    ids += q.ids.length;
  }
  if (ids > MAX_IDS) throw new Error(`at most ${MAX_IDS} ids per batch`);
  return queries as BlindIndexQuery[];
}

/**
 * The development oracle, in-process: its own folder `<ESCROW_CUSTODIANS_DIR>/blind-index-oracle/` (or a custodian
 * server's) with its own random key (`secrets/blind-index.key`, generated there, never derived from SEALING_MASTER_KEY)
 * and one append-only log per tender (`lookups/<tender>.log`, one JSON line `{ at, purpose, count }` per query). Whoever
 * reads that folder holds the key: in production the oracle is the notary office's custodian server (RemoteBlindIndexOracle).
 */
export class FileBlindIndexOracle implements BlindIndexOracle {
  constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private readonly keys = new Map<string, Buffer>();

  /** Per tender and purpose: HKDF(oracle key, tender|purpose), so one party's indexes on two tenders do not link. */
  private key(purpose: string, tenderId: string): Buffer {
    const info = `blind-index-oracle-v1|${purpose}|${tenderId}`;
    let k = this.keys.get(info);
    if (!k) {
      k = Buffer.from(hkdfSync('sha256', localSecret('blind-index', this.dir), Buffer.alloc(0), info, 32));
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(info, k);
    }
    return k;
  }

  async indexes(queries: BlindIndexQuery[]): Promise<string[][]> {
    checkQueries(queries);
    const at = this.clock().toISOString();
    // Logged before answering: an answer the log does not count is never given.
    const lines = new Map<string, string[]>();
    for (const q of queries) {
      if (q.ids.length === 0) continue;
      const l = lines.get(q.tenderId) ?? [];
      l.push(JSON.stringify({ at, purpose: q.purpose, count: q.ids.length }));
      lines.set(q.tenderId, l);
    }
    if (lines.size) mkdirSync(join(this.dir, 'lookups'), { recursive: true, mode: 0o700 });
    for (const [tenderId, l] of lines) appendFileSync(this.logFile(tenderId), `${l.join('\n')}\n`, { mode: 0o600 });
    return queries.map((q) => q.ids.map((id) => createHmac('sha256', this.key(q.purpose, q.tenderId)).update(id, 'utf8').digest('hex')));
  }

  async lookups(tenderId: string): Promise<BlindIndexLookups> {
    if (!TENDER_ID.test(tenderId)) throw new Error('tenderId must be a UUID');
    let text = '';
    try {
      text = readFileSync(this.logFile(tenderId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const byPurpose: Record<string, number> = {};
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const { purpose, count } = JSON.parse(line) as { purpose: string; count: number };
      byPurpose[purpose] = (byPurpose[purpose] ?? 0) + count;
      total += count;
    }
    return { tenderId, total, byPurpose };
  }

  private logFile(tenderId: string): string {
    return join(this.dir, 'lookups', `${tenderId}.log`);
  }
}

/** The part of HttpEscrowCustodian the remote oracle uses: its authenticated requests. */
interface AuthenticatedPoster {
  readonly name: string;
  post(path: string, payload: unknown): Promise<{ status: number; json: unknown }>;
  refusal(status: number, json: unknown): Error;
}

/**
 * The oracle on a custodian server (the notary office's, when it is remote: ESCROW_CUSTODIAN_URLS): `POST
 * /v1/blind-indexes` and `/v1/blind-index-lookups` of the custodian protocol, authenticated with that custodian's
 * registered key, its answers' MACs checked. Unreachable: the lookup fails (a bid cannot be filed without it).
 */
export class RemoteBlindIndexOracle implements BlindIndexOracle {
  constructor(private readonly custodian: AuthenticatedPoster) {}

  get name(): string {
    return this.custodian.name;
  }

  async indexes(queries: BlindIndexQuery[]): Promise<string[][]> {
    checkQueries(queries);
    if (queries.every((q) => q.ids.length === 0)) return queries.map(() => []);
    const { status, json } = await this.custodian.post('/v1/blind-indexes', { queries });
    if (status !== 200) throw this.custodian.refusal(status, json);
    const indexes = (json as { indexes?: unknown }).indexes;
    if (!Array.isArray(indexes) || indexes.length !== queries.length || indexes.some((a, i) => !Array.isArray(a) || a.length !== queries[i].ids.length)) {
      throw this.custodian.refusal(502, { code: 'INTERNAL', message: 'the oracle answered another number of indexes than asked' });
    }
    return indexes as string[][];
  }

  async lookups(tenderId: string): Promise<BlindIndexLookups> {
    const { status, json } = await this.custodian.post('/v1/blind-index-lookups', { tenderId });
    if (status !== 200) throw this.custodian.refusal(status, json);
    return json as BlindIndexLookups;
  }
}
