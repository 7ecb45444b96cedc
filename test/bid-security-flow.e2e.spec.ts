import { Role } from 'src/common/auth/role.enum';
import { sealAndSubmit } from './factories/bid.factory';
import { createPublishedTender as publishTender } from './factories/tender.factory';
import { bidderWithAccount, expectLedgerBalanced, mine, notification, pay, waitFor, waitForRefunds } from './factories/bid-security.factory';
import { createStaff, registerParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * The securities through the other modules' real flows: a tender created and published over HTTP, sealed bids
 * refused until the bank reports the deposit, a withdrawal over HTTP, and the deadline with fewer than 3 bids
 * (the opening module fails the tender, the securities go back with interest).
 */
describe('bid security across the tender’s life (e2e, the real modules)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  it('pay → bid → withdraw → refund; deadline with 1 bid → FAILED → everyone refunded; the ledger balances', async () => {
    const tender = await publishTender(t, { deadlineInMs: 20_000, bidSecurityAmount: '200000.00' });
    const a = await bidderWithAccount(t, tender.id);
    const b = await bidderWithAccount(t, tender.id);
    const unpaid = await registerParty(t, { role: Role.BIDDER });

    // No deposit, no bid (TBR Art. 26).
    expect((await sealAndSubmit(t, tender, unpaid, '1000000.00')).body.code).toBe('BID_SECURITY_MISSING');
    await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, payerAccountNo: a.basicAccountNo }));
    await pay(t, notification({ virtualAccountNo: b.virtualAccountNo, payerAccountNo: b.basicAccountNo }));
    expect((await sealAndSubmit(t, tender, a.bidder, '1000000.00')).status).toBe(201);
    expect((await sealAndSubmit(t, tender, b.bidder, '1100000.00')).status).toBe(201);

    // Before opening: the owner and a supervisor see nothing.
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bid-security`).set(tender.owner.auth)).body.code).toBe('SEALED_UNTIL_OPENING');

    // b withdraws its bid over HTTP: its security is due back within 5 days (TBR Art. 35).
    const withdrawn = await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.bidder.auth);
    expect([200, 204]).toContain(withdrawn.status);
    await waitForRefunds(t);
    expect(await mine(t, tender.id, b.bidder)).toMatchObject({ status: 'REFUNDED' });
    expect((await sealAndSubmit(t, tender, b.bidder, '1100000.00')).body.code).toBe('BID_SECURITY_MISSING');

    // The deadline passes with one bid: the opening module fails the tender (TBL Art. 28); a's security goes back
    // with interest (TBR Art. 31).
    await waitFor(async () => (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status === 'FAILED', 30_000, 'the tender to fail');
    await waitFor(async () => (await mine(t, tender.id, a.bidder)).status === 'REFUNDED', 10_000, 'a’s refund');
    const view = await mine(t, tender.id, a.bidder);
    expect(view.refunds[0]).toMatchObject({ reason: 'TERMINATION', withInterest: true, principal: '200000.00', onTime: true });

    const list = await t.http().get(`/api/v1/tenders/${tender.id}/bid-security`).set(supervisor.auth).expect(200);
    expect(list.body.items.map((i: { status: string }) => i.status).sort()).toEqual(['REFUNDED', 'REFUNDED']);
    const rec = await t.http().get(`/api/v1/tenders/${tender.id}/bid-security/reconciliation`).set(tender.owner.auth).expect(200);
    expect(rec.body.balanced).toBe(true);
    await expectLedgerBalanced(t);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/bank/notifications',
        '/api/v1/tenders/{id}/bid-security/account',
        '/api/v1/tenders/{id}/bid-security/mine',
        '/api/v1/tenders/{id}/bid-security',
        '/api/v1/tenders/{id}/bid-security/reconciliation',
      ]),
    );
  });
});
