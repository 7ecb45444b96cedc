/**
 * BidSecurityRecordsRepository against the real PostgreSQL: a payment is inserted once per bank transaction (the
 * unique index decides, the losing copy gets null), received at the database clock unless told otherwise.
 */
import { BidSecurityRecordsRepository, type NewPaymentRow } from 'src/modules/bid-security/bid-security-records.repository';
import { txnId } from './factories/bid-security.factory';
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
  });
});
