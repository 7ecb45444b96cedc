import { randomBytes, randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { type AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { type AuditService } from '../../audit/audit.service';
import { type AuditEventsRepository } from '../../audit/audit-events.repository';
import { CustodianRefusal, type EscrowCustodian } from '../escrow-custodian';
import { FileEscrowCustodian } from '../local-custodians';
import { ThresholdEscrowService } from '../threshold-escrow.service';

interface Event {
  action: string;
  data: Record<string, unknown>;
}

/**
 * ThresholdEscrowService with development custodians on temporary folders and a fake audit log whose "transaction"
 * the test commits or rolls back: a publication retried after a rollback, and a reschedule refused part-way.
 */
describe('ThresholdEscrowService (deposit ids, reschedule compensation)', () => {
  const m = {} as EntityManager;
  const tenderId = randomUUID();
  let dir: string;
  let now: Date;
  let committed: Event[];
  let pending: Event[];
  let service: ThresholdEscrowService;
  let custodians: EscrowCustodian[];

  const file = (name: string, minNoticeForEarlierMs?: number) => new FileEscrowCustodian(name, join(dir, name), new CryptoService(), () => now, minNoticeForEarlierMs);
  const make = (cs: EscrowCustodian[]) => {
    custodians = cs;
    const audit = { append: async (_m: EntityManager, e: Event) => void pending.push(e) } as unknown as AuditService;
    const auditEvents = {
      escrowDepositId: async (_m: EntityManager, t: string, secretId: string) =>
        [...committed].reverse().find((e) => e.action === 'ESCROW_SHARES_DEPOSITED' && e.data.secretId === secretId && t === tenderId)?.data.depositId as string | undefined,
    } as unknown as AuditEventsRepository;
    service = new ThresholdEscrowService(cs, { escrowThreshold: 2 } as AppConfig, audit, auditEvents);
  };
  /** Runs `fn` as the platform's transaction: its audit events are kept only when it succeeds. */
  const tx = async <T>(fn: () => Promise<T>): Promise<T> => {
    pending = [];
    const r = await fn();
    committed.push(...pending);
    return r;
  };
  const rolledBack = async (fn: () => Promise<unknown>) => {
    pending = [];
    await fn();
    pending = []; // a later step of the publication failed: the transaction (and its audit events) rolled back
  };
  const notBeforeOf = (name: string, secretId = 'escrow-key') => {
    const depositId = [...committed].reverse().find((e) => e.action === 'ESCROW_SHARES_DEPOSITED' && e.data.secretId === secretId)?.data.depositId;
    return JSON.parse(readFileSync(join(dir, name, 'shares', `${tenderId}.${secretId}${depositId ? `.${depositId}` : ''}.json`), 'utf8')).notBefore;
  };
  const deadline = new Date('2026-12-10T02:00:00.000Z');

  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'threshold-escrow-'));
    now = new Date('2026-12-09T00:00:00.000Z');
    committed = [];
    pending = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a publication rolled back after the deposit is retried: a new deposit, the orphan never used; the opening rebuilds the committed secret', async () => {
    make([file('a'), file('b'), file('c')]);
    const orphan = randomBytes(32);
    const secret = randomBytes(32);
    await rolledBack(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret: orphan, notBefore: deadline, actor: SYSTEM_ACTOR }));
    await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret, notBefore: deadline, actor: SYSTEM_ACTOR }));
    const [dep] = committed;
    expect(dep.data.depositId).toMatch(/^[0-9a-f]{32}$/);
    now = deadline;
    const rebuilt = await tx(() => service.reconstruct(m, { tenderId, secretId: 'escrow-key', actor: SYSTEM_ACTOR, check: (s) => s.equals(secret) }));
    expect(rebuilt.equals(secret)).toBe(true);
    expect(committed.filter((e) => e.action === 'ESCROW_SHARE_RELEASED')).toHaveLength(2);
  });

  it('shares deposited before deposit ids (no id in the event) are still released (legacy lookup)', async () => {
    make([file('a'), file('b'), file('c')]);
    const secret = randomBytes(32);
    const { split } = await import('shamir-secret-sharing');
    const shares = await split(new Uint8Array(secret), 3, 2);
    for (let i = 0; i < 3; i++) await custodians[i].deposit({ tenderId, secretId: 'identity-key', shareIndex: i + 1, share: Buffer.from(shares[i]), notBefore: deadline }, m);
    committed.push({ action: 'ESCROW_SHARES_DEPOSITED', data: { secretId: 'identity-key', threshold: 2 } });
    await expect(service.reconstruct(m, { tenderId, secretId: 'identity-key', actor: SYSTEM_ACTOR, check: () => true })).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
    now = deadline;
    const rebuilt = await service.reconstruct(m, { tenderId, secretId: 'identity-key', actor: SYSTEM_ACTOR, check: (s) => s.equals(secret) });
    expect(rebuilt.equals(secret)).toBe(true);
    // A reschedule finds the legacy share too.
    const later = new Date(deadline.getTime() + 60_000);
    await tx(() => service.reschedule(m, { tenderId, secretIds: ['identity-key'], notBefore: later, reason: 'SUSPENSION', actor: SYSTEM_ACTOR }));
    expect(notBeforeOf('b', 'identity-key')).toBe(later.toISOString());
  });

  it('an earlier move refused by a later custodian: the ones that accepted are moved back (later), the refusal says so', async () => {
    make([file('a'), file('b'), file('c', 3_600_000)]); // c refuses a move earlier than an hour from its now
    await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret: randomBytes(32), notBefore: deadline, actor: SYSTEM_ACTOR }));
    const earlier = new Date(now.getTime() + 60_000);
    const err = await service.reschedule(m, { tenderId, secretIds: ['escrow-key'], notBefore: earlier, reason: 'AMENDMENT', actor: SYSTEM_ACTOR }).catch((e) => e);
    expect(err).toMatchObject({
      code: 'ESCROW_RESCHEDULE_REFUSED',
      status: 409,
      details: { custodian: 'c', reason: 'REFUSED', restored: ['b/escrow-key', 'a/escrow-key'], notRestored: [] },
    });
    for (const c of ['a', 'b', 'c']) expect(notBeforeOf(c)).toBe(deadline.toISOString());
    // Their own logs keep both moves.
    expect(readFileSync(join(dir, 'a', 'releases.log'), 'utf8')).toContain('RESCHEDULED_EARLIER');
  });

  it('a later move with one custodian unreachable: the ones that accepted go back to their instant; one that cannot be reached is reported, not hidden', async () => {
    const down: EscrowCustodian = {
      name: 'down',
      publicKey: () => 'x',
      deposit: async () => undefined,
      reschedule: async () => {
        throw new CustodianRefusal('down', 'UNAVAILABLE', 'not reached');
      },
      release: async () => {
        throw new CustodianRefusal('down', 'UNAVAILABLE', 'not reached');
      },
    };
    make([file('a'), file('b'), down]);
    await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret: randomBytes(32), notBefore: deadline, actor: SYSTEM_ACTOR }));
    const later = new Date(deadline.getTime() + 86_400_000);
    await expect(service.reschedule(m, { tenderId, secretIds: ['escrow-key'], notBefore: later, reason: 'SUSPENSION', actor: SYSTEM_ACTOR })).rejects.toMatchObject({
      code: 'ESCROW_RESCHEDULE_REFUSED',
      status: 503,
      details: { custodian: 'down', restored: ['b/escrow-key', 'a/escrow-key'] },
    });
    expect([notBeforeOf('a'), notBeforeOf('b')]).toEqual([deadline.toISOString(), deadline.toISOString()]);
    expect(pending.filter((e) => e.action === 'ESCROW_RELEASE_RESCHEDULED')).toEqual([]);

    // An earlier move where a custodian that accepted cannot be reached for the compensation: logged as an error.
    const flaky = file('b');
    let calls = 0;
    const b: EscrowCustodian = {
      name: 'b',
      publicKey: () => flaky.publicKey(),
      deposit: (d) => flaky.deposit(d),
      release: (t, s, mm, id) => flaky.release(t, s, mm, id),
      reschedule: async (...args) => {
        if (++calls > 1) throw new CustodianRefusal('b', 'UNAVAILABLE', 'gone');
        return flaky.reschedule(...args);
      },
    };
    make([file('a'), b, file('c', 3_600_000)]);
    await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret: randomBytes(32), notBefore: deadline, actor: SYSTEM_ACTOR }));
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const earlier = new Date(now.getTime() + 60_000);
    await expect(service.reschedule(m, { tenderId, secretIds: ['escrow-key'], notBefore: earlier, reason: 'AMENDMENT', actor: SYSTEM_ACTOR })).rejects.toMatchObject({
      details: { custodian: 'c', restored: ['a/escrow-key'], notRestored: ['b/escrow-key'] },
    });
    expect(error).toHaveBeenCalledWith(expect.stringContaining('b/escrow-key keeps'));
    expect(error.mock.calls[0][0]).toContain('EARLIER');
    error.mockRestore();
  });

  it("the platform's own custodian (in the transaction) is not compensated; a secret never deposited is skipped", async () => {
    const moves: string[] = [];
    const platform: EscrowCustodian = {
      name: 'platform',
      transactional: true,
      publicKey: () => 'x',
      deposit: async () => undefined,
      reschedule: async (_t, s, nb) => {
        moves.push(`${s}@${nb.toISOString()}`);
        return {};
      },
      release: async () => {
        throw new CustodianRefusal('platform', 'NO_SHARE', 'none');
      },
    };
    make([platform, file('b'), file('c', 3_600_000)]);
    await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret: randomBytes(32), notBefore: deadline, actor: SYSTEM_ACTOR }));
    const earlier = new Date(now.getTime() + 60_000);
    await expect(service.reschedule(m, { tenderId, secretIds: ['draw-seed', 'escrow-key'], notBefore: earlier, reason: 'AMENDMENT', actor: SYSTEM_ACTOR })).rejects.toMatchObject({
      details: { restored: ['b/escrow-key'], notRestored: [] },
    });
    expect(moves).toEqual([`draw-seed@${earlier.toISOString()}`, `escrow-key@${earlier.toISOString()}`]); // once each: rolled back with the transaction
  });
});
