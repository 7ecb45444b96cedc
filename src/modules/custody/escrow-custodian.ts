import { createHash } from 'crypto';
import type { EntityManager } from 'typeorm';

/** The injection token of the list of custodians (order = share index − 1). */
export const ESCROW_CUSTODIANS = Symbol('ESCROW_CUSTODIANS');

/** What a custodian is given at publication: one Shamir share of one tender secret, released not before `notBefore`. */
export interface ShareDeposit {
  tenderId: string;
  /** Which secret of the tender: `escrow-key`, `identity-key`, `draw-seed-<drawId>` (lowercase, digits, dashes). */
  secretId: string;
  /** 1-based; the share's own x-coordinate is inside it too. */
  shareIndex: number;
  share: Buffer;
  /** The custodian refuses to release before this instant, by its own clock. */
  notBefore: Date;
  /**
   * This deposit's id (DEPOSIT_ID: 32 hex, random per publication attempt; recorded in the ESCROW_SHARES_DEPOSITED
   * audit event, committed with the publication). A custodian keeps each (tender, secret, deposit id) once and never
   * overwrites it; a publication that rolled back leaves an orphaned share under its own id, never used, and the retry
   * deposits under a new one. Unset: the legacy key (tender, secret) of shares deposited before deposit ids.
   */
  depositId?: string;
}

/** A share handed back by a custodian, with the custodian's Ed25519 signature over `releaseStatement`. */
export interface ShareRelease {
  custodian: string;
  tenderId: string;
  secretId: string;
  shareIndex: number;
  share: Buffer;
  notBefore: string;
  releasedAt: string;
  /** base64 Ed25519 signature over releaseStatement(...). */
  signature: string;
  /** base64 DER SPKI of the custodian's Ed25519 public key. */
  publicKey: string;
}

/**
 * A custodian of tender secrets (issue 17, threshold escrow): the platform is one of n; k shares are needed to
 * rebuild a secret. Each custodian keeps its share and its signing key itself, outside the platform's database,
 * and checks the release time against its own clock — so neither a DBA moving `bid_deadline` nor the platform's
 * code can get a share early. The supervision authority's and the notary office's custodians are either in-process
 * (FileEscrowCustodian, the default) or remote services reached by HttpEscrowCustodian (ESCROW_CUSTODIAN_URLS; the
 * server is src/custodian/); docs/SECURITY.md says what each leaves open.
 */
export interface EscrowCustodian {
  readonly name: string;
  /** base64 DER SPKI of the Ed25519 key that signs releases. */
  publicKey(): string;
  /** `m` is the platform's transaction: only the platform's own custodian uses it. */
  deposit(d: ShareDeposit, m: EntityManager): Promise<void>;
  /**
   * The deadline moved (a suspension, an amendment): the release instant moves with it. A move earlier is honoured
   * but recorded by the custodian itself with its reason (a production custodian checks it against the published
   * amendment before accepting it).
   */
  reschedule(tenderId: string, secretId: string, notBefore: Date, reason: string, m: EntityManager, depositId?: string): Promise<RescheduleResult>;
  /**
   * Releases the share of deposit `depositId` (unset: the legacy one), signed; throws CustodianRefusal before notBefore
   * or when it holds no such share.
   */
  release(tenderId: string, secretId: string, m: EntityManager, depositId?: string): Promise<ShareRelease>;
  /**
   * True when the custodian's state lives in the platform's transaction (the platform's own share): a rollback undoes
   * its deposits and reschedules, so it needs no compensation.
   */
  readonly transactional?: boolean;
}

/** What a reschedule replaced: the previous release instant (undefined when the custodian did not say). */
export interface RescheduleResult {
  previous?: Date;
}

/** A deposit id: 16 random bytes, hex. */
export const DEPOSIT_ID = /^[0-9a-f]{32}$/;

/** With a NOT_YET refusal: the custodian's release instant and its own clock's now when it refused. */
export interface NotYetClock {
  notBefore: Date;
  now: Date;
}

export class CustodianRefusal extends Error {
  constructor(
    readonly custodian: string,
    /** REFUSED: the custodian declined a reschedule (a remote custodian's policy, e.g. a move earlier into its past). */
    readonly reason: 'NOT_YET' | 'NO_SHARE' | 'UNAVAILABLE' | 'REFUSED',
    message: string,
    /**
     * NOT_YET: its instant and its clock (unset when it did not say). Lets the platform tell a custodian whose clock is
     * a few ms behind the database's at the deadline (wait, ask again) from one holding another instant.
     */
    readonly clock?: NotYetClock,
  ) {
    super(`${custodian}: ${message}`);
  }
}

export const SECRET_ID = /^[a-z0-9][a-z0-9-]{0,80}$/;

/** The statement a custodian signs when it releases a share (and that anyone can check with its public key). */
export function releaseStatement(r: Pick<ShareRelease, 'custodian' | 'tenderId' | 'secretId' | 'shareIndex' | 'notBefore' | 'releasedAt'> & { shareSha256: string }): Buffer {
  return Buffer.from(['escrow-share-release-v1', r.custodian, r.tenderId, r.secretId, r.shareIndex, r.notBefore, r.releasedAt, r.shareSha256].join('|'), 'utf8');
}

export function shareSha256(share: Buffer): string {
  return createHash('sha256').update(share).digest('hex');
}
