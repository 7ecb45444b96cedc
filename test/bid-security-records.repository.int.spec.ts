/**
 * BidSecurityRecordsRepository against the real PostgreSQL: a payment is inserted once per bank transaction (the
 * unique index decides, the losing copy gets null), received at the database clock unless told otherwise.
 */
import { BidSecurityRecordsRepository, type NewPaymentRow } from 'src/modules/bid-security/bid-security-records.repository';
import { insertTender, txnId } from './factories/bid-security.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('BidSecurityRecordsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: BidSecurityRecordsRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(BidSecurityRecordsRepository);
  });
  afterAll(async () => t?.close());

  it('inserts a payment once per txnId; the copy gets null and the first body digest stays', async () => {
    const m = t.dataSource.manager;
    const payment: NewPaymentRow = {
      txnId: txnId(),
      bodySha256: 'a'.repeat(64),
      virtualAccountNo: '8801000000000000001',
      accountId: null,
      tenderId: null,
      bidderOrganizationId: null,
      amount: '12.30',
      payerAccountNo: '6217000011112222333',
      payerName: '某某',
      payerIsBasicAccount: null,
      paidAt: new Date(Date.now() - 60_000),
      receivedAt: null,
      classification: 'UNMATCHED',
      payerSealed: null,
    };
    const before = await repo.now(m);
    const row = await repo.insertPayment(m, payment);
    expect(row).toMatchObject({ txnId: payment.txnId, amount: '12.30', payerAccountNo: '6217000011112222333', classification: 'UNMATCHED', counted: false });
    expect(row!.receivedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(await repo.insertPayment(m, { ...payment, bodySha256: 'b'.repeat(64) })).toBeNull();
    expect(await repo.bodyDigestOfTransaction(m, payment.txnId)).toBe('a'.repeat(64));
    expect(await repo.bodyDigestOfTransaction(m, txnId())).toBeNull();
    expect(await repo.accountByVirtualAccountNo(m, '8801999999999999999')).toBeNull();
    // The unmatched payment is held in suspense until it goes back, and listed (newest first).
    expect(Number(await repo.unmatchedHeld(m))).toBeGreaterThanOrEqual(12.3);
    expect(await repo.countUnmatched(m)).toBeGreaterThanOrEqual(1);
    expect((await repo.unmatchedPage(m, 1, 50)).find((r) => r.txnId === payment.txnId)).toMatchObject({ amount: '12.30', refundStatus: null, dueAt: null });
  });

  it('a tender with no money: every reconciliation total is zero', async () => {
    const tender = await insertTender(t);
    expect(await repo.reconciliationTotals(t.dataSource.manager, tender.id)).toEqual({ received: '0', paidOut: '0', stillHeld: '0', forfeited: '0', interest: '0' });
    expect(await repo.accountOwners(t.dataSource.manager, tender.id)).toEqual([]);
    expect(await repo.payerRecords(t.dataSource.manager, tender.id)).toEqual([]);
  });
});
