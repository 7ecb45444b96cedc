import { Inject, Injectable, Logger } from '@nestjs/common';
import { createPublicKey, randomBytes, verify } from 'crypto';
import { combine, split } from 'shamir-secret-sharing';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { AppConfig } from 'src/infra/config/app-config';
import { AuditService } from '../audit/audit.service';
import { AuditEventsRepository } from '../audit/audit-events.repository';
import { CustodianRefusal, ESCROW_CUSTODIANS, EscrowCustodian, releaseStatement, SECRET_ID, ShareRelease, shareSha256 } from './escrow-custodian';
import { CustodyException } from './custody.exception';

/**
 * Checks a custodian's release signature with the public key it carries (compare that key with the one announced in
 * ESCROW_SHARES_DEPOSITED). `shareHash`: the share's SHA-256 when the share itself is not at hand (audit events).
 */
export function verifyRelease(r: ShareRelease, shareHash = shareSha256(r.share)): boolean {
  const key = createPublicKey({ key: Buffer.from(r.publicKey, 'base64'), format: 'der', type: 'spki' });
  return verify(null, releaseStatement({ ...r, shareSha256: shareHash }), key, Buffer.from(r.signature, 'base64'));
}

/** A custodian outside the transaction that accepted a reschedule (to be moved back if a later one refuses). */
interface Accepted {
  custodian: EscrowCustodian;
  secretId: string;
  depositId?: string;
  previous?: Date;
}

/**
 * Threshold escrow of tender secrets (issue 17): a secret (the escrow private key, the identity key, a draw seed) is
 * split k-of-n with Shamir's scheme over GF(256) (`shamir-secret-sharing`, independently audited) among the
 * custodians — the platform, the supervision authority, the notary office — and never stored whole. Rebuilding it
 * takes k released shares; each custodian decides the release by its own clock and signs it (Ed25519), and every
 * release is an audit event carrying that signature. With its own share alone (database + environment) the
 * platform rebuilds nothing.
 */
@Injectable()
export class ThresholdEscrowService {
  private readonly logger = new Logger(ThresholdEscrowService.name);

  constructor(
    @Inject(ESCROW_CUSTODIANS) private readonly custodians: EscrowCustodian[],
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly auditEvents: AuditEventsRepository,
  ) {}

  get threshold(): number {
    return Math.min(this.config.escrowThreshold, this.custodians.length);
  }

  /**
   * Splits `secret` and gives custodian i share i, inside the caller's transaction (audited). Each call is a new
   * deposit with its own id, recorded in the ESCROW_SHARES_DEPOSITED event: when the caller's transaction rolls back
   * (a later step fails, the process dies), the event goes with it and the outside custodians' shares are orphaned —
   * never asked for, never overwritten — so the retry deposits anew, and a deposit can never replace the share the
   * tender uses.
   */
  async deposit(m: EntityManager, input: { tenderId: string; secretId: string; secret: Buffer; notBefore: Date; actor: Actor }): Promise<void> {
    if (!SECRET_ID.test(input.secretId)) throw new Error(`bad secret id ${input.secretId}`);
    const depositId = randomBytes(16).toString('hex');
    const shares = await split(new Uint8Array(input.secret), this.custodians.length, this.threshold);
    const deposited: Array<{ custodian: string; shareIndex: number; publicKey: string; shareSha256: string }> = [];
    try {
      for (let i = 0; i < this.custodians.length; i++) {
        const c = this.custodians[i];
        const share = Buffer.from(shares[i]);
        await c.deposit({ tenderId: input.tenderId, secretId: input.secretId, depositId, shareIndex: i + 1, share, notBefore: input.notBefore }, m);
        deposited.push({ custodian: c.name, shareIndex: i + 1, publicKey: c.publicKey(), shareSha256: shareSha256(share) });
        share.fill(0);
      }
    } finally {
      for (const s of shares) s.fill(0);
    }
    await this.audit.append(m, {
      actor: input.actor,
      action: 'ESCROW_SHARES_DEPOSITED',
      objectType: 'tender',
      objectId: input.tenderId,
      tenderId: input.tenderId,
      data: { secretId: input.secretId, depositId, threshold: this.threshold, notBefore: input.notBefore.toISOString(), custodians: deposited },
    });
  }

  /**
   * The deadline moved: every custodian moves the release instant of the deposit the tender uses (audited; an earlier
   * move is logged by each). All or none: when a custodian refuses or cannot be reached, the ones that had accepted
   * are moved back to the instant each had before (compensation, best effort, logged) and the caller's transaction
   * rolls back. Why that is safe in both directions (docs/SECURITY.md, "Threshold escrow" › "Rescheduling"): a
   * custodian left LATER than the platform only delays the opening (it refuses until its instant; the retry of the
   * same move re-aligns it); a custodian left EARLIER could release early, so an earlier move's compensation is a
   * move later, which no custodian's policy refuses — only an unreachable custodian stays early, logged as an error
   * (and it alone, below the threshold, rebuilds nothing). The platform's own custodian is in the transaction.
   */
  async reschedule(m: EntityManager, input: { tenderId: string; secretIds: string[]; notBefore: Date; reason: string; actor: Actor }): Promise<void> {
    const moved: string[] = [];
    const accepted: Accepted[] = [];
    let secretId = '';
    try {
      for (secretId of input.secretIds) {
        const depositId = await this.auditEvents.escrowDepositId(m, input.tenderId, secretId);
        let held = false;
        for (const c of this.custodians) {
          try {
            const { previous } = await c.reschedule(input.tenderId, secretId, input.notBefore, input.reason, m, depositId);
            held = true;
            if (!c.transactional) accepted.push({ custodian: c, secretId, depositId, previous });
          } catch (e) {
            if (e instanceof CustodianRefusal && e.reason === 'NO_SHARE') continue; // a secret never deposited (older tender)
            throw e;
          }
        }
        if (held) moved.push(secretId);
      }
    } catch (e) {
      const compensation = await this.compensate(m, input, accepted);
      if (e instanceof CustodianRefusal) {
        // Every custodian must know the new instant (a postponed deadline not known to one would let it release early).
        throw CustodyException.rescheduleRefused(e.message, e.reason === 'UNAVAILABLE', {
          custodian: e.custodian,
          reason: e.reason,
          secretId,
          notBefore: input.notBefore.toISOString(),
          ...compensation,
        });
      }
      throw e;
    }
    if (!moved.length) return;
    await this.audit.append(m, {
      actor: input.actor,
      action: 'ESCROW_RELEASE_RESCHEDULED',
      objectType: 'tender',
      objectId: input.tenderId,
      tenderId: input.tenderId,
      data: { secretIds: moved, notBefore: input.notBefore.toISOString(), reason: input.reason },
    });
  }

