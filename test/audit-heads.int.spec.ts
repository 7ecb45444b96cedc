import { Role } from 'src/common/auth/role.enum';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditHeadsService } from 'src/modules/audit/audit-heads.service';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { insertTender } from './factories/bid-security.factory';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { eventually } from './helpers/chaos';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * Audit stream heads signed with the platform's Ed25519 key at every opening and daily: GET /audit/verify notices a
 * cut-off tail and a deleted stream, which leave a chain that is consistent in itself.
 */
describe('signed audit heads', () => {
  let t: TestApp;
  let supervisor: TestParty;
  let tenderId: string;

  beforeEach(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', SWEEP_INTERVAL_MS: '300' } });
    supervisor = await createStaff(t, Role.SUPERVISOR);
    await registerParty(t);
    // A tender reaches its deadline: the opening signs the heads.
    const { id } = await insertTender(t, { deadlineInMs: 800 });
    tenderId = id;
    const [{ bid_deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [id]);
    await t.dataSource.transaction((m) =>
      t.app.get(SchedulerService).plan(m, { kind: ScheduledEventKind.BidDeadline, subjectId: id, tenderId: id, runAt: new Date(bid_deadline) }),
    );
    await eventually(
      async () => (await t.dataSource.query(`SELECT 1 FROM audit_heads WHERE reason = 'OPENING' AND tender_id = $1`, [id])).length === 1,
      20_000,
      'the opening to sign the heads',
    );
  });
  afterEach(() => t.close());

  const verify = async () => (await t.http().get('/api/v1/audit/verify').set(supervisor.auth).expect(200)).body;
  const withoutTrigger = async (sql: string, params: unknown[]) => {
    await t.dataSource.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
    try {
      await t.dataSource.query(sql, params);
    } finally {
      await t.dataSource.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
    }
  };

  it('signed at the opening and daily; the whole log verifies', async () => {
    const reasons = (await t.dataSource.query(`SELECT reason FROM audit_heads ORDER BY id`)).map((r: { reason: string }) => r.reason);
    expect(reasons).toEqual(expect.arrayContaining(['DAILY', 'OPENING']));
    expect(await t.app.get(AuditHeadsService).signDailyIfDue()).toBe(false); // once a day
    const v = await verify();
    expect(v).toMatchObject({ valid: true, signedHeads: reasons.length });
  });

  it('a cut-off tail fails verification, though the chain left is consistent', async () => {
    await withoutTrigger(`DELETE FROM audit_events WHERE stream = $1 AND stream_seq = (SELECT max(stream_seq) FROM audit_events WHERE stream = $1)`, [tenderId]);
    const v = await verify();
    expect(v.valid).toBe(false);
    expect(v.brokenAt).toMatchObject({ stream: tenderId, reason: expect.stringContaining('missing') });
  });

  it('a deleted stream fails verification', async () => {
    await withoutTrigger(`DELETE FROM audit_events WHERE stream = $1`, [tenderId]);
    const v = await verify();
    expect(v.valid).toBe(false);
    expect(v.brokenAt.reason).toContain('missing');
  });

  it('a forged signed head fails verification', async () => {
    await t.dataSource.query(`ALTER TABLE audit_heads DISABLE TRIGGER audit_heads_no_update_delete`);
    try {
      await t.dataSource.query(`UPDATE audit_heads SET heads = '[]'::jsonb, heads_sha256 = $1 WHERE reason = 'OPENING'`, ['0'.repeat(64)]);
    } finally {
      await t.dataSource.query(`ALTER TABLE audit_heads ENABLE TRIGGER audit_heads_no_update_delete`);
    }
    const v = await verify();
    expect(v.valid).toBe(false);
    expect(v.brokenAt.reason).toContain('does not verify');
  });
});
