/**
 * BidSecuritySealingRepository against the real PostgreSQL: the sub-account insert (once per number), the payer filled
 * with the sub-account's owner when its seal names none, and the refunds whose orders still lack a payee (the jsonb
 * path filter: sealed, or paid back by transaction).
 */
import { randomUUID } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { BidSecuritySealingRepository } from 'src/modules/bid-security/bid-security-sealing.repository';
import { insertTender, txnId } from './factories/bid-security.factory';
import { registerParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('BidSecuritySealingRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: BidSecuritySealingRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(BidSecuritySealingRepository);
  });
  afterAll(async () => t?.close());

  const order = (o: { payeeAccountNo: string | null; originalTxnIds?: string[] }) => ({
    payeeName: o.payeeAccountNo ? '甲公司' : null,
    principal: '10.00',
    interest: '0.00',
    amount: '10.00',
    bankReference: randomUUID(),
    ...o,
  });

  it('inserts a sealed sub-account once; fills the payer and, when its seal names no bidder, the owner of the sub-account', async () => {
    const m = t.dataSource.manager;
    const tender = await insertTender(t);
    const bidder = await registerParty(t, { role: Role.BIDDER });
    const account = {
      tenderId: tender.id,
      lotNo: 1,
      virtualAccountNo: `88${Date.now()}`.slice(0, 19),
      bidderOrganizationId: null,
      bidderBlindIndex: 'bi',
      ownerSealed: '{"v":1}',
      basicAccountDigest: 'd',
    };
    const id = await repo.insertAccount(m, account);
    expect(id).toEqual(expect.any(String));
    expect(await repo.insertAccount(m, account)).toBeNull();
    const txn = txnId();
    await t.dataSource.query(
      `INSERT INTO bid_security_payments (txn_id, body_sha256, virtual_account_no, account_id, tender_id, amount, paid_at, received_at, classification, payer_sealed)
       VALUES ($1, repeat('0', 64), $2, $3, $4, 10, now(), now(), 'ACCEPTED', '{"v":1}')`,
      [txn, account.virtualAccountNo, id, tender.id],
    );
    await t.dataSource.transaction(async (tx) => {
      expect(await repo.sealedAccounts(tx, tender.id)).toEqual([{ id, tenderId: tender.id, virtualAccountNo: account.virtualAccountNo, ownerSealed: '{"v":1}' }]);
      const [p] = await repo.sealedPayments(tx, tender.id);
      expect(p).toMatchObject({ txnId: txn, bidderOrganizationId: null, payerSealed: '{"v":1}' });
      expect(await repo.payerOfTransaction(tx, txn)).toBeNull(); // still sealed
      await repo.setAccountOwner(tx, id!, bidder.organizationId!);
      await repo.setPayer(tx, p.id, { payerAccountNo: '6217000011112222333', payerName: '甲公司', organizationId: null });
    });
    const [row] = await t.dataSource.query(`SELECT bidder_organization_id, payer_account_no FROM bid_security_payments WHERE txn_id = $1`, [txn]);
    expect(row).toEqual({ bidder_organization_id: bidder.organizationId, payer_account_no: '6217000011112222333' });
    expect(await repo.payerOfTransaction(m, txn)).toEqual({ payeeAccountNo: '6217000011112222333', payeeName: '甲公司' });
    expect(await repo.sealedPayments(m, tender.id)).toEqual([]);
  });

  it('lists the refunds whose orders lack a payee (sealed, or by transaction), not those in clear; and the bank orders likewise', async () => {
    const m = t.dataSource.manager;
    const tender = await insertTender(t);
    const insertRefund = async (instructions: unknown, sealed: string | null) => {
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO bid_security_refunds (tender_id, reason, legal_basis, period_days, period_unit, period_start, due_at, with_interest, principal, status, executed_at, instructions, instructions_sealed)
         VALUES ($1, 'WITHDRAWAL', 'TBR Art. 35', 5, 'CALENDAR_DAYS', now(), now(), false, 10, 'SENT', now(), $2, $3) RETURNING id`,
        [tender.id, instructions === null ? null : JSON.stringify(instructions), sealed],
      );
      return id as string;
    };
    const byTxn = await insertRefund([order({ payeeAccountNo: null, originalTxnIds: ['T1'] })], null);
    await insertRefund([order({ payeeAccountNo: '6217000011112222333' })], null);
    const sealed = await insertRefund(null, 'sealed');
    const found = await repo.refundsWithoutPayees(m, tender.id);
    expect(found.map((r) => r.id).sort()).toEqual([byTxn, sealed].sort());
    expect(found.find((r) => r.id === byTxn)).toMatchObject({ instructions: [{ payeeAccountNo: null, originalTxnIds: ['T1'] }], instructionsSealed: null });
    await repo.setRefundOrders(m, byTxn, [order({ payeeAccountNo: '6217000011112222333', originalTxnIds: ['T1'] })]);
    expect((await repo.refundsWithoutPayees(m, tender.id)).map((r) => r.id)).toEqual([sealed]);

    await t.dataSource.query(
      `INSERT INTO bank_refund_instructions (idempotency_key, refund_id, tender_id, principal, interest, amount, memo, original_txn_ids)
       VALUES ($1, $2, $3, 10, 0, 10, '退还', ARRAY['T1'])`,
      [`${byTxn}-1`, byTxn, tender.id],
    );
    const [o] = await repo.bankOrdersWithoutPayees(m, tender.id);
    expect(o).toMatchObject({ idempotencyKey: `${byTxn}-1`, payeeSealed: null, originalTxnIds: ['T1'] });
    await repo.setBankOrderPayee(m, o.id, { payeeAccountNo: '6217000011112222333', payeeName: '甲公司' });
    expect(await repo.bankOrdersWithoutPayees(m, tender.id)).toEqual([]);
    // An order with neither a payee nor a transaction is refused by the table.
    await expect(
      t.dataSource.query(`INSERT INTO bank_refund_instructions (idempotency_key, refund_id, tender_id, principal, interest, amount, memo) VALUES ($1, $2, $3, 10, 0, 10, 'x')`, [
        `${byTxn}-2`,
        byTxn,
        tender.id,
      ]),
    ).rejects.toThrow(/CK_BANK_REFUND_INSTRUCTIONS_CLEAR_OR_SEALED/);
  });
});