  /**
   * A reschedule failed part-way: the custodians (outside the transaction) that accepted the new instant are moved
   * back to their previous one, in reverse order. Best effort: a failure is logged (an error when the custodian is
   * left earlier than the platform) and reported in the refusal's details.
   */
  private async compensate(
    m: EntityManager,
    input: { tenderId: string; notBefore: Date; reason: string },
    accepted: Accepted[],
  ): Promise<{ restored: string[]; notRestored: string[] }> {
    const restored: string[] = [];
    const notRestored: string[] = [];
    for (const a of [...accepted].reverse()) {
      const what = `${a.custodian.name}/${a.secretId}`;
      const leftEarlier = !a.previous || input.notBefore < a.previous;
      try {
        if (!a.previous) throw new Error('it did not say its previous instant');
        await a.custodian.reschedule(input.tenderId, a.secretId, a.previous, `ROLLBACK ${input.reason}`.slice(0, 200), m, a.depositId);
        restored.push(what);
        this.logger.warn(`reschedule of tender ${input.tenderId} rolled back: ${what} moved back to ${a.previous.toISOString()}`);
      } catch (e) {
        notRestored.push(what);
        const msg = `reschedule of tender ${input.tenderId} rolled back, but ${what} keeps ${input.notBefore.toISOString()} (not restored to ${a.previous?.toISOString() ?? '?'}: ${(e as Error).message})`;
        if (leftEarlier) this.logger.error(`${msg}: it may release EARLIER than the platform's deadline`);
        else this.logger.warn(`${msg}: later than the platform's deadline (it delays the opening only; retry the move)`);
      }
    }
    return { restored, notRestored };
  }

  /** True when the secret was deposited with the custodians (tenders published before threshold escrow: false). */
  async isDeposited(m: EntityManager, tenderId: string, secretId: string): Promise<boolean> {
    return this.auditEvents.escrowDeposited(m, tenderId, secretId);
  }

  /**
   * Asks the custodians, in order, for their shares until k are released (each release audited with its signature),
   * then rebuilds the secret. `check` tells a right secret from a wrong one (e.g. the escrow public key matches).
   * Fewer than k releases: 403 SEALED_UNTIL_OPENING when a custodian said "not yet", else 503.
   */
  async reconstruct(m: EntityManager, input: { tenderId: string; secretId: string; actor: Actor; check: (secret: Buffer) => boolean }): Promise<Buffer> {
    const k = this.threshold;
    const released: ShareRelease[] = [];
    const refused: Array<{ custodian: string; reason: string }> = [];
    // The deposit the tender uses (its committed audit event); an orphaned deposit of a rolled-back publication is never asked for.
    const depositId = await this.auditEvents.escrowDepositId(m, input.tenderId, input.secretId);
    for (const c of this.custodians) {
      if (released.length >= k) break;
      try {
        const r = await c.release(input.tenderId, input.secretId, m, depositId);
        if (r.custodian !== c.name || r.publicKey !== c.publicKey() || !verifyRelease(r)) {
          refused.push({ custodian: c.name, reason: 'BAD_SIGNATURE' });
          continue;
        }
        released.push(r);
        await this.audit.append(m, {
          actor: input.actor,
          action: 'ESCROW_SHARE_RELEASED',
          objectType: 'tender',
          objectId: input.tenderId,
          tenderId: input.tenderId,
          data: {
            secretId: r.secretId,
            custodian: r.custodian,
            shareIndex: r.shareIndex,
            notBefore: r.notBefore,
            releasedAt: r.releasedAt,
            shareSha256: shareSha256(r.share),
            signature: r.signature,
            publicKey: r.publicKey,
          },
        });
      } catch (e) {
        if (!(e instanceof CustodianRefusal)) this.logger.warn(`custodian ${c.name} failed: ${(e as Error).message}`);
        refused.push({ custodian: c.name, reason: e instanceof CustodianRefusal ? e.reason : 'UNAVAILABLE' });
      }
    }
    try {
      if (released.length < k) {
        const details = { secretId: input.secretId, threshold: k, released: released.map((r) => r.custodian), refused };
        if (refused.some((r) => r.reason === 'NOT_YET')) throw CustodyException.notYet(details);
        throw CustodyException.thresholdNotMet(`Only ${released.length} of the ${k} shares needed were released`, details);
      }
      const secret = Buffer.from(await combine(released.map((r) => new Uint8Array(r.share))));
      if (!input.check(secret)) {
        secret.fill(0);
        throw CustodyException.thresholdNotMet('The released shares do not rebuild the committed secret', { secretId: input.secretId });
      }
      return secret;
    } finally {
      for (const r of released) r.share.fill(0);
    }
  }
}
