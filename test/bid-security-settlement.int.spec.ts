import { type EntityManager } from 'typeorm';
import { Role } from 'src/common/auth/role.enum';
import { BidSecurityGate } from 'src/common/ports/bid-security.gate';
import { BankAdapter, type RefundInstruction } from 'src/modules/bid-security/bank/bank-adapter';
import { LegalCalendarService } from 'src/modules/tenders/legal-calendar/legal-calendar.service';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { ExecuteRefund } from 'src/modules/bid-security/use-cases/execute-refund.use-case';
import { AuditService } from 'src/modules/audit/audit.service';
import {
  bidderWithAccount,
  emit,
  expectLedgerBalanced,
  insertTender,
  mine,
  notification,
  openTender,
  pay,
  setDeadline,
  waitFor,
  waitForRefunds,
} from './factories/bid-security.factory';
import { createStaff, type TestParty } from './factories/identity.factory';
import { cancelTender } from './factories/tender-status.factory';
import { pdfText } from './helpers/pdf-text';
import { createTestApp, type TestApp } from './helpers/test-app';

/** 3.65 % a year: exactly 0.01 % a day, so the expected interest is easy to check by hand. */
const RATE = '0.0365';
const DAY = 86_400_000;
const cstDay = (d: Date) => Math.floor((d.getTime() + 8 * 3600_000) / DAY);
/** An instant given in China Standard Time. */
const cst = (local: string) => new Date(`${local}+08:00`);

