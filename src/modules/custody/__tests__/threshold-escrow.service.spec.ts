import { randomBytes, randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { type AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { AfterCommitSubscriber } from 'src/infra/database/after-commit';
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
  let skewMs = 2_000;

  const file = (name: string, minNoticeForEarlierMs?: number) => new FileEscrowCustodian(name, join(dir, name), new CryptoService(), () => now, minNoticeForEarlierMs);
  const make = (cs: EscrowCustodian[]) => {
    custodians = cs;
    const audit = { append: async (_m: EntityManager, e: Event) => void pending.push(e) } as unknown as AuditService;
    const deposit = (t: string, secretId: string) => [...committed].reverse().find((e) => e.action === 'ESCROW_SHARES_DEPOSITED' && e.data.secretId === secretId && t === tenderId);
    const auditEvents = {
      escrowDeposited: async (_m: EntityManager, t: string, secretId: string) => !!deposit(t, secretId),
      escrowDepositId: async (_m: EntityManager, t: string, secretId: string) => deposit(t, secretId)?.data.depositId as string | undefined,
    } as unknown as AuditEventsRepository;
    service = new ThresholdEscrowService(cs, { escrowThreshold: 2, escrowClockSkewMs: skewMs } as AppConfig, audit, auditEvents);
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
  /** The platform's own custodian stand-in: in the transaction, released by the "database" clock (the real one here). */
  const platformOf = (inner: FileEscrowCustodian): EscrowCustodian => ({
    name: 'platform',
    transactional: true,
    publicKey: () => inner.publicKey(),
    deposit: (d) => inner.deposit(d),
    reschedule: (t, s, nb, r, mm, id) => inner.reschedule(t, s, nb, r, mm, id),
    release: (t, s, mm, id) => inner.release(t, s, mm, id),
  });

  describe('the deadline instant: custodians whose clocks are behind the database clock', () => {
    let lag: number;
    const secret = randomBytes(32);
    const behind = () => new Date(Date.now() - lag);
    const rebuild = () => tx(() => service.reconstruct(m, { tenderId, secretId: 'escrow-key', actor: SYSTEM_ACTOR, check: (x) => x.equals(secret) }));
    const setUp = async (instant: Date) => {
      const crypto = new CryptoService();
      make([
        platformOf(new FileEscrowCustodian('platform', join(dir, 'platform'), crypto, () => new Date())),
        new FileEscrowCustodian('b', join(dir, 'b'), crypto, behind),
        new FileEscrowCustodian('c', join(dir, 'c'), crypto, behind),
      ]);
      await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret, notBefore: instant, actor: SYSTEM_ACTOR }));
    };
    beforeEach(() => {
      lag = 0;
      skewMs = 2_000;
    });

    it('a few hundred ms behind: asked again once their instant has come by their clocks, the secret rebuilt', async () => {
      const instant = new Date(Date.now() - 1); // passed by the platform's (the database's) clock
      await setUp(instant);
      lag = Date.now() - instant.getTime() + 400; // their clocks read 400 ms before the instant
      const t0 = Date.now();
      expect((await rebuild()).equals(secret)).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(350); // it waited for them
      const releases = committed.filter((e) => e.action === 'ESCROW_SHARE_RELEASED').map((e) => e.data);
      expect(releases.map((r) => r.custodian)).toEqual(['platform', 'b']);
      expect(new Date(releases[1].releasedAt as string).getTime()).toBeGreaterThanOrEqual(instant.getTime()); // by its own clock, never before
    });

    it('further behind than the bound: 503 CUSTODIANS_NOT_READY at once (no wait), naming them; within a larger bound, waited for', async () => {
      const instant = new Date(Date.now() - 1);
      await setUp(instant);
      lag = Date.now() - instant.getTime() + 60_000;
      const t0 = Date.now();
      const err = await rebuild().catch((e) => e);
      expect(err).toMatchObject({
        code: 'CUSTODIANS_NOT_READY',
        status: 503,
        details: {
          released: ['platform'],
          refused: [
            { custodian: 'b', reason: 'NOT_YET' },
            { custodian: 'c', reason: 'NOT_YET' },
          ],
          behind: [{ custodian: 'b' }, { custodian: 'c' }],
        },
      });
      expect(err.details.behind[0].behindMs).toBeGreaterThan(59_000);
      expect(Date.now() - t0).toBeLessThan(1_000);
      // 2.5 s behind, the default bound (2 s): not ready; a bound of 4 s waits it out.
      lag = Date.now() - instant.getTime() + 2_500;
      await expect(rebuild()).rejects.toMatchObject({ code: 'CUSTODIANS_NOT_READY' });
      skewMs = 4_000;
      make(custodians);
      expect((await rebuild()).equals(secret)).toBe(true);
    }, 20_000);

    it('before the instant nothing waits (SEALED_UNTIL_OPENING); a custodian holding a LATER instant than the platform is not waited for either', async () => {
      const instant = new Date(Date.now() + 60_000);
      await setUp(instant);
      let t0 = Date.now();
      await expect(rebuild()).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING', status: 403 });
      expect(Date.now() - t0).toBeLessThan(1_000);
      // The platform's instant moved into the past (a DBA), the outside custodians keep theirs: sealed by their word.
      const depositId = committed.find((e) => e.action === 'ESCROW_SHARES_DEPOSITED')?.data.depositId as string;
      await custodians[0].reschedule(tenderId, 'escrow-key', new Date(Date.now() - 1), 'DBA', m, depositId);
      lag = 0;
      t0 = Date.now();
      await expect(rebuild()).rejects.toMatchObject({
        code: 'SEALED_UNTIL_OPENING',
        details: {
          released: ['platform'],
          refused: [
            { custodian: 'b', reason: 'NOT_YET', notBefore: instant.toISOString() },
            { custodian: 'c', reason: 'NOT_YET' },
          ],
        },
      });
      expect(Date.now() - t0).toBeLessThan(1_000);
    });
  });

  describe("a reschedule every custodian accepted, and the platform's transaction then rolls back", () => {
    const subscriber = new AfterCommitSubscriber((e) => {
      throw e;
    });
    /** A transaction's manager as TypeORM gives it: the query runner carries the callbacks. */
    const transaction = (depth = 1) => {
      const queryRunner = { isTransactionActive: true, data: {}, transactionDepth: depth };
      return { m: { queryRunner } as unknown as EntityManager, event: { queryRunner } as never, queryRunner };
    };

    it('moves every custodian back to its previous instant, a postponement and a move earlier alike; a commit keeps the move', async () => {
      make([file('a'), file('b'), file('c')]);
      await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret: randomBytes(32), notBefore: deadline, actor: SYSTEM_ACTOR }));
      for (const to of [new Date(deadline.getTime() + 86_400_000), new Date(now.getTime() + 60_000)]) {
        const t1 = transaction();
        await service.reschedule(t1.m, { tenderId, secretIds: ['escrow-key'], notBefore: to, reason: 'AMENDMENT', actor: SYSTEM_ACTOR });
        for (const c of ['a', 'b', 'c']) expect(notBeforeOf(c)).toBe(to.toISOString());
        await subscriber.beforeTransactionRollback(t1.event); // a later step of the amendment failed
        for (const c of ['a', 'b', 'c']) expect(notBeforeOf(c)).toBe(deadline.toISOString());
      }
      expect(readFileSync(join(dir, 'a', 'releases.log'), 'utf8')).toContain('RESCHEDULED_EARLIER'); // the move earlier, in its own log
      // Two moves in one transaction are undone last first; a savepoint's release keeps them due, a commit drops them.
      const t2 = transaction(2);
      const later = new Date(deadline.getTime() + 60_000);
      const latest = new Date(deadline.getTime() + 120_000);
      await service.reschedule(t2.m, { tenderId, secretIds: ['escrow-key'], notBefore: later, reason: 'SUSPENSION', actor: SYSTEM_ACTOR });
      await service.reschedule(t2.m, { tenderId, secretIds: ['escrow-key'], notBefore: latest, reason: 'SUSPENSION', actor: SYSTEM_ACTOR });
      t2.queryRunner.transactionDepth = 1; // the savepoint released
      await subscriber.afterTransactionCommit(t2.event);
      await subscriber.beforeTransactionRollback(t2.event);
      expect(notBeforeOf('b')).toBe(deadline.toISOString());
      const t3 = transaction();
      await service.reschedule(t3.m, { tenderId, secretIds: ['escrow-key'], notBefore: later, reason: 'SUSPENSION', actor: SYSTEM_ACTOR });
      t3.queryRunner.isTransactionActive = false; // COMMIT
      await subscriber.afterTransactionCommit(t3.event);
      await subscriber.beforeTransactionRollback(t3.event); // nothing left to undo
      expect(notBeforeOf('b')).toBe(later.toISOString());
    });
  });

  it('a deposited share a custodian no longer holds: an alert, named in the audit event; a custodian whose folder is gone: the move is refused, not skipped', async () => {
    make([file('a'), file('b'), file('c')]);
    await tx(() => service.deposit(m, { tenderId, secretId: 'escrow-key', secret: randomBytes(32), notBefore: deadline, actor: SYSTEM_ACTOR }));
    rmSync(join(dir, 'b', 'shares'), { recursive: true });
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const later = new Date(deadline.getTime() + 60_000);
    await tx(() => service.reschedule(m, { tenderId, secretIds: ['escrow-key', 'draw-seed'], notBefore: later, reason: 'SUSPENSION', actor: SYSTEM_ACTOR }));
    expect(error).toHaveBeenCalledWith(expect.stringContaining('ALERT custodian b holds no share of escrow-key'));
    expect(committed.find((e) => e.action === 'ESCROW_RELEASE_RESCHEDULED')?.data).toMatchObject({ secretIds: ['escrow-key'], noShare: ['b/escrow-key'] });
    expect(notBeforeOf('c')).toBe(later.toISOString());
    renameSync(join(dir, 'c'), join(dir, 'c.away'));
    await expect(service.reschedule(m, { tenderId, secretIds: ['escrow-key'], notBefore: deadline, reason: 'SUSPENSION', actor: SYSTEM_ACTOR })).rejects.toMatchObject({
      code: 'ESCROW_RESCHEDULE_REFUSED',
      status: 503,
      details: { custodian: 'c', reason: 'UNAVAILABLE', restored: ['a/escrow-key'] },
    });
    expect(notBeforeOf('a')).toBe(later.toISOString());
    error.mockRestore();
  });
});
