import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { EntityManager } from 'typeorm';
import { localSecret } from 'src/infra/config/local-secrets';
import { type CryptoService } from 'src/infra/crypto/crypto.service';
import { type EscrowCustodySharesRepository } from './escrow-custody-shares.repository';
import {
  CustodianRefusal,
  DEPOSIT_ID,
  type EscrowCustodian,
  releaseStatement,
  type RescheduleResult,
  SECRET_ID,
  type ShareDeposit,
  type ShareRelease,
  shareSha256,
} from './escrow-custodian';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 signing key from a 32-byte seed. */
export function ed25519FromSeed(seed: Buffer): { privateKey: KeyObject; publicKeyB64: string } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKeyB64 = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  return { privateKey, publicKeyB64 };
}

/** A deposit under an id binds it too (legacy deposits, without one, keep their AAD). */
const shareAad = (custodian: string, tenderId: string, secretId: string, index: number, depositId?: string) =>
  `escrow-share|${custodian}|${tenderId}|${secretId}|${index}${depositId ? `|${depositId}` : ''}`;

function signRelease(name: string, key: { privateKey: KeyObject; publicKeyB64: string }, r: Omit<ShareRelease, 'signature' | 'publicKey' | 'custodian'>): ShareRelease {
  const statement = releaseStatement({ ...r, custodian: name, shareSha256: shareSha256(r.share) });
  return { ...r, custodian: name, signature: sign(null, statement, key.privateKey).toString('base64'), publicKey: key.publicKeyB64 };
}

/**
 * A development custodian standing for an outside party (the supervision authority, the notary office): its own
 * folder `<ESCROW_CUSTODIANS_DIR>/<name>/` with its own storage key and signing key (generated there, never in the
 * platform's configuration or database), one sealed share file per tender secret, its own clock for the release
 * time, and an append-only release log. In production it is a remote service speaking the same port.
 */
export class FileEscrowCustodian implements EscrowCustodian {
  constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly crypto: CryptoService,
    /** The custodian's clock (its own, not the platform database's). */
    private readonly clock: () => Date = () => new Date(),
    /**
     * A remote custodian's policy (src/custodian/): a move of the release instant earlier is refused when the new
     * instant is less than this many ms after its own clock's now — so a platform that moves the deadline into the past
     * gets no share early. Undefined (in-process): every move is honoured, an earlier one logged.
     */
    private readonly minNoticeForEarlierMs?: number,
  ) {}

  private storageKey(): Buffer {
    return localSecret('storage', this.dir);
  }
  private signingKey() {
    return ed25519FromSeed(localSecret('signing', this.dir));
  }
  /** One file per deposit: `<tender>.<secret>.<depositId>.json`, or `<tender>.<secret>.json` for a legacy deposit. */
  private file(tenderId: string, secretId: string, depositId?: string): string {
    if (!/^[0-9a-f-]{36}$/.test(tenderId) || !SECRET_ID.test(secretId) || (depositId !== undefined && !DEPOSIT_ID.test(depositId))) throw new Error('bad share reference');
    return join(this.dir, 'shares', depositId ? `${tenderId}.${secretId}.${depositId}.json` : `${tenderId}.${secretId}.json`);
  }
  private read(tenderId: string, secretId: string, depositId?: string): { shareIndex: number; notBefore: string; sealed: string } {
    try {
      return JSON.parse(readFileSync(this.file(tenderId, secretId, depositId), 'utf8'));
    } catch (e) {
      // Its folder gone (moved, unmounted, ESCROW_CUSTODIANS_DIR changed): the custodian is not there, which is not
      // "it holds no such share" — a reschedule must not skip it as a secret never deposited.
      if (!existsSync(join(this.dir, 'secrets'))) throw new CustodianRefusal(this.name, 'UNAVAILABLE', `its folder ${this.dir} is missing`);
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new CustodianRefusal(this.name, 'NO_SHARE', `holds no share of ${secretId} for tender ${tenderId}${depositId ? ` (deposit ${depositId})` : ''}`);
      }
      throw new CustodianRefusal(this.name, 'UNAVAILABLE', (e as Error).message);
    }
  }

  publicKey(): string {
    return this.signingKey().publicKeyB64;
  }

  async deposit(d: ShareDeposit): Promise<void> {
    mkdirSync(join(this.dir, 'shares'), { recursive: true, mode: 0o700 });
    const file = this.file(d.tenderId, d.secretId, d.depositId);
    const sealed = this.crypto.seal(this.storageKey(), d.share, shareAad(this.name, d.tenderId, d.secretId, d.shareIndex, d.depositId));
    // 'wx': a share is never overwritten (a second deposit under the same id is refused). A retried publication
    // deposits under a new id; the rolled-back one's share stays, orphaned, never asked for (its id was not committed).
    writeFileSync(file, JSON.stringify({ shareIndex: d.shareIndex, notBefore: d.notBefore.toISOString(), sealed }), { mode: 0o600, flag: 'wx' });
  }

  async reschedule(tenderId: string, secretId: string, notBefore: Date, reason: string, _m?: EntityManager, depositId?: string): Promise<RescheduleResult> {
    const rec = this.read(tenderId, secretId, depositId);
    const from = new Date(rec.notBefore);
    if (notBefore.getTime() === from.getTime()) return { previous: from };
    if (notBefore < from && this.minNoticeForEarlierMs !== undefined && notBefore.getTime() < this.clock().getTime() + this.minNoticeForEarlierMs) {
      throw new CustodianRefusal(
        this.name,
        'REFUSED',
        `refuses to move the release of ${secretId} of tender ${tenderId} earlier, to ${notBefore.toISOString()}: less than ${this.minNoticeForEarlierMs} ms from now by its clock`,
      );
    }
    if (notBefore < from) {
      // Earlier: honoured, and recorded in the custodian's own log, never silently.
      appendFileSync(
        join(this.dir, 'releases.log'),
        `${JSON.stringify({ event: 'RESCHEDULED_EARLIER', tenderId, secretId, from: rec.notBefore, to: notBefore.toISOString(), reason, at: this.clock().toISOString(), depositId })}\n`,
        { mode: 0o600 },
      );
    }
    writeFileSync(this.file(tenderId, secretId, depositId), JSON.stringify({ ...rec, notBefore: notBefore.toISOString() }), { mode: 0o600 });
    return { previous: from };
  }

  async release(tenderId: string, secretId: string, _m?: EntityManager, depositId?: string): Promise<ShareRelease> {
    const rec = this.read(tenderId, secretId, depositId);
    const now = this.clock();
    if (now.getTime() < new Date(rec.notBefore).getTime()) {
      throw new CustodianRefusal(this.name, 'NOT_YET', `refuses to release ${secretId} of tender ${tenderId} before ${rec.notBefore}`, { notBefore: new Date(rec.notBefore), now });
    }
    const share = this.crypto.unseal(this.storageKey(), rec.sealed, shareAad(this.name, tenderId, secretId, rec.shareIndex, depositId));
    const r = signRelease(this.name, this.signingKey(), { tenderId, secretId, shareIndex: rec.shareIndex, share, notBefore: rec.notBefore, releasedAt: now.toISOString() });
    appendFileSync(join(this.dir, 'releases.log'), `${JSON.stringify({ ...r, depositId, share: undefined })}\n`, { mode: 0o600 });
    return r;
  }
}