describe('bid security settlement: refunds, interest and forfeiture (integration)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { BANK_INTEREST_RATE: RATE } });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    await waitForRefunds(t);
    await expectLedgerBalanced(t);
  });

  const refundsOf = (tenderId: string) => t.dataSource.query(`SELECT * FROM bid_security_refunds WHERE tender_id = $1 ORDER BY created_at, id`, [tenderId]);
  const instructionsOf = (refundId: string) => t.dataSource.query(`SELECT * FROM bank_refund_instructions WHERE refund_id = $1 ORDER BY idempotency_key`, [refundId]);
  const isPaid = (tenderId: string, who: TestParty) => t.dataSource.transaction((m) => t.app.get(BidSecurityGate).isPaid(m, tenderId, who.organizationId!));

  describe('withdrawal before the deadline (TBR Art. 35; MOF87 Art. 38)', () => {
    it('engineering: REFUND_DUE at once, refunded early, due 5 calendar days after the withdrawal, no interest', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, payerAccountNo: a.basicAccountNo, paidAt: new Date(Date.now() - 3 * DAY).toISOString() }));
      expect(await isPaid(tender.id, a.bidder)).toBe(true);

      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000001', bidderOrganizationId: a.bidder.organizationId! });
      expect(await isPaid(tender.id, a.bidder)).toBe(false);
      const [refund] = await refundsOf(tender.id);
      expect(refund).toMatchObject({ reason: 'WITHDRAWAL', period_days: 5, period_unit: 'CALENDAR_DAYS', with_interest: false });
      const expected = (await t.app.get(LegalCalendarService).calendar()).periodEnd(new Date(refund.period_start), 5, 'CALENDAR_DAYS');
      expect(new Date(refund.due_at).toISOString()).toBe(expected.toISOString());
      expect(cstDay(new Date(refund.due_at)) - cstDay(new Date(refund.period_start))).toBeGreaterThanOrEqual(6); // end of day 5 = start of day 6

      await waitForRefunds(t);
      const view = await mine(t, tender.id, a.bidder);
      expect(view).toMatchObject({ status: 'REFUNDED', paidAmount: '200000.00', heldAmount: '0.00' });
      expect(view.refunds[0]).toMatchObject({ status: 'SENT', principal: '200000.00', interest: '0.00', onTime: true, legalBasis: expect.stringContaining('第三十五条') });
      const orders = await instructionsOf(refund.id);
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({ payee_account_no: a.basicAccountNo, amount: '200000.00', interest: '0.00' });
    });

    it('paying again while bids are still open makes the security held again; a second withdrawal refunds only the new money', async () => {
      const tender = await insertTender(t, { amount: '1000.00' });
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, amount: '1000.00' }));
      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000002', bidderOrganizationId: a.bidder.organizationId! });
      await waitForRefunds(t);
      expect((await mine(t, tender.id, a.bidder)).status).toBe('REFUNDED');
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, amount: '1000.00' }));
      expect(await mine(t, tender.id, a.bidder)).toMatchObject({ status: 'PAID', heldAmount: '1000.00', paidAmount: '2000.00' });
      expect(await isPaid(tender.id, a.bidder)).toBe(true);
      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000002', bidderOrganizationId: a.bidder.organizationId! });
      await waitForRefunds(t);
      const refunds = await refundsOf(tender.id);
      expect(refunds.map((r: { principal: string }) => r.principal)).toEqual(['1000.00', '1000.00']);
    });

    it('procurement: due 5 working days after the withdrawal', async () => {
      const tender = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000003', bidderOrganizationId: a.bidder.organizationId! });
      const [refund] = await refundsOf(tender.id);
      expect(refund).toMatchObject({ period_unit: 'WORKING_DAYS', period_days: 5, legal_basis: expect.stringContaining('第三十八条') });
      const calendar = await t.app.get(LegalCalendarService).calendar();
      const due = new Date(refund.due_at);
      // The due day is a working day, and exactly 5 working days follow the withdrawal's day up to it.
      const lastDay = new Date(due.getTime() - 1).toISOString();
      let working = 0;
      for (let d = cstDay(new Date(refund.period_start)) + 1; d <= cstDay(new Date(lastDay)); d++) {
        if (calendar.isWorkingDay(new Date(d * DAY).toISOString().slice(0, 10))) working++;
      }
      expect(working).toBe(5);
      expect(calendar.isWorkingDay(new Date(cstDay(new Date(lastDay)) * DAY).toISOString().slice(0, 10))).toBe(true);
    });

    it('a withdrawal of a bidder that paid nothing changes nothing; delivered twice, one refund', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      const b = await bidderWithAccount(t, tender.id);
      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000004', bidderOrganizationId: a.bidder.organizationId! });
      expect(await refundsOf(tender.id)).toEqual([]);
      await pay(t, notification({ virtualAccountNo: b.virtualAccountNo }));
      const event = { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000005', bidderOrganizationId: b.bidder.organizationId! };
      await Promise.all([emit(t, 'BidWithdrawn', event), emit(t, 'BidWithdrawn', event)]);
      await emit(t, 'BidWithdrawn', event);
      expect(await refundsOf(tender.id)).toHaveLength(1);
    });

    it('a withdrawal whose transaction rolls back refunds nothing', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      const events = t.app.get((await import('src/common/events/domain-events')).DomainEvents);
      const withdrawal = { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000006', bidderOrganizationId: a.bidder.organizationId! };
      await expect(
        t.dataSource.transaction(async (m: EntityManager) => {
          await events.emit(m, 'BidWithdrawn', withdrawal, { userId: 'x', role: Role.BIDDER, organizationId: a.bidder.organizationId, ip: '' });
          throw new Error('the withdrawal failed');
        }),
      ).rejects.toThrow('the withdrawal failed');
      // No wait needed: the listeners ran to the end inside that transaction (DomainEvents.emit awaits each), and
      // what they queue after commit is dropped on rollback (runAfterCommit). So the refund is either there now or never.
      expect(await refundsOf(tender.id)).toEqual([]);
      expect((await mine(t, tender.id, a.bidder)).status).toBe('PAID');
      // The same withdrawal committed does plan the refund at once: the emptiness above is not a race lost.
      await emit(t, 'BidWithdrawn', withdrawal);
      expect(await refundsOf(tender.id)).toHaveLength(1);
    });
  });

  describe('after the contract (TBR Art. 57): everyone still held, within 5 days, with interest', () => {
    it('refunds the awardee and the others with interest for the days held; the excess goes back with the rest', async () => {
      const tender = await insertTender(t, { amount: '200000.00' });
      const winner = await bidderWithAccount(t, tender.id);
      const loser = await bidderWithAccount(t, tender.id);
      const paidAt = new Date(Date.now() - 30 * DAY);
      await pay(t, notification({ virtualAccountNo: winner.virtualAccountNo, payerAccountNo: winner.basicAccountNo, paidAt: paidAt.toISOString() }));
      // The loser paid in two transfers, the second from another account, with 50,000.00 too much.
      await pay(t, notification({ virtualAccountNo: loser.virtualAccountNo, amount: '150000.00', payerAccountNo: loser.basicAccountNo, paidAt: paidAt.toISOString() }));
      await pay(
        t,
        notification({
          virtualAccountNo: loser.virtualAccountNo,
          amount: '100000.00',
          payerAccountNo: '6217999988887777666',
          payerName: '某某个人',
          paidAt: new Date(Date.now() - 10 * DAY).toISOString(),
        }),
      );
      await openTender(t, tender.id, 'AWARDED');

      // Engineering: the notice of award alone refunds nobody.
      await emit(t, 'AwardNoticeIssued', { tenderId: tender.id, awardeeOrganizationId: winner.bidder.organizationId!, bidId: '00000000-0000-4000-8000-000000000010' });
      expect(await refundsOf(tender.id)).toEqual([]);

      const signedAt = new Date(Date.now() - 3600_000).toISOString();
      await emit(t, 'ContractSigned', { tenderId: tender.id, awardeeOrganizationId: winner.bidder.organizationId!, signedAt });
      expect((await mine(t, tender.id, winner.bidder)).status).toBe('REFUND_DUE');
      await waitForRefunds(t);

      const refunds = await refundsOf(tender.id);
      expect(refunds).toHaveLength(2);
      for (const r of refunds) {
        expect(r).toMatchObject({ reason: 'CONTRACT_SIGNED', with_interest: true, interest_rate: '0.036500', status: 'SENT', period_unit: 'CALENDAR_DAYS' });
        expect(new Date(r.period_start).toISOString()).toBe(signedAt);
        expect(new Date(r.executed_at).getTime()).toBeLessThan(new Date(r.due_at).getTime());
      }
      const executedAt = new Date(refunds[0].executed_at);
      const days30 = cstDay(executedAt) - cstDay(paidAt);
      const days10 = cstDay(executedAt) - cstDay(new Date(Date.now() - 10 * DAY));
      expect(days30).toBeGreaterThanOrEqual(30);
      // 0.01 % a day: 200,000.00 × 30 days = 600.00
      const w = await mine(t, tender.id, winner.bidder);
      expect(w).toMatchObject({ status: 'REFUNDED' });
      expect(w.refunds[0]).toMatchObject({ principal: '200000.00', interest: `${20 * days30}.00` });
      const l = await mine(t, tender.id, loser.bidder);
      expect(l.refunds[0]).toMatchObject({ principal: '250000.00', interest: `${15 * days30 + 10 * days10}.00` });
      // Two orders for the loser: back to each account the money came from.
      const orders = await instructionsOf(l.refunds[0].refundId);
      expect(orders.map((o: { payee_account_no: string; amount: string }) => [o.payee_account_no, o.amount])).toEqual([
        [loser.basicAccountNo, (150000 + 15 * days30).toFixed(2)],
        ['6217999988887777666', (100000 + 10 * days10).toFixed(2)],
      ]);
      const [interest] = await t.dataSource.query(`SELECT sum(debit)::text AS d FROM ledger_entries WHERE tender_id = $1 AND account = 'INTEREST_EXPENSE'`, [tender.id]);
      expect(interest.d).toBe((20 * days30 + 15 * days30 + 10 * days10).toFixed(2));

      // Delivered twice: nothing more.
      await emit(t, 'ContractSigned', { tenderId: tender.id, awardeeOrganizationId: winner.bidder.organizationId!, signedAt });
      expect(await refundsOf(tender.id)).toHaveLength(2);

      const supervisor = await createStaff(t, Role.SUPERVISOR);
      const rec = await t.http().get(`/api/v1/tenders/${tender.id}/bid-security/reconciliation`).set(supervisor.auth).expect(200);
      expect(rec.body.balanced).toBe(true);
      const deposits = rec.body.accounts.filter((a: { account: string }) => a.account.startsWith('BIDDER_DEPOSIT:'));
      expect(deposits.map((a: { balance: string }) => a.balance)).toEqual(['0.00', '0.00']); // nothing owed any more
    });

    it('a signature date in the future is taken as now', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      await openTender(t, tender.id, 'AWARDED');
      await emit(t, 'ContractSigned', { tenderId: tender.id, awardeeOrganizationId: a.bidder.organizationId!, signedAt: '2099-01-01T00:00:00Z' });
      const [r] = await refundsOf(tender.id);
      expect(new Date(r.period_start).getTime()).toBeLessThanOrEqual(Date.now());
    });
  });

  describe('procurement: working days across weekends and holidays (MOF87 Art. 38)', () => {
    it('losers after the notice of award (no interest), the awardee after the contract', async () => {
      const tender = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
      const winner = await bidderWithAccount(t, tender.id);
      const loser = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: winner.virtualAccountNo, paidAt: new Date(Date.now() - 20 * DAY).toISOString() }));
      await pay(t, notification({ virtualAccountNo: loser.virtualAccountNo, paidAt: new Date(Date.now() - 20 * DAY).toISOString() }));
      await openTender(t, tender.id, 'AWARDED');
      await emit(t, 'AwardNoticeIssued', { tenderId: tender.id, awardeeOrganizationId: winner.bidder.organizationId!, bidId: '00000000-0000-4000-8000-000000000020' });
      await waitForRefunds(t);
      expect((await mine(t, tender.id, winner.bidder)).status).toBe('PAID');
      const l = await mine(t, tender.id, loser.bidder);
      expect(l).toMatchObject({ status: 'REFUNDED' });
      expect(l.refunds[0]).toMatchObject({ reason: 'NOT_AWARDED', principal: '200000.00', interest: '0.00', withInterest: false, period: { days: 5, unit: 'WORKING_DAYS' } });
      await emit(t, 'ContractSigned', { tenderId: tender.id, awardeeOrganizationId: winner.bidder.organizationId!, signedAt: new Date().toISOString() });
      await waitForRefunds(t);
      const w = await mine(t, tender.id, winner.bidder);
      expect(w).toMatchObject({ status: 'REFUNDED' });
      expect(w.refunds[0]).toMatchObject({ reason: 'CONTRACT_SIGNED', withInterest: false, interest: '0.00' });
    });

    // The contract's signature date anchors the period, so these dates can be in 2026's calendar.
    it.each([
      ['across a weekend: signed Fri 2026-03-13 → due end of Fri 2026-03-20', '2026-03-13T16:00:00', '2026-03-21T00:00:00'],
      ['across Labour Day and its make-up Saturday: Thu 2026-04-30 → Mon 2026-05-11', '2026-04-30T11:00:00', '2026-05-12T00:00:00'],
      ['across National Day: Wed 2026-09-30 → Tue 2026-10-13', '2026-09-30T10:00:00', '2026-10-14T00:00:00'],
      ['the day before a weekend (Thu 2026-03-12) → Thu 2026-03-19', '2026-03-12T09:00:00', '2026-03-20T00:00:00'],
      ['a Saturday (2026-03-14): the period starts the next day → Fri 2026-03-20', '2026-03-14T10:00:00', '2026-03-21T00:00:00'],
    ])('%s', async (_, signedLocal, dueLocal) => {
      const tender = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      await openTender(t, tender.id, 'AWARDED');
      await emit(t, 'ContractSigned', { tenderId: tender.id, awardeeOrganizationId: a.bidder.organizationId!, signedAt: cst(signedLocal).toISOString() });
      const [r] = await refundsOf(tender.id);
      expect(new Date(r.due_at).toISOString()).toBe(cst(dueLocal).toISOString());
      await waitForRefunds(t);
      // Refunded at once; a signature months ago makes it late against that deadline, and the record says so.
      const view = await mine(t, tender.id, a.bidder);
      expect(view.refunds[0]).toMatchObject({ dueAt: cst(dueLocal).toISOString(), onTime: false });
    });
  });

  describe('termination (TBR Art. 31; MOF87 Art. 29): everyone, with interest', () => {
    it.each(['TenderFailed', 'TenderCancelled'] as const)('%s', async (event) => {
      const tender = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
      const a = await bidderWithAccount(t, tender.id);
      const b = await bidderWithAccount(t, tender.id);
      const c = await bidderWithAccount(t, tender.id); // never paid
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, paidAt: new Date(Date.now() - 10 * DAY).toISOString() }));
      await pay(t, notification({ virtualAccountNo: b.virtualAccountNo, amount: '50000.00', paidAt: new Date(Date.now() - 10 * DAY).toISOString() }));
      await openTender(t, tender.id, event === 'TenderFailed' ? 'FAILED' : 'CANCELLED');
      await emit(t, event, { tenderId: tender.id, reason: '不足3家' });
      await waitForRefunds(t);
      const ra = await mine(t, tender.id, a.bidder);
      expect(ra.status).toBe('REFUNDED');
      expect(ra.refunds[0]).toMatchObject({
        reason: 'TERMINATION',
        withInterest: true,
        period: { unit: 'WORKING_DAYS', days: 5 },
        legalBasis: expect.stringContaining('第二十九条'),
      });
      expect(Number(ra.refunds[0].interest)).toBeGreaterThan(0);
      expect((await mine(t, tender.id, b.bidder)).status).toBe('REFUNDED'); // a partial payment goes back too
      expect((await mine(t, tender.id, c.bidder)).status).toBe('UNPAID');
    });

    it('a tender cancelled before its deadline keeps its bid-security events sealed until that deadline', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      await cancelTender(t, tender, '项目取消');
      await waitForRefunds(t);
      expect((await mine(t, tender.id, a.bidder)).status).toBe('REFUNDED');
      const audit = t.app.get(AuditService);
      const shown = async () => (await audit.list({ tenderId: tender.id, page: 1, pageSize: 200 })).items.map((e) => e.action).filter((x) => x.startsWith('BID_SECURITY'));
      // Never in the tender's own stream (its sequence numbers would count them): the account's, sealed.
      const rows = await t.dataSource.query(`SELECT DISTINCT stream FROM audit_events WHERE tender_id = $1 AND action LIKE 'BID_SECURITY%'`, [tender.id]);
      expect(rows).toEqual([{ stream: expect.stringMatching(/^bid-security:/) }]);
      expect(await shown()).toEqual([]);
      await setDeadline(t, tender.id, -1000); // the deadline passes: who had paid is no secret any more
      expect(await shown()).toEqual(['BID_SECURITY_ACCOUNT_ISSUED', 'BID_SECURITY_PAYMENT_RECEIVED', 'BID_SECURITY_REFUND_PLANNED', 'BID_SECURITY_REFUNDED']);
    });
  });

  describe('forfeiture (TBR Arts. 35, 74; EB20 Art. 31)', () => {
    it('a bid revoked after the deadline: the security is kept, only the required amount; the excess goes back', async () => {
      const tender = await insertTender(t, { amount: '200000.00' });
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, amount: '120000.00' }));
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, amount: '130000.00', payerAccountNo: '6217000000000000001', payerName: '关联方' }));
      await openTender(t, tender.id);
      await emit(t, 'BidRevoked', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000030', bidderOrganizationId: a.bidder.organizationId! });
      await waitForRefunds(t);
      const view = await mine(t, tender.id, a.bidder);
      expect(view).toMatchObject({ status: 'FORFEITED', paidAmount: '250000.00', forfeitedAmount: '200000.00' });
      expect(view.refunds).toHaveLength(1);
      expect(view.refunds[0]).toMatchObject({ reason: 'SURPLUS_AFTER_FORFEITURE', principal: '50000.00', status: 'SENT', withInterest: false });
      const orders = await instructionsOf(view.refunds[0].refundId);
      expect(orders).toEqual([expect.objectContaining({ payee_account_no: '6217000000000000001', amount: '50000.00' })]);
      const [kept] = await t.dataSource.query(`SELECT sum(credit)::text AS c FROM ledger_entries WHERE tender_id = $1 AND account = 'FORFEITED_SECURITY'`, [tender.id]);
      expect(kept.c).toBe('200000.00');
      // Delivered twice, or followed by the contract: nothing more.
      await emit(t, 'BidRevoked', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000030', bidderOrganizationId: a.bidder.organizationId! });
      await emit(t, 'ContractSigned', { tenderId: tender.id, awardeeOrganizationId: a.bidder.organizationId!, signedAt: new Date().toISOString() });
      await waitForRefunds(t);
      expect((await mine(t, tender.id, a.bidder)).refunds).toHaveLength(1);
    });

    it('the awardee refuses to sign: its security is kept, the others are refunded', async () => {
      const tender = await insertTender(t);
      const winner = await bidderWithAccount(t, tender.id);
      const other = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: winner.virtualAccountNo }));
      await pay(t, notification({ virtualAccountNo: other.virtualAccountNo }));
      await openTender(t, tender.id, 'AWARDED');
      await emit(t, 'AwardeeDefaulted', { tenderId: tender.id, awardeeOrganizationId: winner.bidder.organizationId!, reason: '拒绝签订合同' });
      expect(await mine(t, tender.id, winner.bidder)).toMatchObject({ status: 'FORFEITED', forfeitedAmount: '200000.00', refunds: [] });
      await emit(t, 'TenderFailed', { tenderId: tender.id, reason: '中标人拒签，重新招标' });
      await waitForRefunds(t);
      expect((await mine(t, tender.id, other.bidder)).status).toBe('REFUNDED');
      expect((await mine(t, tender.id, winner.bidder)).status).toBe('FORFEITED');
      const [audit] = await t.dataSource.query(`SELECT data FROM audit_events WHERE action = 'BID_SECURITY_FORFEITED' AND tender_id = $1`, [tender.id]);
      expect(audit.data).toMatchObject({ ground: 'AWARDEE_DEFAULTED', legalBasis: expect.stringContaining('第七十四条'), forfeited: '200000.00' });
    });

    it('a withdrawn bid (refund already due) cannot be forfeited', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000031', bidderOrganizationId: a.bidder.organizationId! });
      await openTender(t, tender.id);
      await emit(t, 'BidRevoked', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000031', bidderOrganizationId: a.bidder.organizationId! });
      await waitForRefunds(t);
      expect(await mine(t, tender.id, a.bidder)).toMatchObject({ status: 'REFUNDED', forfeitedAmount: '0.00' });
    });
  });

  describe('the refund job', () => {
    it('fired twice (or by two workers at once) pays once', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000040', bidderOrganizationId: a.bidder.organizationId! });
      const [refund] = await refundsOf(tender.id);
      const [event] = await t.dataSource.query(`SELECT id FROM scheduled_events WHERE kind = 'BID_SECURITY_REFUND' AND subject_id = $1`, [refund.id]);
      const scheduler = t.app.get(SchedulerService);
      await Promise.all([scheduler.run(event.id), scheduler.run(event.id), scheduler.run(event.id)]);
      await waitForRefunds(t);
      await scheduler.run(event.id);
      expect(await instructionsOf(refund.id)).toHaveLength(1);
      const journals = await t.dataSource.query(`SELECT DISTINCT journal_id FROM ledger_entries WHERE source_id = $1`, [refund.id]);
      expect(journals).toHaveLength(1);
    });

    it('executed concurrently outside the scheduler (its row lock aside), the refund’s own status guard pays once', async () => {
      const tender = await insertTender(t);
      const a = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
      await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000041', bidderOrganizationId: a.bidder.organizationId! });
      const [refund] = await refundsOf(tender.id);
      const execute = t.app.get(ExecuteRefund);
      await Promise.all(Array.from({ length: 5 }, () => t.dataSource.transaction((m) => execute.execute({ manager: m, refundId: refund.id }))));
      await waitForRefunds(t);
      expect(await instructionsOf(refund.id)).toHaveLength(1);
      expect(await t.dataSource.query(`SELECT DISTINCT journal_id FROM ledger_entries WHERE source_id = $1`, [refund.id])).toHaveLength(1);
    });
  });

  describe('the ledger', () => {
    it('is append-only and refuses a journal that does not balance', async () => {
      await expect(t.dataSource.query(`UPDATE ledger_entries SET memo = 'x' WHERE id = (SELECT min(id) FROM ledger_entries)`)).rejects.toThrow(/append-only/);
      await expect(t.dataSource.query(`DELETE FROM ledger_entries WHERE id = (SELECT min(id) FROM ledger_entries)`)).rejects.toThrow(/append-only/);
      await expect(
        t.dataSource.query(
          `INSERT INTO ledger_entries (journal_id, line_no, journal_kind, source_type, source_id, account, debit, credit)
           VALUES ('00000000-0000-4000-8000-0000000000aa', 1, 'RECEIPT', 'payment', '00000000-0000-4000-8000-0000000000ab', 'BANK_ESCROW', 10, 0),
                  ('00000000-0000-4000-8000-0000000000aa', 2, 'RECEIPT', 'payment', '00000000-0000-4000-8000-0000000000ab', 'SUSPENSE_UNMATCHED', 0, 9)`,
        ),
      ).rejects.toThrow(/does not balance/);
    });
  });

  describe('documents in Chinese', () => {
    const text = (pdf: Buffer) => pdfText(pdf);
    const getPdf = (url: string, who: TestParty) =>
      t
        .http()
        .get(url)
        .set(who.auth)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        });

    it('the receipt (投标保证金缴纳凭证) and the refund notice (投标保证金退还通知书)', async () => {
      const tender = await insertTender(t, { title: '盐城市世纪大道绿化提升工程' });
      const a = await bidderWithAccount(t, tender.id);
      const base = `/api/v1/tenders/${tender.id}/bid-security/mine`;
      expect((await t.http().get(`${base}/receipt.pdf`).set(a.bidder.auth).expect(409)).body.code).toBe('NO_PAYMENT');
      await pay(t, notification({ virtualAccountNo: a.virtualAccountNo, payerAccountNo: a.basicAccountNo, payerName: '盐城华通路桥有限公司' }));
      const receipt = await getPdf(`${base}/receipt.pdf`, a.bidder).expect(200);
      expect(receipt.headers['content-type']).toContain('application/pdf');
      const r = text(receipt.body);
      expect(r).toContain('投标保证金缴纳凭证');
      expect(r).toContain('盐城市世纪大道绿化提升工程');
      expect(r).toContain(a.virtualAccountNo);
      expect(r).toContain('已缴纳');
      expect(r).toContain('盐城华通路桥有限公司');

      expect((await t.http().get(`${base}/refund-notice.pdf`).set(a.bidder.auth).expect(409)).body.code).toBe('NO_REFUND');
      await openTender(t, tender.id, 'AWARDED');
      await emit(t, 'ContractSigned', { tenderId: tender.id, awardeeOrganizationId: a.bidder.organizationId!, signedAt: new Date().toISOString() });
      await waitForRefunds(t);
      const notice = text((await getPdf(`${base}/refund-notice.pdf`, a.bidder).expect(200)).body);
      expect(notice).toContain('投标保证金退还通知书');
      expect(notice).toContain('合同已签订');
      expect(notice).toContain('招标投标法实施条例第五十七条');
      expect(notice).toContain('按期退还');
      expect(notice).toContain(a.basicAccountNo);
    });
  });
});

