/**
 * NotificationsRepository against the real PostgreSQL: the outbox's idempotent bulk insert, the delivery lock (SKIP
 * LOCKED) and attempts, and the inbox's counts and read marks.
 */
import { randomBytes, randomUUID } from 'crypto';
import { type InboxParams, NotificationsRepository, type OutboxRowInput } from 'src/modules/notifications/notifications.repository';
import { insertBidders } from './factories/supervision.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('NotificationsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: NotificationsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(NotificationsRepository);
  });
  afterAll(async () => t?.close());

  const message = (o: Partial<OutboxRowInput> & { dedupeKey: string }): OutboxRowInput => ({
    recipientUserId: null,
    recipientOrganizationId: null,
    tenderId: null,
    topic: 'TEST',
    subject: '测试',
    body: '正文',
    recipientSealed: null,
    recipientUserBlindIndex: null,
    recipientOrgBlindIndex: null,
    ...o,
  });
  const key = () => `repo-test-${randomBytes(6).toString('hex')}`;

  it('writes many messages in one statement; a dedupe key already written is skipped', async () => {
    const [p] = await insertBidders(t, 1);
    const [a, b] = [key(), key()];
    const first = await t.dataSource.transaction((m) => repo.insertMany(m, [message({ dedupeKey: a, recipientUserId: p.userId })]));
    expect(first).toHaveLength(1);
    const again = await t.dataSource.transaction((m) =>
      repo.insertMany(m, [message({ dedupeKey: a, recipientUserId: p.userId }), message({ dedupeKey: b, recipientOrganizationId: p.organizationId })]),
    );
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(first[0]);
  });

  it('locks a PENDING message for one worker (SKIP LOCKED), counts attempts, fails after the last, and sends once', async () => {
    const [p] = await insertBidders(t, 1);
    const [id] = await t.dataSource.transaction((m) => repo.insertMany(m, [message({ dedupeKey: key(), recipientUserId: p.userId })]));
    await t.dataSource.transaction(async (m) => {
      const n = await repo.lockPending(m, id);
      expect(n).toMatchObject({ id, recipientUserId: p.userId, topic: 'TEST', recipientSealed: null });
      // Another worker meanwhile finds nothing to take.
      expect(await t.dataSource.transaction((other) => repo.lockPending(other, id))).toBeNull();
      await repo.countAttempt(m, id);
      await repo.failIfExhausted(m, id, 2); // 1 attempt < 2: still PENDING
    });
    expect((await t.dataSource.query(`SELECT status, attempts FROM notifications WHERE id = $1`, [id]))[0]).toEqual({ status: 'PENDING', attempts: 1 });
    await t.dataSource.transaction(async (m) => {
      await repo.countAttempt(m, id);
      await repo.failIfExhausted(m, id, 2);
    });
    expect((await t.dataSource.query(`SELECT status FROM notifications WHERE id = $1`, [id]))[0].status).toBe('FAILED');
    expect(await t.dataSource.transaction((m) => repo.lockPending(m, id))).toBeNull();
  });

  it('a message marked INBOX_ONLY (a recipient sealed to the identity key, issue 17) is no longer PENDING: not taken, not swept', async () => {
    const [p] = await insertBidders(t, 1);
    const [id] = await t.dataSource.transaction((m) => repo.insertMany(m, [message({ dedupeKey: key(), recipientUserId: p.userId })]));
    await t.dataSource.transaction((m) => repo.markInboxOnly(m, id));
    expect((await t.dataSource.query(`SELECT status, attempts, sent_at FROM notifications WHERE id = $1`, [id]))[0]).toEqual({ status: 'INBOX_ONLY', attempts: 0, sent_at: null });
    expect(await t.dataSource.transaction((m) => repo.lockPending(m, id))).toBeNull();
    expect(await t.dataSource.transaction((m) => repo.pendingIds(m, 0, 1000))).not.toContain(id);
  });

  it('inbox: counts, pages and read marks of a user and its organisation; marking twice adds nothing', async () => {
    const [p] = await insertBidders(t, 1);
    const ids = await t.dataSource.transaction((m) =>
      repo.insertMany(m, [message({ dedupeKey: key(), recipientUserId: p.userId }), message({ dedupeKey: key(), recipientOrganizationId: p.organizationId })]),
    );
    const params: InboxParams = [p.userId, p.organizationId, [], [], []];
    const m = t.dataSource.manager;
    expect(await repo.inboxCounts(m, params, false)).toEqual({ total: 2, unread: 2 });
    expect((await repo.inboxPage(m, params, false, 10, 0)).map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(await repo.findMine(m, [randomUUID(), null, [], [], []], ids[0])).toBeNull();
    expect(await repo.insertClearReads(m, [ids[0]], p.userId)).toBe(1);
    expect(await repo.insertClearReads(m, [ids[0]], p.userId)).toBe(0);
    expect(await repo.readAt(m, ids[0], p.userId, [])).toBeInstanceOf(Date);
    expect(await repo.unreadCount(m, params)).toBe(1);
    expect(await repo.inboxCounts(m, params, true)).toEqual({ total: 1, unread: 1 });
    expect((await repo.unreadOfMine(m, params)).map((n) => n.id)).toEqual([ids[1]]);
  });
});
