import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, hkdfSync } from 'crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { createEscrowUnwrapper, generateEscrowKeyPair, wrapEscrowKey } from 'src/sdk';
import { x25519PublicFromPrivate } from 'src/sdk/x25519';
import { ThresholdEscrowService } from './threshold-escrow.service';
import { TenderCustodyRepository } from './escrow-custody-shares.repository';
import { BLIND_INDEX_ORACLE, type BlindIndexOracle, type BlindIndexQuery, MAX_IDS, MAX_QUERIES } from './blind-index-oracle';
import { BlindIndexRepository } from './blind-index.repository';
import { CustodyException } from './custody.exception';

/**
 * The purposes whose legacy index (rows of tenders published before the oracle) was not `blind-index|<purpose>` under
 * the platform tier: the bids' own derivation and the basic-account digest (a platformDigest of `tender|account`).
 */
const LEGACY_INFO: Record<string, string> = {
  'bid-bidder': 'bid-bidder-blind-index-v1',
  'bid-security-basic-account': 'platform-tier|digest|bid-security-basic-account',
};

/** A batch cut to the oracle's limits (a query is never split). */
function chunks(queries: BlindIndexQuery[]): BlindIndexQuery[][] {
  const out: BlindIndexQuery[][] = [];
  let cur: BlindIndexQuery[] = [];
  let ids = 0;
  for (const q of queries) {
    if (cur.length && (cur.length === MAX_QUERIES || ids + q.ids.length > MAX_IDS)) {
      out.push(cur);
      cur = [];
      ids = 0;
    }
    cur.push(q);
    ids += q.ids.length;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The custody name of a tender's identity private key (sealed identities, issue 17). */
export const IDENTITY_KEY_SECRET = 'identity-key';

/**
 * The tender's identity key pair (issue 17, sealed identities): who bid — organisation, user, IP, device, author —
 * is encrypted to its public key when the bid arrives; the private key is split among the escrow custodians with the
 * bid deadline as release instant, like the escrow key, and rebuilt only at the opening to unseal the identities.
 */
@Injectable()
export class IdentityKeyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdentityKeyService.name);

  constructor(
    private readonly custody: ThresholdEscrowService,
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
    private readonly tenders: TenderCustodyRepository,
    @Inject(BLIND_INDEX_ORACLE) private readonly oracle: BlindIndexOracle,
    private readonly blindIndexRows: BlindIndexRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Seals `value` to a tender's identity public key: a fresh AES-256-GCM key, wrapped as an escrowed bid key is. */
  sealTo(identityPublicKey: Buffer, value: unknown, aad: string): string {
    const dataKey = this.crypto.randomBytes(32);
    try {
      const k = wrapEscrowKey({ key: dataKey, escrowPublicKey: identityPublicKey });
      return JSON.stringify({ v: 1, k, c: this.crypto.seal(dataKey, Buffer.from(JSON.stringify(value), 'utf8'), aad) });
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * Opens what was sealed to the tender's identity key: the private key is rebuilt once from k custodians (audited).
   * `use` runs with the opener; the key is wiped after it.
   */
  async withOpener<R>(m: EntityManager, tenderId: string, actor: Actor, use: (open: <T>(sealed: string, aad: string) => T) => Promise<R>): Promise<R> {
    const key = await this.privateKey(m, tenderId, actor);
    try {
      const unwrap = createEscrowUnwrapper({ escrowPrivateKey: key.privateKey, escrowPublicKey: key.publicKey });
      return await use(<T>(sealed: string, aad: string): T => {
        const { k, c } = JSON.parse(sealed) as { k: string; c: string };
        const dataKey = unwrap(k);
        try {
          return JSON.parse(this.crypto.unseal(dataKey, c, aad).toString('utf8')) as T;
        } finally {
          dataKey.fill(0);
        }
      });
    } finally {
      key.privateKey.fill(0);
    }
  }

  /**
   * The platform tier, for what the platform itself must read before the deadline (e.g. whom to notify of an
   * amendment): sealed under a key derived from SEALING_MASTER_KEY — proof against a database dump, not against
   * whoever holds the process environment too.
   */
  platformSeal(purpose: string, value: unknown, aad: string): string {
    return this.crypto.seal(this.platformKey(purpose), Buffer.from(JSON.stringify(value), 'utf8'), aad);
  }
  platformOpen<T>(purpose: string, sealed: string, aad: string): T {
    return JSON.parse(this.crypto.unseal(this.platformKey(purpose), sealed, aad).toString('utf8')) as T;
  }
  /**
   * The blind index of `id` (an organisation, a user, an account number) for `purpose` on a tender: finds a sealed row
   * without naming its owner. Asked of the blind-index oracle, which alone holds the key and logs the lookup per tender
   * (issue 17, "impossible to cheat quietly"); a tender published before the oracle keeps the legacy platform
   * derivation for all its rows (blind_index_legacy_tenders, fixed by the migration).
   */
  async blindIndex(purpose: string, tenderId: string, id: string): Promise<string> {
    const [[index]] = await this.blindIndexes([{ purpose, tenderId, ids: [id] }]);
    return index;
  }

  /** The same for a batch (one request to the oracle), one array of indexes per query, in order. */
  async blindIndexes(queries: BlindIndexQuery[]): Promise<string[][]> {
    const tenderIds = [...new Set(queries.filter((q) => q.ids.length).map((q) => q.tenderId))];
    const legacy = new Set(tenderIds.filter((t) => this.legacy.has(t)));
    const asked = queries.filter((q) => q.ids.length && !legacy.has(q.tenderId));
    const answers: string[][] = [];
    if (asked.length) {
      try {
        for (const chunk of chunks(asked)) answers.push(...(await this.oracle.indexes(chunk)));
      } catch (e) {
        throw CustodyException.oracleUnavailable((e as Error).message);
      }
      // The platform's own count, next to the oracle's at the deadline: outside the caller's transaction (the oracle
      // counted anyway), written just after, in the background (the caller holds a connection; it must not wait for another).
      for (const q of asked) {
        const key = `${q.tenderId}|${q.purpose}`;
        const row = this.uncounted.get(key) ?? { tenderId: q.tenderId, purpose: q.purpose, n: 0 };
        row.n += q.ids.length;
        this.uncounted.set(key, row);
      }
      this.scheduleCount();
    }
    let next = 0;
    return queries.map((q) => {
      if (!q.ids.length) return [];
      if (legacy.has(q.tenderId)) return q.ids.map((id) => this.legacyBlindIndex(q.purpose, q.tenderId, id));
      return answers[next++];
    });
  }

  /** The legacy index of rows written before the oracle: HMAC under a key derived from SEALING_MASTER_KEY. */
  legacyBlindIndex(purpose: string, tenderId: string, id: string): string {
    const info = LEGACY_INFO[purpose];
    const key = info ? this.derived(info) : this.platformKey(`blind-index|${purpose}`);
    return createHmac('sha256', key).update(`${tenderId}|${id}`, 'utf8').digest('hex');
  }

  /** What the oracle logged for a tender and what the platform itself asked for (published at the deadline). */
  async lookups(
    m: EntityManager,
    tenderId: string,
  ): Promise<{
    oracle: { total: number; byPurpose: Record<string, number> } | { unavailable: string };
    platform: { total: number; byPurpose: Record<string, number> };
    legacy: boolean;
  }> {
    await this.flushCounts();
    const byPurpose = await this.blindIndexRows.counted(m, tenderId);
    const platform = { total: Object.values(byPurpose).reduce((a, b) => a + b, 0), byPurpose };
    const legacy = this.legacy.has(tenderId);
    try {
      const o = await this.oracle.lookups(tenderId);
      return { oracle: { total: o.total, byPurpose: o.byPurpose }, platform, legacy };
    } catch (e) {
      return { oracle: { unavailable: (e as Error).message }, platform, legacy };
    }
  }

  /** The legacy tenders, read at start (the table is fixed by the migration; no code writes it). */
  private legacy = new Set<string>();
  async onModuleInit(): Promise<void> {
    await this.reloadLegacyTenders();
  }
  /** Reads blind_index_legacy_tenders again (at start; a test that lists a tender there). */
  async reloadLegacyTenders(): Promise<void> {
    this.legacy = new Set(await this.blindIndexRows.legacyTenders(this.dataSource.manager));
  }

  private readonly uncounted = new Map<string, { tenderId: string; purpose: string; n: number }>();
  private counting: Promise<void> = Promise.resolve();
  private scheduleCount(): void {
    this.counting = this.counting.then(async () => {
      if (!this.uncounted.size) return;
      const rows = [...this.uncounted.values()];
      this.uncounted.clear();
      try {
        await this.blindIndexRows.count(this.dataSource.manager, rows);
      } catch (e) {
        this.logger.error(`blind-index lookups not counted (${rows.reduce((a, r) => a + r.n, 0)}): ${(e as Error).message}`);
      }
    });
  }
  /** Waits until the platform's count holds every lookup this process made (before it is published; at shutdown). */
  async flushCounts(): Promise<void> {
    this.scheduleCount();
    await this.counting;
  }
  async onModuleDestroy(): Promise<void> {
    await this.flushCounts();
  }

  /**
   * HMAC-SHA256 of `data` under a key derived from SEALING_MASTER_KEY: a digest that cannot be tested against guesses
   * without it. Not asked of the oracle: its inputs (a guarantee's body, a complaint's request, a notice's dedupe key)
   * are no per-tender identity one guesses by organisation — except the notice dedupe key (docs/SECURITY.md "What
   * remains"). The one that was (tender | basic account) is now a blind index (`bid-security-basic-account`).
   */
  platformDigest(purpose: string, data: Buffer): string {
    return createHmac('sha256', this.platformKey(`digest|${purpose}`))
      .update(data)
      .digest('hex');
  }

  /** Whether a tender seals identities now: it has an identity key and its deadline has not passed (database clock). */
  async sealsIdentities(m: EntityManager, tenderId: string): Promise<boolean> {
    return this.tenders.sealsIdentities(m, tenderId);
  }

  /** Derived once per purpose (HKDF is deterministic; the master key is in memory anyway). */
  private readonly platformKeys = new Map<string, Buffer>();

  private platformKey(purpose: string): Buffer {
    return this.derived(`platform-tier|${purpose}`);
  }
  private derived(info: string): Buffer {
    let key = this.platformKeys.get(info);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.config.sealingMasterKey, Buffer.alloc(0), info, 32));
      this.platformKeys.set(info, key);
    }
    return key;
  }

  /**
   * At publication, in the caller's transaction: a new key pair whose private key is split among the custodians. Returns
   * the public key, which the tenders module stores on the tender.
   */
  async create(m: EntityManager, tenderId: string, bidDeadline: Date): Promise<string> {
    const pair = generateEscrowKeyPair();
    const privateKey = Buffer.from(pair.privateKey, 'base64');
    try {
      await this.custody.deposit(m, { tenderId, secretId: IDENTITY_KEY_SECRET, secret: privateKey, notBefore: bidDeadline, actor: SYSTEM_ACTOR });
    } finally {
      privateKey.fill(0);
    }
    return pair.publicKey;
  }

  async publicKey(m: EntityManager, tenderId: string): Promise<string | null> {
    return this.tenders.identityPublicKey(m, tenderId);
  }

  /** The private key, from k custodians' released shares (not before the deadline, by their clocks). */
  async privateKey(m: EntityManager, tenderId: string, actor: Actor): Promise<{ privateKey: Buffer; publicKey: Buffer }> {
    const pub = await this.publicKey(m, tenderId);
    if (!pub) throw new Error(`tender ${tenderId} has no identity key`);
    const privateKey = await this.custody.reconstruct(m, {
      tenderId,
      secretId: IDENTITY_KEY_SECRET,
      actor,
      check: (s) => s.length === 32 && x25519PublicFromPrivate(s).toString('base64') === pub,
    });
    return { privateKey, publicKey: Buffer.from(pub, 'base64') };
  }
}