/**
 * The platform's own custodian: its share is in the platform database (`escrow_custody_shares`), sealed under
 * SEALING_MASTER_KEY; release time by the database clock. Alone it rebuilds nothing (k ≥ 2).
 */
export class PlatformEscrowCustodian implements EscrowCustodian {
  readonly name = 'platform';
  /** Its shares are rows of the platform's transaction: a rolled-back publication leaves none (no deposit id needed). */
  readonly transactional = true;
  constructor(
    private readonly crypto: CryptoService,
    private readonly sealingKey: () => Buffer,
    private readonly signingSeed: () => Buffer,
    private readonly shares: EscrowCustodySharesRepository,
  ) {}

  publicKey(): string {
    return ed25519FromSeed(this.signingSeed()).publicKeyB64;
  }

  async deposit(d: ShareDeposit, m: EntityManager): Promise<void> {
    const sealed = this.crypto.seal(this.sealingKey(), d.share, shareAad(this.name, d.tenderId, d.secretId, d.shareIndex));
    await this.shares.insert(m, { tenderId: d.tenderId, secretId: d.secretId, custodian: this.name, shareIndex: d.shareIndex, notBefore: d.notBefore, sealedShare: sealed });
  }

  async reschedule(tenderId: string, secretId: string, notBefore: Date, _reason: string, m: EntityManager): Promise<RescheduleResult> {
    await this.shares.setNotBefore(m, tenderId, secretId, this.name, notBefore);
    return {};
  }

  async release(tenderId: string, secretId: string, m: EntityManager): Promise<ShareRelease> {
    const row = await this.shares.find(m, tenderId, secretId, this.name);
    if (!row) throw new CustodianRefusal(this.name, 'NO_SHARE', `holds no share of ${secretId} for tender ${tenderId}`);
    const { now, notBefore } = row;
    if (now < notBefore)
      throw new CustodianRefusal(this.name, 'NOT_YET', `refuses to release ${secretId} of tender ${tenderId} before ${notBefore.toISOString()}`, { notBefore, now });
    const share = this.crypto.unseal(this.sealingKey(), row.sealedShare, shareAad(this.name, tenderId, secretId, row.shareIndex));
    return signRelease(this.name, ed25519FromSeed(this.signingSeed()), {
      tenderId,
      secretId,
      shareIndex: row.shareIndex,
      share,
      notBefore: notBefore.toISOString(),
      releasedAt: now.toISOString(),
    });
  }
}