describe('bid security: the bank fails (the outside world)', () => {
  class FlakyBank extends BankAdapter {
    calls: RefundInstruction[] = [];
    failures = 1;
    /** What others saw committed when the retry reached the bank: the failed attempt's rollback. */
    seenAtRetry: Array<{ refunds: unknown[]; ledger: unknown[] }> = [];
    observe: (() => Promise<{ refunds: unknown[]; ledger: unknown[] }>) | null = null;
    async sendRefund(_m: EntityManager, i: RefundInstruction) {
      if (this.failures > 0) {
        this.failures--;
        throw new Error('bank unavailable');
      }
      if (this.observe) this.seenAtRetry.push(await this.observe());
      this.calls.push(i);
      return { bankReference: `FAKE-${i.idempotencyKey}` };
    }
  }
  const bank = new FlakyBank();
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ override: (b) => b.overrideProvider(BankAdapter).useValue(bank) });
  });
  afterAll(() => t.close());

  it('a failed refund rolls back (no ledger entry, still due) and the retried job pays once', async () => {
    const tender = await insertTender(t);
    const a = await bidderWithAccount(t, tender.id);
    await pay(t, notification({ virtualAccountNo: a.virtualAccountNo }));
    await emit(t, 'BidWithdrawn', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000050', bidderOrganizationId: a.bidder.organizationId! });
    // The failed attempt's rollback, as committed when the retry reaches the bank (the retry may come from BullMQ's
    // back-off or from the database sweeper, at any time: no fixed sleep).
    bank.observe = async () => ({
      refunds: await t.dataSource.query(`SELECT status, journal_id FROM bid_security_refunds WHERE tender_id = $1`, [tender.id]),
      ledger: await t.dataSource.query(`SELECT 1 FROM ledger_entries l JOIN bid_security_refunds r ON l.source_id = r.id WHERE r.tender_id = $1`, [tender.id]),
    });
    await waitFor(() => bank.failures === 0, 5000, 'the first attempt');
    await waitFor(() => bank.calls.length > 0, 15_000, 'the retry');
    expect(bank.seenAtRetry[0]).toEqual({ refunds: [{ status: 'PLANNED', journal_id: null }], ledger: [] });
    const [refund] = await t.dataSource.query(`SELECT * FROM bid_security_refunds WHERE tender_id = $1`, [tender.id]);
    await waitForRefunds(t);
    expect(bank.calls).toEqual([expect.objectContaining({ idempotencyKey: `${refund.id}-1`, amount: '200000.00' })]);
    const view = await mine(t, tender.id, a.bidder);
    expect(view).toMatchObject({ status: 'REFUNDED' });
    expect(view.refunds[0]).toMatchObject({ status: 'SENT' });
    const [{ n }] = await t.dataSource.query(`SELECT count(DISTINCT journal_id)::int AS n FROM ledger_entries WHERE source_id = $1`, [refund.id]);
    expect(n).toBe(1);
    await expectLedgerBalanced(t);
  });
});
