import { Role } from 'src/common/auth/role.enum';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { IdentityKeyService } from 'src/modules/custody/identity-key.service';
import { identityNoticeAad, NoticeRecipientSealer } from 'src/modules/notifications/notice-recipient-sealer';
import { NotificationSender, type OutgoingNotification } from 'src/modules/notifications/notification-sender';
import { NotificationsService } from 'src/modules/notifications/notifications.service';
import { NotificationsRepository } from 'src/modules/notifications/notifications.repository';
import { bidderWithAccount, notification, pay, waitFor, waitForRefunds } from './factories/bid-security.factory';
import { sealAndSubmit } from './factories/bid.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class RecordingSender extends NotificationSender {
  readonly sent: OutgoingNotification[] = [];
  async send(n: OutgoingNotification): Promise<void> {
    this.sent.push(n);
  }
}

/** Every purpose of a key the platform derives from SEALING_MASTER_KEY for notices, downloads and their indexes. */
const PLATFORM_PURPOSES = [
  'notification-recipient',
  'notification-reader',
  'notification-recipient-user',
  'notification-recipient-org',
  'notification-dedupe',
  'document-download-recipient',
];

interface NoticeRow {
  id: string;
  topic: string;
  status: string;
  recipient_user_id: string | null;
  recipient_organization_id: string | null;
  recipient_sealed: string | null;
  dedupe_key: string;
}

/**
 * Issue 17, operator tier for every notice: before the deadline of a tender that seals identities, a notice to a
 * bidder-side party — a withdrawal's refund, an objection's answer, any other notice the platform addresses in clear —
 * is sealed to the tender's identity key (no platform tier any more): the operator (database + SEALING_MASTER_KEY)
 * cannot name its recipient; the recipient reads it in its inbox; the gateway gets nothing before the deadline. At
 * the deadline k custodians release the key, the notices are named in clear, and the unread ones are delivered.
 */
