import { Role } from 'src/common/auth/role.enum';
import { sealBid } from 'src/sdk';
import { plaintextOf, sealAndSubmit } from './factories/bid.factory';
import { guaranteeNotification, notification, pay, postGuarantee, waitFor, waitForRefunds } from './factories/bid-security.factory';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, tenderBody } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * 标段 (lots) against the real services: one tender, two lots; a bidder bids for one or more lots, each with the
 * lot's own security (cash sub-account or electronic guarantee); at the deadline each lot is opened or fails on its
 * own (TBL Art. 28). The v1 paths are lot 1.
 */
describe('lots (标段) — bids, security and opening per lot (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  const lots = (lot2Security?: string) => [
    { title: '第一标段：K0+000~K5+200', budget: '20000000.00' },
    { title: '第二标段：K5+200~K9+800', budget: '20000000.00', ...(lot2Security ? { bidSecurityAmount: lot2Security } : {}) },
  ];

  it('each lot’s security ≤ 2% of its budget (TBR Art. 26): 400000.00 taken, 400000.01 refused', async () => {
    // The default share of a lot without its own amount never breaks the cap.
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    const over = await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ extra: { lots: lots('400000.01') } }));
    expect(over.status).toBe(400);
    expect(over.body.details.map((d: { field: string }) => d.field)).toContain('lots[1].bidSecurityAmount');
    const ok = await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ extra: { lots: lots('400000.00') } }))
      .expect(201);
    expect(ok.body.lots).toEqual([
      // No amount of its own: the tender's 200000.00 in proportion to the lot's half of the budget.
      { lotNo: 1, title: '第一标段：K0+000~K5+200', budget: '20000000.00', bidSecurityAmount: '100000.00', status: 'ACTIVE' },
      { lotNo: 2, title: '第二标段：K5+200~K9+800', budget: '20000000.00', bidSecurityAmount: '400000.00', status: 'ACTIVE' },
    ]);
  });

  it('bids and security per lot; at the deadline lot 1 (3 bids) opens and lot 2 (2 bids) fails alone', async () => {
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const stats = async () => (await t.http().get('/api/v1/statistics').set(supervisor.auth).expect(200)).body;
    const before = await stats();
    const tender = await createPublishedTender(t, { deadlineInMs: 8_000, extra: { lots: lots('100000.00') } });
    expect((await stats()).lots - before.lots).toBe(2);
    const [a, b, c, d] = await Promise.all([registerParty(t), registerParty(t), registerParty(t), registerParty(t)]);
    const lotPath = (lotNo: number | string, rest: string) => `/api/v1/tenders/${tender.id}/lots/${lotNo}/${rest}`;
    const account = async (who: TestParty, lotNo: number) => (await t.http().get(lotPath(lotNo, 'bid-security/account')).set(who.auth).expect(200)).body;

    // Lot 1 through the v1 path and the lot path: the same sub-account. Lot 2: its own number and amount.
    const aLot1 = (await t.http().get(`/api/v1/tenders/${tender.id}/bid-security/account`).set(a.auth).expect(200)).body;
    expect(await account(a, 1)).toEqual({ ...aLot1, lotNo: 1 });
    const bLot2 = await account(b, 2);
    expect(bLot2.amount).toBe('100000.00');
    expect(bLot2.virtualAccountNo).not.toBe((await account(b, 1)).virtualAccountNo);
    expect((await t.http().get(lotPath(3, 'bid-security/account')).set(a.auth)).status).toBe(404);
    expect((await t.http().get(lotPath(0, 'bid-security/account')).set(a.auth)).body.code).toBe('VALIDATION_FAILED');
    expect((await t.http().get(lotPath('x', 'bid-security/account')).set(a.auth)).body.code).toBe('VALIDATION_FAILED');

    for (const who of [a, b, c, d]) {
      const acc = await account(who, 1);
      await pay(t, notification({ virtualAccountNo: acc.virtualAccountNo, amount: '200000.00' }));
    }
    await pay(t, notification({ virtualAccountNo: bLot2.virtualAccountNo, amount: '100000.00' }));

    const bid = (who: TestParty, lotNo: number, price: string) => sealAndSubmitTo(t, tender, who, price, lotNo);
    // Lot 1's security does not secure lot 2.
    expect((await bid(a, 2, '9000000.00')).body.code).toBe('BID_SECURITY_MISSING');
    await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: a.uscc!, lotNo: 2, amount: '99999.99' })).expect(422);
    await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: a.uscc!, lotNo: 2, amount: '100000.00' })).expect(200);
    expect((await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: a.uscc!, lotNo: 3 }))).status).toBe(400);

    expect((await bid(a, 1, '19000000.00')).status).toBe(201); // v1 path = lot 1
    expect((await bid(a, 2, '9000000.00')).status).toBe(201);
    expect((await bid(b, 1, '19100000.00')).status).toBe(201);
    expect((await bid(b, 2, '9100000.00')).status).toBe(201);
    expect((await bid(c, 1, '19200000.00')).status).toBe(201);
    expect((await bid(d, 1, '19300000.00')).status).toBe(201);
    expect((await bid(c, 3, '19200000.00')).status).toBe(404);

    // One bid per lot: a bidder sees each of its own, by lot.
    const aLot2Bid = (await t.http().get(lotPath(2, 'bids/mine')).set(a.auth).expect(200)).body;
    const aLot1Bid = (await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(a.auth).expect(200)).body;
    expect(aLot2Bid.bidId).not.toBe(aLot1Bid.bidId);
    expect([aLot1Bid.lotNo, aLot2Bid.lotNo]).toEqual([1, 2]);
    expect((await t.http().get(lotPath(1, 'bids/mine')).set(a.auth).expect(200)).body).toEqual(aLot1Bid); // v1 path = lot 1
    expect((await t.http().get(lotPath(2, 'bids/mine')).set(c.auth)).status).toBe(404);

    // d withdraws its lot-1 bid: only that lot's security goes back.
    await t.http().delete(lotPath(1, 'bids/mine')).set(d.auth).expect(200);
    await waitForRefunds(t);
    expect((await t.http().get(lotPath(1, 'bid-security/mine')).set(d.auth)).body.status).toBe('REFUNDED');
    expect((await t.http().get(lotPath(2, 'bid-security/mine')).set(a.auth)).body).toMatchObject({ lotNo: 2, status: 'PAID', form: 'E_GUARANTEE' });

    // The deadline: lot 1 has 3 bids and opens; lot 2 has 2 and fails alone (TBL Art. 28; TBR Art. 44).
    await waitFor(async () => (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status === 'OPENING', 30_000, 'the opening');
    const view = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body;
    expect(view.lots.map((l: { status: string }) => l.status)).toEqual(['ACTIVE', 'FAILED']);
    const statuses: Array<{ lot_no: number; status: string }> = await t.dataSource.query(`SELECT lot_no, status FROM bids WHERE tender_id = $1 ORDER BY lot_no, status`, [
      tender.id,
    ]);
    expect(statuses).toEqual([
      { lot_no: 1, status: 'OPENED' },
      { lot_no: 1, status: 'OPENED' },
      { lot_no: 1, status: 'OPENED' },
      { lot_no: 1, status: 'WITHDRAWN' },
      { lot_no: 2, status: 'SUBMITTED' },
      { lot_no: 2, status: 'SUBMITTED' },
    ]);
    // Lot 2's securities go back: b's cash is refunded, a's guarantee released; their lot-1 security is still held.
    await waitForRefunds(t);
    expect((await t.http().get(lotPath(2, 'bid-security/mine')).set(b.auth)).body).toMatchObject({ status: 'REFUNDED', refunds: [{ reason: 'TERMINATION' }] });
    expect((await t.http().get(lotPath(2, 'bid-security/mine')).set(a.auth)).body).toMatchObject({ status: 'REFUNDED', guarantees: [{ status: 'RELEASED' }] });
    expect((await t.http().get(lotPath(1, 'bid-security/mine')).set(b.auth)).body.status).toBe('PAID');
    const audit = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'LOT_FAILED'`, [tender.id]);
    expect(audit.map((e: { data: { lotNo: number } }) => e.data.lotNo)).toEqual([2]);
    // Statistics per lot: the failed lot counts for supervisors; the tender itself did not fail.
    const after = await stats();
    expect(after.supervision.failedLots - before.supervision.failedLots).toBe(1);
    expect(after.supervision.failedTenders - before.supervision.failedTenders).toBe(0);
  });

  it('the lot routes are in the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/tenders/{id}/lots/{lotNo}/bids',
        '/api/v1/tenders/{id}/lots/{lotNo}/bids/mine',
        '/api/v1/tenders/{id}/lots/{lotNo}/bid-security/account',
        '/api/v1/tenders/{id}/lots/{lotNo}/bid-security/mine',
      ]),
    );
  });
});

/** Seals on the bidder's machine with the SDK and submits to a lot (lot 1 through the v1 path). */
async function sealAndSubmitTo(t: TestApp, tender: { id: string; escrowPublicKey: string | null }, who: TestParty, price: string, lotNo: number) {
  if (lotNo === 1) return sealAndSubmit(t, tender, who, price);
  const sealed = sealBid({
    tenderId: tender.id,
    bidderOrganizationId: who.organizationId!,
    plaintext: plaintextOf(price),
    ...(tender.escrowPublicKey ? { escrowPublicKey: tender.escrowPublicKey } : {}),
    client: { deviceId: `device-${who.username}` },
  });
  const res = await t.http().post(`/api/v1/tenders/${tender.id}/lots/${lotNo}/bids`).set(who.auth).send(sealed.request);
  return { status: res.status, body: res.body };
}
