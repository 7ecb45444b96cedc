import { Inject, Injectable, Logger } from '@nestjs/common';
import { createPublicKey, verify } from 'crypto';
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

  /** Splits `secret` and gives custodian i share i, inside the caller's transaction (audited). */
  async deposit(m: EntityManager, input: { tenderId: string; secretId: string; secret: Buffer; notBefore: Date; actor: Actor }): Promise<void> {
    if (!SECRET_ID.test(input.secretId)) throw new Error(`bad secret id ${input.secretId}`);
    const shares = await split(new Uint8Array(input.secret), this.custodians.length, this.threshold);
    const deposited: Array<{ custodian: string; shareIndex: number; publicKey: string; shareSha256: string }> = [];
    try {
      for (let i = 0; i < this.custodians.length; i++) {
        const c = this.custodians[i];
        const share = Buffer.from(shares[i]);
        await c.deposit({ tenderId: input.tenderId, secretId: input.secretId, shareIndex: i + 1, share, notBefore: input.notBefore }, m);
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
      data: { secretId: input.secretId, threshold: this.threshold, notBefore: input.notBefore.toISOString(), custodians: deposited },
    });
  }

  /** The deadline moved: every custodian moves the release instant (audited; an earlier move is logged by each). */
  async reschedule(m: EntityManager, input: { tenderId: string; secretIds: string[]; notBefore: Date; reason: string; actor: Actor }): Promise<void> {
    const moved: string[] = [];
    for (const secretId of input.secretIds) {
      let held = false;
      for (const c of this.custodians) {
        await c.reschedule(input.tenderId, secretId, input.notBefore, input.reason, m).then(
          () => (held = true),
          (e) => {
            if (e instanceof CustodianRefusal && e.reason === 'NO_SHARE') return; // a secret never deposited (older tender)
            if (e instanceof CustodianRefusal) {
              // Every custodian must know the new instant (a postponed deadline not known to one would let it release early).
              throw CustodyException.rescheduleRefused(e.message, e.reason === 'UNAVAILABLE', {
                custodian: e.custodian,
                reason: e.reason,
                secretId,
                notBefore: input.notBefore.toISOString(),
              });
            }
            throw e;
          },
        );
      }
      if (held) moved.push(secretId);
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
    for (const c of this.custodians) {
      if (released.length >= k) break;
      try {
        const r = await c.release(input.tenderId, input.secretId, m);
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
