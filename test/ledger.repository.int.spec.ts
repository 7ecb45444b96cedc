/**
 * The bid-security repositories of the ledger and the settlement against the real PostgreSQL: the multi-row journal
 * insert and the sums by account, the bank order written once per key (ON CONFLICT), the refund and the earmarking of
 * payments (a CTE), and the settlement of guarantees (a CTE with FOR UPDATE). Every test rolls its writes back, so the
 * ledger other suites reconcile is untouched.
 */
import { createHash, randomUUID } from 'crypto';
import { type EntityManager } from 'typeorm';
import { BankRefundInstructionsRepository } from 'src/modules/bid-security/bank/bank-refund-instructions.repository';
import { LedgerRepository } from 'src/modules/bid-security/ledger/ledger.repository';
import { SettlementRepository } from 'src/modules/bid-security/settlement.repository';
import { bidderWithAccount, insertTender, notification, pay } from './factories/bid-security.factory';
import { registerParty } from './factories/identity.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('bid-security ledger and settlement repositories (real PostgreSQL)', () => {
  let t: TestApp;
  let ledger: LedgerRepository;
  let bank: BankRefundInstructionsRepository;
  let settlements: SettlementRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    ledger = t.app.get(LedgerRepository);
    bank = t.app.get(BankRefundInstructionsRepository);
    settlements = t.app.get(SettlementRepository);
  });
  afterAll(async () => t?.close());

  /** Runs the work in a transaction that is rolled back. */
  const rolledBack = async (work: (m: EntityManager) => Promise<void>): Promise<void> => {
    const rollback = new Error('rollback');
    await expect(
      t.dataSource.transaction(async (m) => {
        await work(m);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
  };

  it('a journal is inserted in one statement, its lines numbered; sums by account under a prefix; a balanced journal is not listed as unbalanced', async () => {
    const prefix = `TEST:${randomUUID().slice(0, 8)}:`;
    const journalId = randomUUID();
    await rolledBack(async (m) => {
      await ledger.insertJournal(m, { journalId, kind: 'RECEIPT', sourceType: 'payment', sourceId: randomUUID(), tenderId: null }, [
        { account: `${prefix}BANK`, debit: '100.00', credit: '0.00', memo: '收款' },
        { account: `${prefix}DEPOSIT`, debit: '0.00', credit: '60.00', memo: '' },
        { account: `${prefix}DEPOSIT`, debit: '0.00', credit: '40.00', memo: '' },
      ]);
      const lines = await m.query(`SELECT line_no, account FROM ledger_entries WHERE journal_id = $1 ORDER BY line_no`, [journalId]);
      expect(lines.map((l: { line_no: number }) => l.line_no)).toEqual([1, 2, 3]);
      expect(await ledger.sumsByAccount(m, { accountPrefix: prefix })).toEqual([
        { account: `${prefix}BANK`, debits: '100.00', credits: '0.00' },
        { account: `${prefix}DEPOSIT`, debits: '0.00', credits: '100.00' },
      ]);
      expect(await ledger.unbalancedJournals(m)).not.toContain(journalId);
    });
  });

  it('an unbalanced journal is listed as such, and the database refuses it at commit', async () => {
    const journalId = randomUUID();
    await rolledBack(async (m) => {
      await ledger.insertJournal(m, { journalId, kind: 'RECEIPT', sourceType: 'payment', sourceId: randomUUID(), tenderId: null }, [
        { account: 'TEST:ONE-SIDED', debit: '1.00', credit: '0.00', memo: '' },
      ]);
      expect(await ledger.unbalancedJournals(m)).toContain(journalId);
    });
    await expect(
      t.dataSource.transaction((m) =>
        ledger.insertJournal(m, { journalId: randomUUID(), kind: 'RECEIPT', sourceType: 'payment', sourceId: randomUUID(), tenderId: null }, [
          { account: 'TEST:ONE-SIDED', debit: '1.00', credit: '0.00', memo: '' },
        ]),
      ),
    ).rejects.toThrow();
  });

  it('a refund is planned, earmarks each payment once; the bank order is written once per key; the account is settled', async () => {
    const tender = await insertTender(t);
    const a = await bidderWithAccount(t, tender.id);
    await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, payerAccountNo: a.basicAccountNo }));
    const [payment]: Array<{ id: string; account_id: string }> = await t.dataSource.query(`SELECT id, account_id FROM bid_security_payments WHERE virtual_account_no = $1`, [
      a.virtualAccountNo,
    ]);
    await rolledBack(async (m) => {
      const refund = await settlements.insertRefund(m, {
        accountId: payment.account_id,
        tenderId: tender.id,
        reason: 'WITHDRAWAL',
        legalBasis: '招标投标法实施条例第三十五条',
        periodDays: 5,
        periodUnit: 'CALENDAR_DAYS',
        periodStart: new Date(),
        dueAt: new Date(Date.now() + 5 * 86_400_000),
        withInterest: false,
        interestRate: null,
        principal: '200000.00',
      });
      expect(refund.now).toBeInstanceOf(Date);
      expect(await settlements.earmarkPayments(m, refund.id, [payment.id, randomUUID()])).toBe(1);
      expect(await settlements.earmarkPayments(m, refund.id, [payment.id])).toBe(0);

      const order = {
        idempotencyKey: `refund-${refund.id}-1`,
        refundId: refund.id,
        tenderId: tender.id,
        payeeAccountNo: a.basicAccountNo,
        payeeName: '盐城测试建设有限公司',
        principal: '200000.00',
        interest: '0.00',
        amount: '200000.00',
        memo: '退还投标保证金',
        payeeSealed: null,
        originalTxnIds: null,
      };
      const id = await bank.insertOnce(m, order);
      expect(id).toEqual(expect.any(String));
      expect(await bank.insertOnce(m, { ...order, memo: 'again' })).toBeNull();
      expect(await bank.idByKey(m, order.idempotencyKey)).toBe(id);
      expect(await bank.idByKey(m, 'no-such-key')).toBeNull();

      await settlements.markRefundDue(m, payment.account_id, refund.id);
      expect((await m.query(`SELECT status, current_refund_id FROM bid_security_accounts WHERE id = $1`, [payment.account_id]))[0]).toEqual({
        status: 'REFUND_DUE',
        current_refund_id: refund.id,
      });
      await settlements.setForfeitedAmount(m, payment.id, '1000.00');
      await settlements.markForfeited(m, payment.account_id, 'BID_REVOKED');
      const [account] = await m.query(`SELECT status, forfeit_reason, forfeited_at FROM bid_security_accounts WHERE id = $1`, [payment.account_id]);
      expect(account).toMatchObject({ status: 'FORFEITED', forfeit_reason: 'BID_REVOKED' });
      expect(account.forfeited_at).toBeInstanceOf(Date);
      expect((await m.query(`SELECT forfeited_amount FROM bid_security_payments WHERE id = $1`, [payment.id]))[0].forfeited_amount).toBe('1000.00');
    });
    expect(await settlements.lotOfBid(t.dataSource.manager, randomUUID())).toBeNull();
  });

  it('settles the VALID guarantees selected by bidder, exception and lot, each once', async () => {
    const tender = await insertTender(t);
    const [x, y] = [await registerParty(t), await registerParty(t)];
    const insert = (org: string, lotNo: number) =>
      t.dataSource.query(
        `INSERT INTO bid_guarantees (guarantee_no, issuer_uscc, issuer_type, issuer_name, tender_id, lot_no, bidder_organization_id, amount, valid_from,
                                     valid_until, issued_at, body_sha256)
         VALUES ($1, '91320900MA1MBANK0X', 'BANK', '测试银行', $2, $3, $4, '1000.00', current_date, current_date + 90, now(), $5) RETURNING id`,
        [`G-${randomUUID()}`, tender.id, lotNo, org, sha(randomUUID())],
      );
    await insert(x.organizationId!, 1);
    await insert(x.organizationId!, 2);
    await insert(y.organizationId!, 1);
    const none = { bidder: null, bidderBlindIndex: null, except: null, exceptBlindIndex: null, lotNo: null };
    await rolledBack(async (m) => {
      const released = await settlements.settleGuarantees(m, tender.id, { ...none, except: x.organizationId!, exceptBlindIndex: 'none' }, 'RELEASED', 'NOT_AWARDED', '第三十八条');
      expect(released.map((g) => g.bidderOrganizationId)).toEqual([y.organizationId]);
      const claimed = await settlements.settleGuarantees(
        m,
        tender.id,
        { ...none, bidder: x.organizationId!, bidderBlindIndex: 'none', lotNo: 2 },
        'CLAIMED',
        'BID_REVOKED',
        '第三十五条',
      );
      expect(claimed).toHaveLength(1);
      expect(claimed[0].guaranteeNo).toMatch(/^G-/);
      expect(await settlements.settleGuarantees(m, tender.id, { ...none, except: x.organizationId!, exceptBlindIndex: 'none' }, 'RELEASED', 'NOT_AWARDED', '第三十八条')).toEqual(
        [],
      );
      const rows = await m.query(
        `SELECT lot_no, bidder_organization_id, status, settlement_reason FROM bid_guarantees WHERE tender_id = $1 ORDER BY bidder_organization_id = $2, lot_no`,
        [tender.id, x.organizationId],
      );
      expect(rows).toEqual([
        { lot_no: 1, bidder_organization_id: y.organizationId, status: 'RELEASED', settlement_reason: 'NOT_AWARDED' },
        { lot_no: 1, bidder_organization_id: x.organizationId, status: 'VALID', settlement_reason: null },
        { lot_no: 2, bidder_organization_id: x.organizationId, status: 'CLAIMED', settlement_reason: 'BID_REVOKED' },
      ]);
    });
  });
});
