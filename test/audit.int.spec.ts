import { randomUUID } from 'crypto';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { AuditService } from 'src/modules/audit/audit.service';
import { type TenderStatus } from 'src/modules/tenders/tender.enums';
import { insertTender, openTender, setDeadline } from './factories/bid-security.factory';
import { moveTenderTo } from './factories/tender-status.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

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

  describe('sealed events (TBL Art. 22): hidden until their tender is opened, verified all along', () => {
    const bidder = { userId: 'u-bidder', role: 'BIDDER' as never, organizationId: null, ip: '10.9.9.9' };
    const sealed = (tenderId: string, stream: string, n = 1, action = 'TEST_SEALED') =>
      t.dataSource.transaction(async (m) => {
        for (let i = 0; i < n; i++) {
          await audit.append(m, { actor: bidder, action, objectType: 'test', objectId: `${stream}#${i}`, stream, sealedUntilOpeningOf: tenderId, data: { i } });
        }
      });
    /** The tender's status moves through the state machine (moveTenderTo); only the deadline is set directly. */
    const setTender = async (id: string, status: `${TenderStatus}`, deadlineInMs: number) => {
      await moveTenderTo(t, id, status);
      await setDeadline(t, id, deadlineInMs);
    };
    /** How many of the test's events each reader sees (the state machine's own TENDER_* events are not counted). */
    const shown = async (tenderId: string, action: string) => {
      const ofTender = (await audit.list({ tenderId, page: 1, pageSize: 200 })).items as Array<{ action: string }>;
      const others = ofTender.filter((e) => e.action !== action).length;
      return {
        byTender: ofTender.length - others,
        byAction: (await audit.list({ action, page: 1, pageSize: 200 })).total,
        verified: (await audit.verify(tenderId)).events - others,
      };
    };

    it('refuses a sealed event outside a named stream of its own, and a stream mixing seals', async () => {
      const tender = await insertTender(t);
      const append = (input: Partial<Parameters<AuditService['append']>[1]>) =>
        t.dataSource.transaction((m) => audit.append(m, { actor: bidder, action: 'TEST_SEALED', objectType: 'test', objectId: 'x', ...input }));
      await expect(append({ sealedUntilOpeningOf: tender.id })).rejects.toThrow(/named stream/); // the tender's stream would count it
      await expect(append({ sealedUntilOpeningOf: tender.id, stream: tender.id })).rejects.toThrow(/<kind>:<id>/);
      await expect(append({ sealedUntilOpeningOf: tender.id, stream: 'platform' })).rejects.toThrow(/<kind>:<id>/);
      await expect(append({ sealedUntilOpeningOf: tender.id, tenderId: randomUUID(), stream: `test:${randomUUID()}` })).rejects.toThrow(/carries the tender/);
      const stream = `test:${randomUUID()}`;
      await sealed(tender.id, stream);
      await expect(append({ stream })).rejects.toThrow(/another seal/);
      await expect(append({ stream, sealedUntilOpeningOf: (await insertTender(t)).id })).rejects.toThrow(/another seal/);
      const open = `test:${randomUUID()}`;
      await append({ stream: open });
      await expect(append({ stream: open, sealedUntilOpeningOf: tender.id })).rejects.toThrow(/another seal/);
      // The database refuses a sealed row in a tender's stream too.
      await expect(
        t.dataSource.query(
          `INSERT INTO audit_events (stream, stream_seq, prev_hash, hash, occurred_at, actor_id, actor_role, ip, action, object_type, object_id, tender_id, sealed_tender_id)
           VALUES ($1, 99, $2, $2, now(), 'x', 'x', '', 'X', 'x', 'x', $3, $3)`,
          [tender.id, '0'.repeat(64), tender.id],
        ),
      ).rejects.toThrow(/CHK_AUDIT_SEALED_STREAM/);
    });

    it('shows them exactly from the opening: not before the deadline, not at it before the opening, yes at and after the opening', async () => {
      const tender = await insertTender(t, { status: 'DRAFT', deadlineInMs: 3_600_000 });
      await sealed(tender.id, `test:${randomUUID()}`, 2, 'TEST_SEALED_BOUNDARY');
      const hidden = { byTender: 0, byAction: 0, verified: 0 };
      const visible = { byTender: 2, byAction: 2, verified: 2 };
      expect(await shown(tender.id, 'TEST_SEALED_BOUNDARY')).toEqual(hidden);
      await setTender(tender.id, 'PUBLISHED', 60_000); // before the deadline: bids still come in
      expect(await shown(tender.id, 'TEST_SEALED_BOUNDARY')).toEqual(hidden);
      await setTender(tender.id, 'PUBLISHED', -1); // the deadline has passed, the opening has not run yet
      expect(await shown(tender.id, 'TEST_SEALED_BOUNDARY')).toEqual(hidden);
      await setTender(tender.id, 'OPENING', -1); // the opening
      expect(await shown(tender.id, 'TEST_SEALED_BOUNDARY')).toEqual(visible);
      await setTender(tender.id, 'EVALUATION', -60_000); // after it
      expect(await shown(tender.id, 'TEST_SEALED_BOUNDARY')).toEqual(visible);

      // Fewer than 3 bids: not opened, but the deadline is past.
      const failed = await insertTender(t, { deadlineInMs: 3_600_000 });
      await sealed(failed.id, `test:${randomUUID()}`, 2, 'TEST_SEALED_FAILED');
      expect(await shown(failed.id, 'TEST_SEALED_FAILED')).toEqual(hidden);
      await setTender(failed.id, 'FAILED', -60_000);
      expect(await shown(failed.id, 'TEST_SEALED_FAILED')).toEqual(visible);
    });

    it('keeps a tender cancelled before its deadline sealed until that deadline, and a missing tender sealed', async () => {
      const tender = await insertTender(t);
      await sealed(tender.id, `test:${randomUUID()}`, 1, 'TEST_SEALED_CANCELLED');
      await setTender(tender.id, 'CANCELLED', 60_000);
      expect(await shown(tender.id, 'TEST_SEALED_CANCELLED')).toEqual({ byTender: 0, byAction: 0, verified: 0 });
      await setTender(tender.id, 'CANCELLED', -1);
      expect(await shown(tender.id, 'TEST_SEALED_CANCELLED')).toEqual({ byTender: 1, byAction: 1, verified: 1 });
      const nowhere = randomUUID();
      await sealed(nowhere, `test:${randomUUID()}`, 1, 'TEST_SEALED_NOWHERE');
      expect(await shown(nowhere, 'TEST_SEALED_NOWHERE')).toEqual({ byTender: 0, byAction: 0, verified: 0 });
    });

    it('detects tampering with a sealed row, without counting or locating it before the opening', async () => {
      const tender = await insertTender(t); // its publication (the state machine's TENDER_PUBLISHED) is the one open event
      const before = await audit.verify(tender.id);
      const allBefore = await audit.verify();
      const stream = `test:${randomUUID()}`;
      await sealed(tender.id, stream, 3);
      // Same answers with three sealed events as with none.
      expect(await audit.verify(tender.id)).toEqual(before);
      expect({ ...(await audit.verify()), valid: null }).toEqual({ ...allBefore, valid: null });
      expect(before).toMatchObject({ valid: true, events: 1, streams: 1 });

      await t.dataSource.transaction(async (m) => {
        await m.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
        await m.query(`UPDATE audit_events SET ip = '6.6.6.6' WHERE stream = $1 AND stream_seq = 2`, [stream]);
        await m.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
      });
      const tampered = await audit.verify(tender.id);
      expect(tampered).toMatchObject({ valid: false, events: before.events, headHash: before.headHash, streams: 1, brokenAt: { sealed: true } });
      expect(JSON.stringify(tampered)).not.toContain(stream);
      const all = await audit.verify();
      expect([all.valid, all.events, all.streams]).toEqual([false, allBefore.events, allBefore.streams]);

      await openTender(t, tender.id);
      expect(await audit.verify(tender.id)).toMatchObject({
        valid: false,
        events: 5, // the one before, the three sealed ones, and the state machine's TENDER_OPENING
        streams: 2,
        brokenAt: { stream, streamSeq: 2, reason: 'content does not match its hash' },
      });
    });

    it('detects a sealed row unsealed by editing it (the seal is hashed)', async () => {
      const tender = await insertTender(t);
      const stream = `test:${randomUUID()}`;
      await sealed(tender.id, stream, 2, 'TEST_SEALED_UNSEALED');
      await t.dataSource.transaction(async (m) => {
        await m.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
        await m.query(`UPDATE audit_events SET sealed_tender_id = NULL WHERE stream = $1 AND stream_seq = 1`, [stream]);
        await m.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
      });
      expect(await audit.verify(tender.id)).toMatchObject({ valid: false, brokenAt: { sealed: true } });
    });
  });
});
