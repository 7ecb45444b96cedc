import { Inject, Injectable, Logger } from '@nestjs/common';
import { createPublicKey, randomBytes, verify } from 'crypto';
import { combine, split } from 'shamir-secret-sharing';
import { setTimeout as sleep } from 'timers/promises';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { AppConfig } from 'src/infra/config/app-config';
import { runOnRollback } from 'src/infra/database/after-commit';
import { AuditService } from '../audit/audit.service';
import { AuditEventsRepository } from '../audit/audit-events.repository';
import { CustodianRefusal, ESCROW_CUSTODIANS, EscrowCustodian, NotYetClock, releaseStatement, SECRET_ID, ShareRelease, shareSha256 } from './escrow-custodian';
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

/** A custodian that did not release, and why (NOT_YET: with its instant and its clock when it said so). */
interface Refused {
  custodian: string;
  reason: string;
  clock?: NotYetClock;
}

/** The default bound on the clock skew waited out at the deadline instant (ESCROW_CLOCK_SKEW_MS). */
export const DEFAULT_CLOCK_SKEW_MS = 2_000;
/** Asked again this long after its instant by its clock (its clock runs on while the answer travels). */
const RETRY_MARGIN_MS = 20;
/** The wait between two asks of a custodian that said "not yet" without saying its clock. */
const RETRY_STEP_MS = 250;

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
    const noShare: string[] = [];
    let secretId = '';
    try {
      for (secretId of input.secretIds) {
        const deposited = await this.auditEvents.escrowDeposited(m, input.tenderId, secretId);
        const depositId = deposited ? await this.auditEvents.escrowDepositId(m, input.tenderId, secretId) : undefined;
        let held = false;
        for (const c of this.custodians) {
          // A secret never deposited (an older tender): no outside custodian has it (its deposit event commits with the deposit).
          if (!deposited && !c.transactional) continue;
          try {
            const { previous } = await c.reschedule(input.tenderId, secretId, input.notBefore, input.reason, m, depositId);
            held = true;
            if (!c.transactional) accepted.push({ custodian: c, secretId, depositId, previous });
          } catch (e) {
            if (!(e instanceof CustodianRefusal && e.reason === 'NO_SHARE')) throw e;
            if (!deposited) continue;
            // Deposited, yet it holds no share: lost (its folder or its files). It can release nothing, so it cannot release
            // early either: the move goes on without it — an alert, and named in the audit event, never skipped silently.
            noShare.push(`${c.name}/${secretId}`);
            this.logger.error(
              `ALERT custodian ${c.name} holds no share of ${secretId} of tender ${input.tenderId} deposited with it: the release instant is not moved there; it cannot release that share`,
            );
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
    // Every custodian accepted; the platform's transaction may still fail after this (a later step of the amendment or
    // suspension): then the custodians outside it are moved back to their previous instant, as for a refusal. Why the
    // move is made here, before the commit, and compensated on rollback rather than made after the commit: a custodian
    // that refuses the move (a move earlier into its past, or it is down) must fail the deadline move itself — after
    // the commit the platform would hold a deadline some custodian does not. The compensation then goes the safe way
    // for a postponement (back earlier: refused at worst, the custodian stays later, which only delays), and for a move
    // earlier it moves them back later (never refused); only a custodian unreachable for it, or a process that dies
    // between the custodians' acceptance and the rollback, leaves one earlier than the platform — logged as an error
    // here, in its own releases.log there, docs/SECURITY.md "What remains".
    if (accepted.length) await runOnRollback(m, () => this.compensate(m, { ...input, reason: `${input.reason} (platform transaction rolled back)` }, accepted));
    if (!moved.length) return;
    await this.audit.append(m, {
      actor: input.actor,
      action: 'ESCROW_RELEASE_RESCHEDULED',
      objectType: 'tender',
      objectId: input.tenderId,
      tenderId: input.tenderId,
      data: { secretIds: moved, notBefore: input.notBefore.toISOString(), reason: input.reason, ...(noShare.length ? { noShare } : {}) },
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
   * Fewer than k releases: 403 SEALED_UNTIL_OPENING when a custodian said "not yet" and the platform's own instant
   * has not passed either (or a custodian holds a later instant), else 503.
   *
   * The deadline instant: the platform's custodian releases by the database clock, the others by their own. When
   * the database says the instant has passed (the platform released) and a custodian with the same or an earlier
   * instant says "not yet", its clock is behind the database's: it is asked again once its instant has come by its
   * clock, waiting at most ESCROW_CLOCK_SKEW_MS (default 2 s) in all; beyond that, 503 CUSTODIANS_NOT_READY (a
   * custodian's clock far behind, not a sealed tender). Before the deadline nothing waits: every custodian refuses.
   */
  async reconstruct(m: EntityManager, input: { tenderId: string; secretId: string; actor: Actor; check: (secret: Buffer) => boolean }): Promise<Buffer> {
    const k = this.threshold;
    const released: ShareRelease[] = [];
    // The deposit the tender uses (its committed audit event); an orphaned deposit of a rolled-back publication is never asked for.
    const depositId = await this.auditEvents.escrowDepositId(m, input.tenderId, input.secretId);
    try {
      const behind = await this.waitOutClockSkew(m, input, depositId, released, await this.ask(m, input, depositId, this.custodians, released, k), k);
      const refused = behind.refused;
      if (released.length < k) {
        const details = { secretId: input.secretId, threshold: k, released: released.map((r) => r.custodian), refused: refused.map(refusedView) };
        if (behind.custodians.length) throw CustodyException.custodiansNotReady(behind.custodians, details);
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

  /** Asks `custodians` in order until `released` holds k shares (each release checked and audited); returns the refusals. */
  private async ask(
    m: EntityManager,
    input: { tenderId: string; secretId: string; actor: Actor },
    depositId: string | undefined,
    custodians: EscrowCustodian[],
    released: ShareRelease[],
    k: number,
  ): Promise<Refused[]> {
    const refused: Refused[] = [];
    for (const c of custodians) {
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
        refused.push({ custodian: c.name, reason: e instanceof CustodianRefusal ? e.reason : 'UNAVAILABLE', clock: e instanceof CustodianRefusal ? e.clock : undefined });
      }
    }
    return refused;
  }

  /**
   * Fewer than k released although the database clock says the release instant has passed (the platform's own
   * custodian, in the transaction, released at its instant): the custodians that said "not yet" for that instant or
   * an earlier one are behind the database's clock. Waits until the instant has come by their clocks (as each said
   * it) and asks them again, within the skew bound. Returns the refusals left and the custodians still behind
   * (non-empty: CUSTODIANS_NOT_READY). A custodian holding a LATER instant than the platform (a DBA moved the
   * platform's, a postponement it kept) is not waited for: it refuses by its instant, SEALED_UNTIL_OPENING as before.
   */
  private async waitOutClockSkew(
    m: EntityManager,
    input: { tenderId: string; secretId: string; actor: Actor },
    depositId: string | undefined,
    released: ShareRelease[],
    refused: Refused[],
    k: number,
  ): Promise<{ refused: Refused[]; custodians: Array<{ custodian: string; notBefore?: string; clock?: string; behindMs?: number }> }> {
    const platform = released.find((r) => this.custodians.find((c) => c.name === r.custodian)?.transactional);
    if (released.length >= k || !platform) return { refused, custodians: [] };
    const instant = new Date(platform.notBefore).getTime(); // passed by the database clock: the platform released
    const isBehind = (r: Refused) => r.reason === 'NOT_YET' && (!r.clock || r.clock.notBefore.getTime() <= instant);
    const bound = this.config.escrowClockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    const started = Date.now();
    for (;;) {
      const waiting = refused.filter(isBehind);
      const needed = k - released.length;
      if (needed <= 0 || waiting.length < needed) break; // too few could still release: waiting would not help
      // How long until the needed-th of them reaches its instant by its own clock (unknown: a short step).
      const waits = waiting.map((r) => (r.clock ? Math.max(0, r.clock.notBefore.getTime() - r.clock.now.getTime()) + RETRY_MARGIN_MS : RETRY_STEP_MS)).sort((a, b) => a - b);
      const wait = waits[needed - 1];
      if (Date.now() - started + wait > bound) break;
      this.logger.warn(
        `custodians ${waiting.map((r) => r.custodian).join(', ')} are behind the database clock for ${input.secretId} of tender ${input.tenderId}: asked again in ${wait} ms`,
      );
      await sleep(wait);
      const again = this.custodians.filter((c) => waiting.some((r) => r.custodian === c.name));
      const answers = await this.ask(m, input, depositId, again, released, k);
      refused = [...refused.filter((r) => !again.some((c) => c.name === r.custodian)), ...answers];
    }
    const stillBehind = refused.filter(isBehind);
    // Not ready: enough custodians would release once their clocks reach the instant (fewer: the threshold is not met).
    const custodians = released.length < k && stillBehind.length >= k - released.length ? stillBehind : [];
    return {
      refused,
      custodians: custodians.map((r) => ({
        custodian: r.custodian,
        notBefore: r.clock?.notBefore.toISOString(),
        clock: r.clock?.now.toISOString(),
        behindMs: r.clock ? r.clock.notBefore.getTime() - r.clock.now.getTime() : undefined,
      })),
    };
  }
}

/** A refusal as shown in an error's details. */
function refusedView(r: Refused): { custodian: string; reason: string; notBefore?: string } {
  return { custodian: r.custodian, reason: r.reason, ...(r.clock ? { notBefore: r.clock.notBefore.toISOString() } : {}) };
}
