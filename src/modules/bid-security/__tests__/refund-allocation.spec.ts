import { allocateForfeiture, computeRefund, type HeldPayment } from '../refund-allocation';

const p = (id: string, amount: string, heldFrom: string, payer = '6222001', name = '甲公司', forfeitedAmount = '0.00'): HeldPayment => ({
  id,
  amount,
  forfeitedAmount,
  heldFrom: new Date(heldFrom),
  payerAccountNo: payer,
  payerName: name,
});

describe('forfeiture keeps at most the required security, earliest payments first (TBR Arts. 35, 74)', () => {
  it('one payment of exactly the amount: all kept', () => {
    expect(allocateForfeiture([p('a', '200000.00', '2026-03-01T02:00:00Z')], '200000.00')).toEqual([{ id: 'a', forfeited: '200000.00' }]);
  });

  it('an excess payment: only the required amount is kept', () => {
    expect(allocateForfeiture([p('a', '250000.00', '2026-03-01T02:00:00Z')], '200000.00')).toEqual([{ id: 'a', forfeited: '200000.00' }]);
  });

  it('partial payments: the earliest first, the rest untouched', () => {
    const out = allocateForfeiture(
      [p('c', '50000.00', '2026-03-03T02:00:00Z'), p('a', '120000.00', '2026-03-01T02:00:00Z'), p('b', '100000.00', '2026-03-02T02:00:00Z')],
      '200000.00',
    );
    expect(out).toEqual([
      { id: 'a', forfeited: '120000.00' },
      { id: 'b', forfeited: '80000.00' },
      { id: 'c', forfeited: '0.00' },
    ]);
  });

  it('less than required: everything paid is kept, never more', () => {
    expect(allocateForfeiture([p('a', '1000.00', '2026-03-01T02:00:00Z')], '200000.00')).toEqual([{ id: 'a', forfeited: '1000.00' }]);
  });
});

describe('refund computation', () => {
  const refundAt = new Date('2026-03-31T02:00:00Z');

  it('without interest: the unforfeited principal, one order per payer account', () => {
    const out = computeRefund(
      [
        p('a', '100000.00', '2026-03-01T02:00:00Z', '6222001', '甲公司'),
        p('b', '150000.00', '2026-03-02T02:00:00Z', '6222001', '甲公司', '100000.00'),
        p('c', '30000.00', '2026-03-03T02:00:00Z', '6222999', '乙个人'),
      ],
      { withInterest: false, annualRate: null, refundAt },
    );
    expect(out.principal).toBe('180000.00');
    expect(out.interest).toBe('0.00');
    expect(out.instructions).toEqual([
      { payeeAccountNo: '6222001', payeeName: '甲公司', principal: '150000.00', interest: '0.00', amount: '150000.00', paymentIds: ['a', 'b'] },
      { payeeAccountNo: '6222999', payeeName: '乙个人', principal: '30000.00', interest: '0.00', amount: '30000.00', paymentIds: ['c'] },
    ]);
  });

  it('with interest: per payment for its own days held', () => {
    const out = computeRefund([p('a', '200000.00', '2026-03-01T02:00:00Z'), p('b', '100000.00', '2026-03-21T02:00:00Z')], { withInterest: true, annualRate: '0.0035', refundAt });
    // a: 30 days → 57.53; b: 10 days → 9.59 (9.589…)
    expect(out.lines).toEqual([
      { paymentId: 'a', principal: '200000.00', interest: '57.53', days: 30 },
      { paymentId: 'b', principal: '100000.00', interest: '9.59', days: 10 },
    ]);
    expect(out.interest).toBe('67.12');
    expect(out.instructions).toHaveLength(1);
    expect(out.instructions[0].amount).toBe('300067.12');
  });

  it('a fully forfeited payment is not paid back', () => {
    const out = computeRefund([p('a', '200000.00', '2026-03-01T02:00:00Z', '1', 'x', '200000.00')], { withInterest: true, annualRate: '0.0035', refundAt });
    expect(out.lines).toEqual([]);
    expect(out.instructions).toEqual([]);
    expect(out.principal).toBe('0.00');
  });
});

describe('refund computation with payers sealed to the identity key (before the deadline, issue 17)', () => {
  it('pays back by bank transaction (原路退回): one order per sealed payment, no payee; clear payers still grouped', () => {
    const sealed = (id: string, txnId: string, amount: string): HeldPayment => ({ ...p(id, amount, '2026-03-01T02:00:00Z'), payerAccountNo: null, payerName: null, txnId });
    const out = computeRefund([sealed('a', 'T1', '100.00'), sealed('b', 'T2', '50.00'), p('c', '10.00', '2026-03-01T02:00:00Z'), p('d', '5.00', '2026-03-02T02:00:00Z')], {
      withInterest: false,
      annualRate: null,
      refundAt: new Date('2026-03-31T02:00:00Z'),
    });
    expect(out.principal).toBe('165.00');
    expect(out.instructions).toEqual([
      { payeeAccountNo: null, payeeName: null, originalTxnIds: ['T1'], principal: '100.00', interest: '0.00', amount: '100.00', paymentIds: ['a'] },
      { payeeAccountNo: null, payeeName: null, originalTxnIds: ['T2'], principal: '50.00', interest: '0.00', amount: '50.00', paymentIds: ['b'] },
      { payeeAccountNo: '6222001', payeeName: '甲公司', principal: '15.00', interest: '0.00', amount: '15.00', paymentIds: ['c', 'd'] },
    ]);
  });
});
