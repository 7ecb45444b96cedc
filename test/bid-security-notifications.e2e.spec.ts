import { Role } from 'src/common/auth/role.enum';
import { BidSecurityGate } from 'src/common/ports/bid-security.gate';
import { isValidVirtualAccountNo } from 'src/modules/bid-security/virtual-account-number';
import {
  bidderWithAccount,
  expectLedgerBalanced,
  insertTender,
  issueAccount,
  mine,
  notification,
  openTender,
  pay,
  postNotification,
  setDeadline,
  sign,
  txnId,
  waitForRefunds,
} from './factories/bid-security.factory';
import { adminParty, createStaff, registerParty } from './factories/identity.factory';
import { cancelTender } from './factories/tender-status.factory';
import { untilBidDeadlinePassed } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('bid security: sub-accounts and the bank’s notifications (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await waitForRefunds(t);
    await expectLedgerBalanced(t);
  });

  const count = async (table: string) => Number((await t.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const counts = async () => ({
    payments: await count('bid_security_payments'),
    ledger: await count('ledger_entries'),
    refunds: await count('bid_security_refunds'),
    audit: await count('audit_events'),
  });
  const payment = async (txn: string) => (await t.dataSource.query(`SELECT * FROM bid_security_payments WHERE txn_id = $1`, [txn]))[0];

  describe('virtual sub-accounts', () => {
    it('gives a bidder one number per tender, with a check digit, the same on every request', async () => {
      const tender = await insertTender(t);
      const other = await insertTender(t);
      const bidder = await registerParty(t);
      const a = await issueAccount(t, tender.id, bidder);
      expect(a).toEqual({ virtualAccountNo: expect.stringMatching(/^\d{19}$/), amount: '200000.00' });
      expect(isValidVirtualAccountNo(a.virtualAccountNo)).toBe(true);
      expect(await issueAccount(t, tender.id, bidder)).toEqual(a);
      const b = await issueAccount(t, other.id, bidder);
      expect(b.virtualAccountNo).not.toBe(a.virtualAccountNo);
      const bidder2 = await registerParty(t);
      expect((await issueAccount(t, tender.id, bidder2)).virtualAccountNo).not.toBe(a.virtualAccountNo);
    });

    it('concurrent first requests create one account', async () => {
      const tender = await insertTender(t);
      const bidder = await registerParty(t);
      const res = await Promise.all(Array.from({ length: 10 }, () => t.http().get(`/api/v1/tenders/${tender.id}/bid-security/account`).set(bidder.auth)));
      expect(res.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(new Set(res.map((r) => r.body.virtualAccountNo)).size).toBe(1);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_security_accounts WHERE tender_id = $1`, [tender.id]);
      expect(n).toBe(1);
    });

    it('only for published tenders open for bids; only bidders', async () => {
      const bidder = await registerParty(t);
      const draft = await insertTender(t, { status: 'DRAFT' });
      await t.http().get(`/api/v1/tenders/${draft.id}/bid-security/account`).set(bidder.auth).expect(404);
      const past = await insertTender(t, { deadlineInMs: -1000 });
      const late = await t.http().get(`/api/v1/tenders/${past.id}/bid-security/account`).set(bidder.auth).expect(409);
      expect(late.body.code).toBe('BID_DEADLINE_PASSED');
      const cancelled = await insertTender(t, { status: 'CANCELLED' });
      const closed = await t.http().get(`/api/v1/tenders/${cancelled.id}/bid-security/account`).set(bidder.auth).expect(409);
      expect(closed.body.code).toBe('TENDER_NOT_OPEN_FOR_BIDS');
      const open = await insertTender(t);
      await t.http().get(`/api/v1/tenders/${open.id}/bid-security/account`).set(open.owner.auth).expect(403);
      await t.http().get(`/api/v1/tenders/${open.id}/bid-security/account`).expect(401);
      await t.http().get(`/api/v1/tenders/not-a-uuid/bid-security/account`).set(bidder.auth).expect(400);
      await t.http().get(`/api/v1/tenders/00000000-0000-4000-8000-000000000000/bid-security/account`).set(bidder.auth).expect(404);
      expect(await count('bid_security_accounts')).toBeGreaterThan(0);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_security_accounts WHERE tender_id = ANY($1::uuid[])`, [[draft.id, past.id, cancelled.id]]);
      expect(n).toBe(0);
    });
  });

  describe('the signature: 401 INVALID_SIGNATURE and nothing stored', () => {
    let va: string;
    beforeAll(async () => {
      const tender = await insertTender(t);
      va = (await bidderWithAccount(t, tender.id)).virtualAccountNo;
    });

    const refused = async (send: () => Promise<{ status: number; body: { code: string } }>) => {
      const before = await counts();
      const res = await send();
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_SIGNATURE');
      expect(await counts()).toEqual(before);
    };

    it('a missing signature', () => refused(() => postNotification(t, notification({ virtualAccountNo: va }), null)));

    it('a wrong signature (another secret)', () => {
      const raw = JSON.stringify(notification({ virtualAccountNo: va }));
      return refused(() => postNotification(t, raw, sign(t, raw, 'not-the-bank-secret-at-all')));
    });

    it('garbage in the header', () => refused(() => postNotification(t, notification({ virtualAccountNo: va }), 'zz-not-hex')));

    it('a captured notification replayed with a changed body (the amount raised)', async () => {
      const original = JSON.stringify(notification({ virtualAccountNo: va, amount: '1.00' }));
      const signature = sign(t, original);
      const tampered = original.replace('"1.00"', '"200000.00"');
      await refused(() => postNotification(t, tampered, signature));
    });

    it('the same JSON re-serialised (whitespace) is another body: refused', async () => {
      const n = notification({ virtualAccountNo: va });
      const signature = sign(t, JSON.stringify(n));
      await refused(() => postNotification(t, JSON.stringify(n, null, 2), signature));
    });

    it('a signature check comes before validation: a bad body without a valid signature is a 401, not a 400', () =>
      refused(() => postNotification(t, { hello: 'world' }, 'ab'.repeat(32))));

    it('the right signature is accepted (upper-case hex too)', async () => {
      const raw = JSON.stringify(notification({ virtualAccountNo: va, amount: '1.00' }));
      const res = await postNotification(t, raw, sign(t, raw).toUpperCase()).expect(200);
      expect(res.body).toEqual({ status: 'ACCEPTED' });
    });
  });

  describe('bad input with a valid signature: 400 VALIDATION_FAILED, nothing stored', () => {
    let va: string;
    beforeAll(async () => {
      const tender = await insertTender(t);
      va = (await bidderWithAccount(t, tender.id)).virtualAccountNo;
    });
    const cases: Array<[string, (n: Record<string, unknown>) => unknown]> = [
      ['a float amount', (n) => ({ ...n, amount: 200000.5 })],
      ['three decimals', (n) => ({ ...n, amount: '1.005' })],
      ['a zero amount', (n) => ({ ...n, amount: '0.00' })],
      ['a negative amount', (n) => ({ ...n, amount: '-5.00' })],
      ['a missing txnId', (n) => ({ ...n, txnId: undefined })],
      ['a txnId with a colon', (n) => ({ ...n, txnId: 'a:b' })],
      ['paidAt without a time zone', (n) => ({ ...n, paidAt: '2026-11-27T08:30:00' })],
      ['paidAt not a date', (n) => ({ ...n, paidAt: 'yesterday' })],
      ['an unknown field', (n) => ({ ...n, memo: 'x' })],
      ['an array body', () => [1, 2]],
    ];
    it.each(cases)('%s', async (_, mutate) => {
      const before = await counts();
      const res = await postNotification(t, mutate({ ...notification({ virtualAccountNo: va }) }) as object).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.length).toBeGreaterThan(0);
      expect(await counts()).toEqual(before);
    });
  });

  describe('idempotent by txnId', () => {
    it('a repeated notification changes nothing', async () => {
      const tender = await insertTender(t);
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      const n = notification({ virtualAccountNo });
      expect(await pay(t, n)).toBe('ACCEPTED');
      const before = await counts();
      expect(await pay(t, n)).toBe('DUPLICATE');
      expect(await counts()).toEqual(before);
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID', paidAmount: '200000.00' });
    });

    it('the same txnId signed with another amount is ignored (the first one stands)', async () => {
      const tender = await insertTender(t);
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      const n = notification({ virtualAccountNo, amount: '1000.00' });
      await pay(t, n);
      expect(await pay(t, { ...n, amount: '900000.00' })).toBe('DUPLICATE');
      expect((await mine(t, tender.id, bidder)).paidAmount).toBe('1000.00');
    });

    it('100 concurrent copies of one notification credit once', async () => {
      const tender = await insertTender(t);
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      const raw = JSON.stringify(notification({ virtualAccountNo }));
      const before = await counts();
      const res = await Promise.all(Array.from({ length: 100 }, () => postNotification(t, raw)));
      expect(res.map((r) => r.status)).toEqual(Array(100).fill(200));
      const statuses = res.map((r) => r.body.status);
      expect(statuses.filter((s) => s === 'ACCEPTED')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'DUPLICATE')).toHaveLength(99);
      const after = await counts();
      expect(after.payments - before.payments).toBe(1);
      expect(after.ledger - before.ledger).toBe(2); // one journal: debit BANK_ESCROW, credit the bidder's deposit
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID', paidAmount: '200000.00', heldAmount: '200000.00' });
      const [{ d }] = await t.dataSource.query(`SELECT sum(debit)::text AS d FROM ledger_entries WHERE tender_id = $1 AND account = 'BANK_ESCROW'`, [tender.id]);
      expect(d).toBe('200000.00');
    });

    it('100 concurrent different notifications to one account all count', async () => {
      const tender = await insertTender(t, { amount: '100.00' });
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      const res = await Promise.all(Array.from({ length: 100 }, () => postNotification(t, notification({ virtualAccountNo, amount: '1.00' }))));
      expect(res.every((r) => r.status === 200 && r.body.status === 'ACCEPTED')).toBe(true);
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID', paidAmount: '100.00' });
    });
  });

  describe('partial, excess, out-of-order, late and unknown-account payments', () => {
    it('partial payments: UNPAID until the total reaches the amount', async () => {
      const tender = await insertTender(t, { amount: '200000.00' });
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      const gate = t.app.get(BidSecurityGate);
      const paid = () => t.dataSource.transaction((m) => gate.isPaid(m, tender.id, bidder.organizationId!));
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'UNPAID', paidAmount: '0.00' });
      expect(await paid()).toBe(false);
      await pay(t, notification({ virtualAccountNo, amount: '150000.00' }));
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'UNPAID', paidAmount: '150000.00' });
      expect(await paid()).toBe(false);
      await pay(t, notification({ virtualAccountNo, amount: '49999.99' }));
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'UNPAID', paidAmount: '199999.99' }); // one fen short
      expect(await paid()).toBe(false);
      await pay(t, notification({ virtualAccountNo, amount: '0.01' }));
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID', paidAmount: '200000.00' });
      expect(await paid()).toBe(true);
    });

    it('an excess payment is PAID; the surplus is held and later returned with the rest', async () => {
      const tender = await insertTender(t, { amount: '200000.00' });
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo, amount: '250000.00' }));
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID', paidAmount: '250000.00', heldAmount: '250000.00' });
    });

    it('out of order: the bank reports the later transfer first; the total is the same', async () => {
      const tender = await insertTender(t, { amount: '300000.00' });
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      const first = notification({ virtualAccountNo, amount: '100000.00', paidAt: new Date(Date.now() - 120_000).toISOString() });
      const second = notification({ virtualAccountNo, amount: '200000.00', paidAt: new Date(Date.now() - 60_000).toISOString() });
      expect(await pay(t, second)).toBe('ACCEPTED');
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'UNPAID', paidAmount: '200000.00' });
      expect(await pay(t, first)).toBe('ACCEPTED');
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID', paidAmount: '300000.00' });
    });

    it('the bank’s booking time does not decide lateness: the database clock at receipt does', async () => {
      const tender = await insertTender(t, { deadlineInMs: 60_000 });
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      // Booked "after the deadline" by a bank clock that runs fast, received before it: counts.
      const n = notification({ virtualAccountNo, paidAt: new Date(Date.now() + 3_600_000).toISOString() });
      expect(await pay(t, n)).toBe('ACCEPTED');
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID' });
      // Interest would never run from a booking time later than the receipt.
      const p = await payment(n.txnId);
      expect(new Date(p.received_at).getTime()).toBeLessThan(new Date(p.paid_at).getTime());
    });

    it('a late payment (received after the deadline) is recorded, not counted, and returned', async () => {
      const tender = await insertTender(t);
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      await setDeadline(t, tender.id, 1000);
      const onTime = notification({ virtualAccountNo, amount: '200000.00' });
      expect(await pay(t, onTime)).toBe('ACCEPTED'); // just before the deadline
      await untilBidDeadlinePassed(t.dataSource, tender.id);
      const late = notification({ virtualAccountNo, amount: '5000.00', paidAt: new Date(Date.now() - 10 * 60_000).toISOString() });
      expect(await pay(t, late)).toBe('LATE'); // booked earlier by the bank, received after the deadline: late
      const p = await payment(late.txnId);
      expect(p).toMatchObject({ classification: 'LATE', counted: false });
      await waitForRefunds(t);
      const view = await mine(t, tender.id, bidder);
      expect(view).toMatchObject({ status: 'PAID', paidAmount: '200000.00', heldAmount: '200000.00', returnedLateAmount: '5000.00' });
      const lateRefund = view.refunds.find((r: { reason: string }) => r.reason === 'LATE_PAYMENT');
      expect(lateRefund).toMatchObject({ status: 'SENT', principal: '5000.00', withInterest: false, interest: '0.00', onTime: true });
      const [instr] = await t.dataSource.query(`SELECT * FROM bank_refund_instructions WHERE refund_id = $1`, [lateRefund.refundId]);
      expect(instr).toMatchObject({ payee_account_no: late.payerAccountNo, amount: '5000.00' });
    });

    it('after the deadline nothing counts: the gate says unpaid', async () => {
      const tender = await insertTender(t);
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      await setDeadline(t, tender.id, -1);
      expect(await pay(t, notification({ virtualAccountNo }))).toBe('LATE');
      const gate = t.app.get(BidSecurityGate);
      expect(await t.dataSource.transaction((m) => gate.isPaid(m, tender.id, bidder.organizationId!))).toBe(false);
      expect((await mine(t, tender.id, bidder)).status).toBe('UNPAID');
    });

    it('a payment to a cancelled tender before its deadline: TENDER_CLOSED, returned', async () => {
      const tender = await insertTender(t);
      const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
      await cancelTender(t, tender);
      expect(await pay(t, notification({ virtualAccountNo }))).toBe('TENDER_CLOSED');
      await waitForRefunds(t);
      expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'UNPAID', paidAmount: '0.00', returnedLateAmount: '200000.00' });
    });

    it('a payment to an unknown sub-account is held in suspense and returned to the payer, never dropped', async () => {
      const n = notification({ virtualAccountNo: '8801000000000000000', payerAccountNo: '6217000099998888777', payerName: '某某个人' });
      expect(await pay(t, n)).toBe('UNMATCHED');
      const p = await payment(n.txnId);
      expect(p).toMatchObject({ classification: 'UNMATCHED', account_id: null, tender_id: null });
      const suspense = await t.dataSource.query(`SELECT account, credit FROM ledger_entries WHERE source_id = $1 AND credit > 0`, [p.id]);
      expect(suspense).toEqual([{ account: 'SUSPENSE_UNMATCHED', credit: '200000.00' }]);
      await waitForRefunds(t);
      const [instr] = await t.dataSource.query(`SELECT * FROM bank_refund_instructions WHERE refund_id = $1`, [(await payment(n.txnId)).refund_id]);
      expect(instr).toMatchObject({ payee_account_no: '6217000099998888777', payee_name: '某某个人', amount: '200000.00' });
      const supervisor = await createStaff(t, Role.SUPERVISOR);
      const list = await t.http().get('/api/v1/bank/unmatched-payments').set(supervisor.auth).expect(200);
      expect(list.body.items.find((i: { txnId: string }) => i.txnId === n.txnId)).toMatchObject({ returnStatus: 'SENT', amount: '200000.00' });
      const bidder = await registerParty(t);
      await t.http().get('/api/v1/bank/unmatched-payments').set(bidder.auth).expect(403);
    });

    it('keeps the payer account and name, and whether it is the bidder’s basic account (TBR Arts. 26, 40(6))', async () => {
      const tender = await insertTender(t, { amount: '1000.00' });
      const a = await bidderWithAccount(t, tender.id);
      const b = await bidderWithAccount(t, tender.id);
      const fromBasic = notification({ virtualAccountNo: a.virtualAccountNo, amount: '1000.00', payerAccountNo: a.basicAccountNo, payerName: '甲建设有限公司' });
      const fromElsewhere = notification({ virtualAccountNo: b.virtualAccountNo, amount: '1000.00', payerAccountNo: a.basicAccountNo, payerName: '甲建设有限公司' });
      await pay(t, fromBasic);
      await pay(t, fromElsewhere);
      expect(await payment(fromBasic.txnId)).toMatchObject({ payer_account_no: a.basicAccountNo, payer_name: '甲建设有限公司', payer_is_basic_account: true });
      expect(await payment(fromElsewhere.txnId)).toMatchObject({ payer_account_no: a.basicAccountNo, payer_is_basic_account: false });
    });
  });

  describe('secrecy: before opening only the bidder sees its own status', () => {
    it('no other role learns who paid, how many, or how much; after opening the owner and supervisors do', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      const b = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, payerName: '甲公司' }));
      const outsider = await registerParty(t);
      const otherEntity = await registerParty(t, { role: Role.PROCURING_ENTITY });
      const supervisor = await createStaff(t, Role.SUPERVISOR);
      const expert = await createStaff(t, Role.EXPERT);
      const admin = await adminParty(t);

      // The bidder sees its own status; the other bidder sees only its own (UNPAID), nothing about a.
      expect(await mine(t, tender.id, a.bidder)).toMatchObject({ status: 'PAID' });
      const bView = await mine(t, tender.id, b.bidder);
      expect(bView).toMatchObject({ status: 'UNPAID', paidAmount: '0.00' });
      expect(JSON.stringify(bView)).not.toContain(a.virtualAccountNo);
      expect((await mine(t, tender.id, outsider)).status).toBe('UNPAID');

      const base = `/api/v1/tenders/${tender.id}/bid-security`;
      for (const path of [base, `${base}/reconciliation`]) {
        for (const who of [tender.owner, supervisor, admin]) {
          const res = await t.http().get(path).set(who.auth).expect(403);
          expect(res.body.code).toBe('SEALED_UNTIL_OPENING');
          expect(JSON.stringify(res.body)).not.toMatch(/甲公司|200000|8801/);
        }
        for (const who of [a.bidder, expert]) await t.http().get(path).set(who.auth).expect(403);
        expect((await t.http().get(path).set(otherEntity.auth).expect(403)).body.code).toBe('FORBIDDEN');
        await t.http().get(path).expect(401);
      }
      for (const who of [tender.owner, supervisor, expert, admin]) {
        await t.http().get(`${base}/mine`).set(who.auth).expect(403);
        await t.http().get(`${base}/mine/receipt.pdf`).set(who.auth).expect(403);
      }

      // The audit trail a supervisor reads for the tender holds nothing about the securities before opening (their
      // events are sealed, in each account's own stream), and no audit event names a bidder or an amount next to a
      // payment while the tender is sealed.
      const audit = await t.http().get(`/api/v1/audit?tenderId=${tender.id}&pageSize=200`).set(supervisor.auth).expect(200);
      expect(audit.body.items.filter((e: { action: string }) => e.action.startsWith('BID_SECURITY'))).toEqual([]);
      const securityEvents: Array<{ stream: string; sealed_tender_id: string | null }> = await t.dataSource.query(
        `SELECT stream, sealed_tender_id FROM audit_events WHERE action LIKE 'BID_SECURITY%' AND tender_id = $1`,
        [tender.id],
      );
      expect(securityEvents.length).toBeGreaterThan(0);
      for (const e of securityEvents) expect(e).toEqual({ stream: expect.stringMatching(/^bid-security:/), sealed_tender_id: tender.id });
      const leaked = await t.dataSource.query(
        `SELECT action, data FROM audit_events WHERE action LIKE 'BID_SECURITY%'
           AND (data::text LIKE '%' || $1 || '%' OR data::text LIKE '%' || $2::text || '%' OR (tender_id = $2::uuid AND data::text LIKE '%200000%'))`,
        [a.bidder.organizationId, tender.id],
      );
      expect(leaked).toEqual([]);
      // The timed events of the securities carry no tender; job payloads carry ids only (SchedulerService: { eventId }).
      const events = await t.dataSource.query(`SELECT tender_id FROM scheduled_events WHERE kind = 'BID_SECURITY_REFUND'`);
      expect(events.every((e: { tender_id: string | null }) => e.tender_id === null)).toBe(true);

      await openTender(t, tender.id);
      const list = await t.http().get(base).set(tender.owner.auth).expect(200);
      expect(list.body.items).toHaveLength(2);
      const paid = list.body.items.find((i: { bidderOrganizationId: string }) => i.bidderOrganizationId === a.bidder.organizationId);
      expect(paid).toMatchObject({ status: 'PAID', paidAmount: '200000.00', payments: [expect.objectContaining({ payerName: '甲公司' })] });
      await t.http().get(base).set(supervisor.auth).expect(200);
      await t.http().get(base).set(otherEntity.auth).expect(403);
      await t.http().get(base).set(a.bidder.auth).expect(403);
      const rec = await t.http().get(`${base}/reconciliation`).set(supervisor.auth).expect(200);
      expect(rec.body).toMatchObject({ balanced: true, totals: { difference: '0.00' } });
      // Reading who paid is itself audited (in the tender's stream), and the sealed events show now that it is opened.
      const after = await t.http().get(`/api/v1/audit?tenderId=${tender.id}&pageSize=200`).set(supervisor.auth).expect(200);
      expect(after.body.items.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining(['BID_SECURITY_LIST_READ', 'BID_SECURITY_RECONCILIATION_READ', 'BID_SECURITY_ACCOUNT_ISSUED', 'BID_SECURITY_PAYMENT_RECEIVED']),
      );
    });
  });

  it('a different txnId for the same transfer is another payment (the bank’s id is the key)', async () => {
    const tender = await insertTender(t, { amount: '100.00' });
    const { bidder, virtualAccountNo } = await bidderWithAccount(t, tender.id);
    const n = notification({ virtualAccountNo, amount: '100.00' });
    await pay(t, n);
    await pay(t, { ...n, txnId: txnId() });
    expect(await mine(t, tender.id, bidder)).toMatchObject({ paidAmount: '200.00', heldAmount: '200.00', status: 'PAID' });
  });
});
