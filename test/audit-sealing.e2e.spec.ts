import { Role } from 'src/common/auth/role.enum';
import { issueAccount, notification, pay, waitFor, waitForRefunds } from './factories/bid-security.factory';
import { sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

interface Ev {
  stream: string;
  streamSeq: number;
  action: string;
  objectId: string;
  tenderId: string | null;
  sealedUntilOpeningOf?: string;
  actorId: string;
  ip: string;
  hash: string;
  data: Record<string, any>;
}

/**
 * The audit log is sealed like the bids (TBL Art. 22; API.md "Sealed bids"): before the opening a supervisor's
 * GET /audit (unfiltered, by tender, by action) and GET /audit/verify (with and without tenderId) give exactly the
 * same answers whether bids, replacements, withdrawals, sub-accounts and payments came in or not — no count, no
 * bidder's user id or IP. Once the tender is opened the events show in the tender's audit trail, in order.
 */
describe('sealed audit events: nothing before the opening, everything after', () => {
  let t: TestApp;
  let supervisor: TestParty;
  let tender: TestTender;
  const bidders: TestParty[] = [];
  const bids: SubmittedBid[] = [];
  let snapshot0: Awaited<ReturnType<typeof snapshot>>;
  let snapshot1: Awaited<ReturnType<typeof snapshot>>;
  let sealedWhenTaken = false;

  const get = async (path: string, query: Record<string, string | number> = {}) => {
    const r = await t.http().get(`/api/v1${path}`).query(query).set(supervisor.auth);
    expect(r.status).toBe(200);
    return r.body;
  };
  const allPages = async (query: Record<string, string> = {}) => {
    const items: Ev[] = [];
    let total = 0;
    for (let page = 1; ; page++) {
      const body = await get('/audit', { ...query, page, pageSize: 200 });
      total = body.total;
      items.push(...body.items);
      if (body.items.length < 200) return { total, items };
    }
  };
  const snapshot = async () => ({
    all: await allPages(),
    tender: await allPages({ tenderId: tender.id }),
    byAction: Object.fromEntries(
      await Promise.all(
        ['BID_SUBMITTED', 'BID_WITHDRAWN', 'BID_SECURITY_ACCOUNT_ISSUED', 'BID_SECURITY_PAYMENT_RECEIVED', 'BID_SECURITY_REFUND_PLANNED', 'BID_SECURITY_REFUNDED'].map(
          async (action) => [action, await allPages({ action })],
        ),
      ),
    ),
    verify: await get('/audit/verify'),
    verifyTender: await get('/audit/verify', { tenderId: tender.id }),
  });

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    supervisor = await createStaff(t, Role.SUPERVISOR);
    for (let i = 0; i < 4; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    tender = await createPublishedTender(t, { owner, deadlineInMs: 15_000, bidSecurityAmount: '10000.00', title: '盐城市审计封存测试工程' });
    snapshot0 = await snapshot();

    // Four bidders apply for a sub-account, pay and bid; one replaces its bid, the fourth withdraws (and is refunded).
    for (const [i, b] of bidders.entries()) {
      const { virtualAccountNo } = await issueAccount(t, tender.id, b);
      expect(await pay(t, notification({ virtualAccountNo, amount: '10000.00' }))).toBe('ACCEPTED');
      const r = await sealAndSubmit(t, tender, b, `${3_000_000 + i}.00`);
      expect(r.status).toBe(201);
      bids.push(r);
    }
    expect((await sealAndSubmit(t, tender, bidders[0], '2999999.00')).body.version).toBe(2);
    expect((await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidders[3].auth)).status).toBe(200);
    await waitForRefunds(t);
    snapshot1 = await snapshot();
    [{ sealedWhenTaken }] = await t.dataSource.query(`SELECT bid_deadline > clock_timestamp() AS "sealedWhenTaken" FROM tenders WHERE id = $1`, [tender.id]);
  });
  afterAll(() => t.close());

  it('before the deadline every audit answer is the same as with no bid and no payment', () => {
    expect(sealedWhenTaken).toBe(true); // the deadline had not passed when the second snapshot was taken
    expect(snapshot1).toEqual(snapshot0);
    for (const action of Object.keys(snapshot1.byAction)) expect(snapshot1.byAction[action]).toEqual({ total: 0, items: [] });
    const text = JSON.stringify(snapshot1);
    for (const b of bids) expect(text).not.toContain(b.body.bidId);
    // The bidders appear as what they did in the open (registering), nothing else.
    const ids = new Set(bidders.map((b) => b.userId));
    expect([...new Set(snapshot1.all.items.filter((e) => ids.has(e.actorId)).map((e) => e.action))]).toEqual(['ORGANIZATION_REGISTERED']);
    expect(snapshot1.verify).toMatchObject({ valid: true });
    expect(snapshot1.verifyTender).toMatchObject({ valid: true, streams: 1 });
  });

  it('while the rows are there, sealed, in their own streams (the test can fail)', async () => {
    const rows: Array<{ stream: string; action: string; sealed_tender_id: string | null; tender_id: string | null }> = await t.dataSource.query(
      `SELECT stream, action, sealed_tender_id, tender_id FROM audit_events WHERE sealed_tender_id = $1 ORDER BY id`,
      [tender.id],
    );
    const count = (a: string) => rows.filter((r) => r.action === a).length;
    expect([count('BID_SUBMITTED'), count('BID_WITHDRAWN'), count('BID_SECURITY_ACCOUNT_ISSUED'), count('BID_SECURITY_PAYMENT_RECEIVED')]).toEqual([5, 1, 4, 4]);
    expect(count('BID_SECURITY_REFUND_PLANNED')).toBe(1);
    expect(rows.every((r) => r.tender_id === tender.id && /^(bid|bid-security):/.test(r.stream))).toBe(true);
    // Nothing about them in the tender's own stream or the platform's.
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE (stream = $1 OR stream = 'platform') AND (action IN ('BID_SUBMITTED', 'BID_WITHDRAWN') OR action LIKE 'BID_SECURITY%' OR object_id = ANY($2))`,
      [tender.id, bids.map((b) => b.body.bidId)],
    );
    expect(n).toBe(0);
  });

  it("after the opening the tender's trail shows them in the order they were written, tied to BIDS_OPENED", async () => {
    await waitFor(async () => (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status === 'OPENING', 30_000, 'the opening');
    const after = await allPages({ tenderId: tender.id });
    const sealed = after.items.filter((e) => e.sealedUntilOpeningOf === tender.id);
    expect(sealed.map((e) => e.action).filter((a) => a.startsWith('BID_') && !a.startsWith('BID_SECURITY'))).toEqual(expect.arrayContaining(['BID_SUBMITTED', 'BID_WITHDRAWN']));
    expect(sealed.filter((e) => e.action === 'BID_SUBMITTED')).toHaveLength(5);
    expect(sealed.every((e) => e.tenderId === tender.id)).toBe(true);
    // In order: each stream's sequence numbers ascend down the list, and the submissions precede BIDS_OPENED.
    const lastSeq = new Map<string, number>();
    for (const e of sealed) {
      expect(e.streamSeq).toBe((lastSeq.get(e.stream) ?? 0) + 1);
      lastSeq.set(e.stream, e.streamSeq);
    }
    const opened = after.items.find((e) => e.action === 'BIDS_OPENED')!;
    expect(after.items.indexOf(opened)).toBeGreaterThan(after.items.indexOf(sealed[sealed.length - 1]));
    // Each opened bid's audit head is recorded in the tender's chain (a bid stream deleted whole is noticed).
    for (const b of opened.data.bids as Array<{ bidId: string; auditHead: { streamSeq: number; hash: string } }>) {
      const own = sealed.filter((e) => e.stream === `bid:${b.bidId}`);
      expect(b.auditHead).toEqual({ streamSeq: own.length, hash: own[own.length - 1].hash });
    }
    // The sealed events name no submitter (issue 17, sealed identities: actor "sealed-bidder", no IP); the opening's
    // BID_IDENTITIES_UNSEALED names the bidder's user and IP for each version now.
    const first = sealed.find((e) => e.objectId === bids[1].body.bidId && e.action === 'BID_SUBMITTED')!;
    expect(first).toMatchObject({ actorId: 'sealed-bidder', ip: '' });
    const unsealed = after.items.find((e) => e.action === 'BID_IDENTITIES_UNSEALED')!;
    expect(unsealed.data.submitters).toContainEqual({
      bidId: bids[1].body.bidId,
      version: 1,
      organizationId: bidders[1].organizationId,
      userId: bidders[1].userId,
      ip: expect.stringMatching(/127\.0\.0\.1|::1/),
    });

    const submitted = await get('/audit', { action: 'BID_SUBMITTED', pageSize: 200 });
    expect(submitted.total).toBe(5);
    const payments = await get('/audit', { action: 'BID_SECURITY_PAYMENT_RECEIVED', pageSize: 200 });
    expect(payments.total).toBe(4);
    const v = await get('/audit/verify', { tenderId: tender.id });
    expect(v).toMatchObject({ valid: true, streams: 1 + 4 + 4 }); // the tender's, four bids', four accounts'
    expect(v.events).toBe(after.total);
    const all = await get('/audit/verify');
    expect(all.valid).toBe(true);
    expect(all.events).toBeGreaterThan(snapshot1.verify.events + sealed.length - 1);
  });
});