describe('sealed notices: the operator cannot name the recipient of a notice before the deadline', () => {
  let t: TestApp;
  const sender = new RecordingSender();
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' }, override: (b) => b.overrideProvider(NotificationSender).useValue(sender) });
  });
  afterAll(() => t.close());

  const inbox = async (who: TestParty, tenderId: string) =>
    ((await t.http().get('/api/v1/inbox').set(who.auth).expect(200)).body.items as Array<{ id: string; topic: string; tenderId: string; readAt: string | null }>).filter(
      (i) => i.tenderId === tenderId,
    );
  const rowsOf = (tenderId: string): Promise<NoticeRow[]> =>
    t.dataSource.query(
      `SELECT id, topic, status, recipient_user_id, recipient_organization_id, recipient_sealed, dedupe_key FROM notifications WHERE tender_id = $1 ORDER BY topic`,
      [tenderId],
    );
  /** A notice the platform addresses in clear (as the objections, challenges and complaints modules do). */
  const enqueueClear = (tenderId: string, who: TestParty, topic: string, dedupeKey: string) =>
    t.app
      .get(TransactionRunner)
      .run((m) =>
        t.app
          .get(NotificationsService)
          .enqueue(m, [
            { recipientUserId: who.userId, recipientOrganizationId: who.organizationId, tenderId, topic, subject: `【${topic}】`, body: '本通知不含收件人。', dedupeKey },
          ]),
      );
  /** Every row of the schema as text, the rows naming one of `names`. */
  const rowsNaming = async (names: string[]): Promise<string[]> => {
    const tables: Array<{ table_name: string }> = await t.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const out: string[] = [];
    for (const { table_name } of tables) {
      const rows: Array<{ r: string }> = await t.dataSource.query(`SELECT x::text AS r FROM "${table_name}" x`);
      for (const { r } of rows) if (names.some((n) => r.includes(n))) out.push(`${table_name}: ${r}`);
    }
    return out;
  };

  /** The operator tries every key derived from SEALING_MASTER_KEY on a sealed value, with every AAD it could use. */
  function expectNoPlatformKeyOpens(sealed: string, aads: string[]): void {
    const keys = t.app.get(IdentityKeyService);
    const bare = sealed.replace(/^identity:/, '');
    const forms = [sealed, bare];
    try {
      forms.push((JSON.parse(bare) as { c: string }).c); // the AES-GCM part: its key is wrapped to the identity key
    } catch {
      // not JSON: nothing more to try
    }
    for (const form of forms) for (const purpose of PLATFORM_PURPOSES) for (const aad of aads) expect(() => keys.platformOpen(purpose, form, aad)).toThrow();
  }

  it('a refund after a withdrawal, an objection answer and a clear-addressed notice: sealed to the identity key, inbox only, no platform key opens them; after the release in clear and delivered if unread', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 30_000, bidSecurityAmount: '200000.00' });
    const sealer = t.app.get(NoticeRecipientSealer);
    const keys = t.app.get(IdentityKeyService);
    // d pays, bids and withdraws (its security refunded at once, before the deadline); a objects, the owner answers.
    const { bidder: d, virtualAccountNo, basicAccountNo } = await bidderWithAccount(t, tender.id);
    const [{ name }] = await t.dataSource.query(`SELECT name FROM organizations WHERE id = $1`, [d.organizationId]);
    await pay(t, notification({ virtualAccountNo, payerAccountNo: basicAccountNo, payerName: name, amount: '200000.00' }));
    await sealAndSubmit(t, tender, d, '3100000.00');
    await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(d.auth).expect(200);
    await waitForRefunds(t);
    const [a, e] = [await registerParty(t, { role: Role.BIDDER }), await registerParty(t, { role: Role.BIDDER })];
    const objection = (await t.http().post(`/api/v1/tenders/${tender.id}/objections`).set(a.auth).send({ text: '技术参数指向特定品牌。' }).expect(201)).body;
    await t.http().post(`/api/v1/tenders/${tender.id}/objections/${objection.id}/answer`).set(tender.owner.auth).send({ answer: '已修改技术参数。' }).expect(200);
    // A notice addressed in clear to a bidder-side party, enqueued twice (a job that fires twice): one row.
    expect(await enqueueClear(tender.id, a, 'CHALLENGE_ANSWERED', `challenge-x-${tender.id}-answered`)).toBe(1);
    expect(await enqueueClear(tender.id, a, 'CHALLENGE_ANSWERED', `challenge-x-${tender.id}-answered`)).toBe(0);

    // Stored sealed to the identity key: no recipient id, no clear dedupe key naming one.
    const rows = await rowsOf(tender.id);
    const sealedTopics = ['BID_SECURITY_REFUNDED', 'CHALLENGE_ANSWERED', 'OBJECTION_ANSWERED'];
    const sealedRows = rows.filter((r) => sealedTopics.includes(r.topic));
    expect(sealedRows.map((r) => r.topic)).toEqual(sealedTopics);
    for (const r of sealedRows) {
      expect(r).toMatchObject({ recipient_user_id: null, recipient_organization_id: null, recipient_sealed: expect.stringMatching(/^identity:/) });
    }
    const [refundRow, challengeRow] = sealedRows;
    const [{ id: refundId }] = await t.dataSource.query(`SELECT id FROM bid_security_refunds WHERE tender_id = $1`, [tender.id]);
    expect(refundRow.dedupe_key).toBe(`refund-${refundId}-sent`);
    expect(challengeRow.dedupe_key).toMatch(/^sealed:/);
    // Nothing in the database names a recipient with the tender (the organisations' own registrations aside).
    const named = (await rowsNaming([d.organizationId!, d.userId, a.organizationId!, a.userId])).filter((r) => r.includes(tender.id) || sealedRows.some((n) => r.includes(n.id)));
    expect(named).toEqual([]);

    // The recipient reads it in its inbox and marks it read; no other organisation sees it or may mark it.
    expect((await inbox(d, tender.id)).map((i) => i.topic)).toEqual(['BID_SECURITY_REFUNDED']);
    expect((await inbox(a, tender.id)).map((i) => i.topic).sort()).toEqual(['CHALLENGE_ANSWERED', 'OBJECTION_ANSWERED']);
    expect(await inbox(e, tender.id)).toEqual([]);
    await t.http().post(`/api/v1/inbox/${refundRow.id}/read`).set(e.auth).expect(404);
    await t.http().post(`/api/v1/inbox/${refundRow.id}/read`).set(a.auth).expect(404);
    const read = (await t.http().post(`/api/v1/inbox/${refundRow.id}/read`).set(d.auth).expect(200)).body;
    expect((await inbox(d, tender.id)).map((i) => i.readAt)).toEqual([read.readAt]);
    const [mark] = await t.dataSource.query(`SELECT user_id, reader_blind_index, reader_sealed FROM notification_reads WHERE notification_id = $1`, [refundRow.id]);
    expect(mark).toMatchObject({ user_id: null, reader_sealed: expect.stringMatching(/^identity:/) });

    // The gateway gets nothing before the deadline: INBOX_ONLY.
    await waitFor(
      async () => (await rowsOf(tender.id)).filter((r) => sealedTopics.includes(r.topic) && r.status === 'INBOX_ONLY').length === 3,
      15_000,
      'the sealed notices kept in the inbox',
    );
    expect(sender.sent.filter((n) => n.tenderId === tender.id && sealedTopics.includes(n.topic))).toEqual([]);

    // The operator: NoticeRecipientSealer.open and every platform-derived key fail on every sealed column.
    for (const r of sealedRows) {
      expect(() => sealer.open(tender.id, r.dedupe_key, r.recipient_sealed!)).toThrow();
      expect(() => sealer.open(tender.id, r.dedupe_key, r.recipient_sealed!.slice('identity:'.length))).toThrow();
      expectNoPlatformKeyOpens(r.recipient_sealed!, [
        `notification-recipient|${tender.id}|${r.dedupe_key}`,
        identityNoticeAad(tender.id, r.dedupe_key),
        `notice-recipient-identity|${tender.id}|${r.dedupe_key}`,
      ]);
    }
    expect(() => sealer.openReader(refundRow.id, mark.reader_blind_index, mark.reader_sealed)).toThrow();
    expectNoPlatformKeyOpens(mark.reader_sealed, [`notification-reader|${refundRow.id}|${mark.reader_blind_index}`]);
    const [{ notice_recipient_sealed: refundNotice }] = await t.dataSource.query(`SELECT notice_recipient_sealed FROM bid_security_refunds WHERE id = $1`, [refundId]);
    expect(refundNotice).toMatchObject({ sealed: expect.any(String), userIndex: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(refundNotice)).not.toContain(d.organizationId);
    expectNoPlatformKeyOpens(refundNotice.sealed, [`notification-recipient|${tender.id}|refund-${refundId}-sent`]);
    // The identity key: the platform's own share is not enough, and the custodians refuse before the deadline.
    await expect(t.dataSource.transaction((m) => keys.withOpener(m, tender.id, SYSTEM_ACTOR, async () => 0))).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });

    for (let i = 0; i < 160; i++) {
      if ((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status === 'PUBLISHED') await sleep(250);
      else break;
    }
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status).not.toBe('PUBLISHED');
    // After the deadline and the release: named in clear with their clear dedupe keys; the unread ones delivered.
    const opened = (await rowsOf(tender.id)).filter((r) => sealedTopics.includes(r.topic));
    expect(
      opened.map(({ topic, recipient_user_id, recipient_organization_id, recipient_sealed, dedupe_key }) => ({
        topic,
        recipient_user_id,
        recipient_organization_id,
        recipient_sealed,
        dedupe_key,
      })),
    ).toEqual([
      { topic: 'BID_SECURITY_REFUNDED', recipient_user_id: d.userId, recipient_organization_id: d.organizationId, recipient_sealed: null, dedupe_key: `refund-${refundId}-sent` },
      {
        topic: 'CHALLENGE_ANSWERED',
        recipient_user_id: a.userId,
        recipient_organization_id: a.organizationId,
        recipient_sealed: null,
        dedupe_key: `challenge-x-${tender.id}-answered`,
      },
      expect.objectContaining({ topic: 'OBJECTION_ANSWERED', recipient_sealed: null, recipient_organization_id: a.organizationId }),
    ]);
    await waitFor(
      async () => sender.sent.filter((n) => n.tenderId === tender.id && ['CHALLENGE_ANSWERED', 'OBJECTION_ANSWERED'].includes(n.topic)).length === 2,
      15_000,
      'the unread notices delivered after the unsealing',
    );
    const sent = sender.sent.filter((n) => n.tenderId === tender.id && sealedTopics.includes(n.topic));
    expect(sent.map((n) => [n.topic, n.recipientOrganizationId]).sort()).toEqual([
      ['CHALLENGE_ANSWERED', a.organizationId],
      ['OBJECTION_ANSWERED', a.organizationId],
    ]);
    expect(sent.find((n) => n.topic === 'CHALLENGE_ANSWERED')?.recipientUserId).toBe(a.userId);
    // The refund notice was read in the inbox before the deadline (delivered there): not sent again.
    expect((await rowsOf(tender.id)).find((r) => r.topic === 'BID_SECURITY_REFUNDED')?.status).toBe('INBOX_ONLY');
    expect(await t.dataSource.query(`SELECT user_id, reader_blind_index FROM notification_reads WHERE notification_id = $1`, [refundRow.id])).toEqual([
      { user_id: d.userId, reader_blind_index: null },
    ]);
    expect((await inbox(d, tender.id)).filter((i) => i.topic === 'BID_SECURITY_REFUNDED').map((i) => i.readAt)).toEqual([read.readAt]);
    expect((await inbox(e, tender.id)).filter((i) => sealedTopics.includes(i.topic))).toEqual([]);
    // The same clear notice enqueued again after the deadline: still the one row (the clear dedupe key is back).
    expect(await enqueueClear(tender.id, a, 'CHALLENGE_ANSWERED', `challenge-x-${tender.id}-answered`)).toBe(0);
    const [ev] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'NOTIFICATION_RECIPIENTS_UNSEALED'`, [tender.id]);
    expect(ev.data).toMatchObject({ notices: 3, reads: 1, redelivered: 2 });
  }, 120_000);

  it('a tender cancelled before its deadline: its sealed notices, downloaders and objectors are opened at the original deadline (a timed event) and the notices delivered', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 10_000, bidSecurityAmount: '0.00' });
    const docId = (await t.http().get(`/api/v1/tenders/${tender.id}/documents`).expect(200)).body.items[0].id;
    const [a, b] = [await registerParty(t, { role: Role.BIDDER }), await registerParty(t, { role: Role.BIDDER })];
    await t.http().get(`/api/v1/tenders/${tender.id}/documents/${docId}/content`).set(a.auth).expect(200);
    await enqueueClear(tender.id, b, 'CHALLENGE_ANSWERED', `challenge-y-${tender.id}-answered`);
    const objection = (await t.http().post(`/api/v1/tenders/${tender.id}/objections`).set(b.auth).send({ text: '资格条件排斥潜在投标人。' }).expect(201)).body;
    const identityRows = async () => ({
      downloads: await t.dataSource.query(`SELECT user_id, organization_id FROM tender_document_downloads WHERE tender_id = $1`, [tender.id]),
      objections: await t.dataSource.query(`SELECT organization_id, filed_by FROM tender_objections WHERE id = $1`, [objection.id]),
    });
    expect(await identityRows()).toEqual({ downloads: [{ user_id: null, organization_id: null }], objections: [{ organization_id: null, filed_by: null }] });
    await t.http().post(`/api/v1/tenders/${tender.id}/cancel`).set(tender.owner.auth).send({ reason: '项目取消。' }).expect(200);

    const sealedTopics = ['CHALLENGE_ANSWERED', 'TENDER_CANCELLED'];
    const before = (await rowsOf(tender.id)).filter((r) => sealedTopics.includes(r.topic));
    expect(before.map((r) => r.topic)).toEqual(sealedTopics);
    for (const r of before) expect(r).toMatchObject({ recipient_user_id: null, recipient_organization_id: null, recipient_sealed: expect.stringMatching(/^identity:/) });
    const [planned] = await t.dataSource.query(`SELECT status, run_at, subject_id FROM scheduled_events WHERE kind = 'SEALED_IDENTITIES_DUE' AND tender_id = $1`, [tender.id]);
    const [{ bid_deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [tender.id]);
    expect(planned).toMatchObject({ status: 'PENDING', subject_id: tender.id });
    expect(new Date(planned.run_at).getTime()).toBe(new Date(bid_deadline).getTime());
    expect((await inbox(a, tender.id)).map((i) => i.topic)).toEqual(['TENDER_CANCELLED']);
    expect((await inbox(b, tender.id)).map((i) => i.topic)).toEqual(['CHALLENGE_ANSWERED']);
    await waitFor(
      async () => (await rowsOf(tender.id)).filter((r) => sealedTopics.includes(r.topic) && r.status === 'INBOX_ONLY').length === 2,
      15_000,
      'the sealed notices kept in the inbox',
    );
    expect(sender.sent.filter((n) => n.tenderId === tender.id && sealedTopics.includes(n.topic))).toEqual([]);

    // From the original deadline on (the custodians release by their own clocks): named in clear and delivered.
    await waitFor(
      async () => (await rowsOf(tender.id)).filter((r) => sealedTopics.includes(r.topic) && r.recipient_sealed === null).length === 2,
      40_000,
      'the cancelled tender’s notices opened at its deadline',
    );
    const after = (await rowsOf(tender.id)).filter((r) => sealedTopics.includes(r.topic));
    expect(after.map((r) => [r.topic, r.recipient_user_id, r.recipient_organization_id])).toEqual([
      ['CHALLENGE_ANSWERED', b.userId, b.organizationId],
      ['TENDER_CANCELLED', a.userId, a.organizationId],
    ]);
    expect(after[1].dedupe_key).toBe(`cancel-${tender.id}-user-${a.userId}`);
    await waitFor(async () => sender.sent.filter((n) => n.tenderId === tender.id && sealedTopics.includes(n.topic)).length === 2, 15_000, 'the notices delivered');
    expect((await inbox(a, tender.id)).map((i) => i.topic)).toEqual(['TENDER_CANCELLED']);
    expect((await inbox(b, tender.id)).map((i) => i.topic)).toEqual(['CHALLENGE_ANSWERED']);
    const [done] = await t.dataSource.query(`SELECT status FROM scheduled_events WHERE kind = 'SEALED_IDENTITIES_DUE' AND tender_id = $1`, [tender.id]);
    expect(done.status).toBe('DONE');
    // The same timed event opened who downloaded and who objected (SealedIdentitiesDue: every module's rows).
    expect(await identityRows()).toEqual({
      downloads: [{ user_id: a.userId, organization_id: a.organizationId }],
      objections: [{ organization_id: b.organizationId, filed_by: b.userId }],
    });
  }, 90_000);

  it('a notice written before the change (platform tier) is still shown, sent and unsealed as before', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00' });
    const [a, e] = [await registerParty(t, { role: Role.BIDDER }), await registerParty(t, { role: Role.BIDDER })];
    const sealer = t.app.get(NoticeRecipientSealer);
    const service = t.app.get(NotificationsService);
    const dedupeKey = `legacy-${tender.id}-user-${a.userId}`;
    const s = await sealer.seal(tender.id, { userId: a.userId, organizationId: a.organizationId, dedupeKey });
    const [id] = await t.app.get(TransactionRunner).run((m) =>
      t.app.get(NotificationsRepository).insertMany(m, [
        {
          recipientUserId: null,
          recipientOrganizationId: null,
          tenderId: tender.id,
          topic: 'OBJECTION_ANSWERED',
          subject: '【异议答复】',
          body: '旧通知。',
          dedupeKey: s.dedupeKey,
          recipientSealed: s.sealed,
          recipientUserBlindIndex: s.userIndex,
          recipientOrgBlindIndex: s.orgIndex,
        },
      ]),
    );
    expect((await inbox(a, tender.id)).map((i) => i.id)).toEqual([id]);
    expect(await inbox(e, tender.id)).toEqual([]);
    await service.deliver(id);
    expect(sender.sent.filter((n) => n.id === id).map((n) => [n.recipientUserId, n.recipientOrganizationId])).toEqual([[a.userId, a.organizationId]]);
    await t.http().post(`/api/v1/inbox/${id}/read`).set(a.auth).expect(200);
    // Only platform-tier rows on the tender: no custodian needed to unseal them.
    expect(await t.app.get(TransactionRunner).run((m) => service.unsealTender(m, tender.id))).toBe(1);
    const row = (await rowsOf(tender.id)).find((r) => r.id === id);
    expect(row).toMatchObject({ id, status: 'SENT', recipient_user_id: a.userId, recipient_organization_id: a.organizationId, recipient_sealed: null, dedupe_key: dedupeKey });
    expect(await t.dataSource.query(`SELECT user_id FROM notification_reads WHERE notification_id = $1`, [id])).toEqual([{ user_id: a.userId }]);
  });
});
