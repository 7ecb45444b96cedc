import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AuditService } from 'src/modules/audit/audit.service';
import { createTestApp, TestApp } from './helpers/test-app';

describe('audit log against PostgreSQL', () => {
  let t: TestApp;
  let audit: AuditService;
  const tenderId = '00000000-0000-4000-8000-000000000001';

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    audit = t.app.get(AuditService);
  });
  afterAll(() => t.close());

  const write = (n: number, stream = tenderId) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        t.dataSource.transaction((m) =>
          audit.append(m, { actor: { ...SYSTEM_ACTOR, ip: '10.1.2.3' }, action: 'TEST_EVENT', objectType: 'test', objectId: `o${i}`, tenderId: stream, data: { i, 项目: '盐城' } }),
        ),
      ),
    );

  it('keeps one unforked chain under concurrent writers', async () => {
    await write(40);
    const v = await audit.verify(tenderId);
    expect(v).toMatchObject({ valid: true, events: 40 });
    const seqs = await t.dataSource.query(`SELECT stream_seq FROM audit_events WHERE stream = $1 ORDER BY stream_seq`, [tenderId]);
    expect(seqs.map((r: { stream_seq: number }) => r.stream_seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('is written with the change or not at all', async () => {
    const before = (await audit.verify(tenderId)).events;
    await expect(
      t.dataSource.transaction(async (m) => {
        await audit.append(m, { actor: SYSTEM_ACTOR, action: 'TEST_EVENT', objectType: 'test', objectId: 'rolled-back', tenderId });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await audit.verify(tenderId)).events).toBe(before);
  });

  it('refuses UPDATE and DELETE from the application', async () => {
    await expect(t.dataSource.query(`UPDATE audit_events SET ip = '1.1.1.1'`)).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
  });

  describe('detects tampering by someone who bypasses the trigger', () => {
    const tamper = async (sql: string) => {
      await t.dataSource.transaction(async (m) => {
        await m.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
        await m.query(sql, [tenderId]);
        await m.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
      });
    };

    it('an edited row', async () => {
      await write(3, '00000000-0000-4000-8000-0000000000e1');
      const id = '00000000-0000-4000-8000-0000000000e1';
      await tamper(`UPDATE audit_events SET ip = '6.6.6.6' WHERE stream = '${id}' AND stream_seq = 2 AND $1::uuid IS NOT NULL`);
      expect(await audit.verify(id)).toMatchObject({ valid: false, brokenAt: { streamSeq: 2 } });
      expect((await audit.verify()).valid).toBe(false);
    });

    it('a deleted row', async () => {
      const id = '00000000-0000-4000-8000-0000000000e2';
      await write(3, id);
      await tamper(`DELETE FROM audit_events WHERE stream = '${id}' AND stream_seq = 2 AND $1::uuid IS NOT NULL`);
      expect(await audit.verify(id)).toMatchObject({ valid: false, brokenAt: { streamSeq: 3, reason: expect.stringContaining('gap') } });
    });

    it('reordered rows', async () => {
      const id = '00000000-0000-4000-8000-0000000000e3';
      await write(3, id);
      await tamper(`UPDATE audit_events SET stream_seq = CASE stream_seq WHEN 1 THEN 102 WHEN 2 THEN 101 END
                    WHERE stream = '${id}' AND stream_seq IN (1, 2) AND $1::uuid IS NOT NULL`);
      await tamper(`UPDATE audit_events SET stream_seq = stream_seq - 100 WHERE stream = '${id}' AND stream_seq > 100 AND $1::uuid IS NOT NULL`);
      expect((await audit.verify(id)).valid).toBe(false);
    });
  });
});
