/**
 * BidSecurityRowsRepository against the real PostgreSQL: the bidder's sub-account is found in clear or, while its
 * owner is sealed, by the blind index only; the FOR UPDATE variants really lock (a second transaction waits); the
 * held payments are the counted ones not yet earmarked; the tender read model carries the database clock.
 */
import { BidSecurityRowsRepository } from 'src/modules/bid-security/bid-security-rows.repository';
import { BidSecurityStore } from 'src/modules/bid-security/bid-security.store';
import { bidderWithAccount, insertTender, notification, pay } from './factories/bid-security.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('BidSecurityRowsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let rows: BidSecurityRowsRepository;
  let store: BidSecurityStore;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    rows = t.app.get(BidSecurityRowsRepository);
    store = t.app.get(BidSecurityStore);
  });
  afterAll(async () => t?.close());

  it('the tender read model: its terms and the database clock; null for no tender', async () => {
    const tender = await insertTender(t, { amount: '150000.00', deadlineInMs: 3_600_000 });
    const m = t.dataSource.manager;
    const row = await rows.tender(m, tender.id);
    expect(row).toMatchObject({ id: tender.id, status: 'PUBLISHED', bid_security_amount: '150000.00' });
    expect(new Date(row!.bid_deadline).getTime()).toBeGreaterThan(new Date(row!.now).getTime());
    expect(await rows.tender(m, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('finds a sub-account by its bidder in clear, and by the blind index alone while the owner is sealed', async () => {
    const m = t.dataSource.manager;
    const clear = await insertTender(t); // no identity key: the owner is stored in clear
    const a = await bidderWithAccount(t, clear.id);
    const byOrg = await rows.accountFor(m, { tenderId: clear.id, bidderOrganizationId: a.bidder.organizationId!, bidderBlindIndex: 'none', lotNo: 1 });
    expect(byOrg).toMatchObject({ tender_id: clear.id, bidder_organization_id: a.bidder.organizationId, virtual_account_no: a.virtualAccountNo });

    const sealed = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '200000.00' });
    const b = await bidderWithAccount(t, sealed.id);
    const index = await store.blindIndex(sealed.id, b.bidder.organizationId!);
    const found = await rows.accountFor(m, { tenderId: sealed.id, bidderOrganizationId: b.bidder.organizationId!, bidderBlindIndex: index, lotNo: 1 });
    expect(found).toMatchObject({ tender_id: sealed.id, bidder_organization_id: null, bidder_blind_index: index });
    // Without the index the organisation id alone finds nothing: it is not in the row.
    expect(await rows.accountFor(m, { tenderId: sealed.id, bidderOrganizationId: b.bidder.organizationId!, bidderBlindIndex: 'x'.repeat(64), lotNo: 1 })).toBeNull();
    expect(await rows.accountFor(m, { tenderId: sealed.id, bidderOrganizationId: b.bidder.organizationId!, bidderBlindIndex: index, lotNo: 2 })).toBeNull();
    expect((await rows.accountsOfTender(m, sealed.id)).map((r) => r.id)).toEqual([found!.id]);
  });

  it('the FOR UPDATE variants lock the sub-account: a second transaction waits for the first', async () => {
    const tender = await insertTender(t);
    const { bidder } = await bidderWithAccount(t, tender.id);
    const [account] = await rows.accountsOfTender(t.dataSource.manager, tender.id);
    expect(account.bidder_organization_id).toBe(bidder.organizationId);
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      expect(await rows.accountById(runner.manager, account.id, true)).toMatchObject({ id: account.id });
      const blocked = t.dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL lock_timeout = '300ms'`);
        return rows.accountById(m, account.id, true);
      });
      await expect(blocked).rejects.toThrow(/lock timeout/);
      // Without FOR UPDATE the row reads at once.
      expect(await rows.accountById(t.dataSource.manager, account.id)).toMatchObject({ id: account.id });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('held payments are the counted ones not yet earmarked for a refund; refunds of an account none before any', async () => {
    const tender = await insertTender(t, { amount: '200000.00' });
    const a = await bidderWithAccount(t, tender.id);
    await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, amount: '200000.00', payerAccountNo: a.basicAccountNo }));
    const m = t.dataSource.manager;
    const [account] = await rows.accountsOfTender(m, tender.id);
    const all = await rows.paymentsOfAccount(m, account.id);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ account_id: account.id, amount: '200000.00', counted: true, refund_id: null });
    expect((await rows.heldPayments(m, account.id)).map((p) => p.id)).toEqual([all[0].id]);
    expect(await rows.refundsOfAccount(m, account.id)).toEqual([]);
    expect(await rows.refund(m, '00000000-0000-4000-8000-000000000000')).toBeNull();
  });
});
