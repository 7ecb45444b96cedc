import { fromFen, toFen } from 'src/common/money/money';
import { daysHeld, simpleInterest } from './interest';

/** A payment as the refund and forfeiture arithmetic sees it. */
export interface HeldPayment {
  id: string;
  amount: string;
  forfeitedAmount: string;
  /** When the money arrived (the earlier of the bank's booking time and the platform's receipt). */
  heldFrom: Date;
  /** Null while sealed to the tender's identity key (before the deadline, issue 17): the bank's transaction says it. */
  payerAccountNo: string | null;
  payerName: string | null;
  /** The bank's transaction that brought it. */
  txnId?: string;
}

/**
 * Forfeiture (TBR Arts. 35, 74) keeps at most the required security; it is taken from the earliest payments first,
 * and anything paid beyond it stays the bidder's. Returns the amount kept from each payment (0.00 when none).
 */
export function allocateForfeiture(payments: HeldPayment[], required: string): Array<{ id: string; forfeited: string }> {
  let remaining = toFen(required);
  return [...payments]
    .sort((a, b) => a.heldFrom.getTime() - b.heldFrom.getTime() || a.id.localeCompare(b.id))
    .map((p) => {
      const free = toFen(p.amount) - toFen(p.forfeitedAmount);
      const take = remaining < free ? remaining : free;
      remaining -= take;
      return { id: p.id, forfeited: fromFen(toFen(p.forfeitedAmount) + take) };
    });
}

export interface RefundLine {
  paymentId: string;
  principal: string;
  interest: string;
  days: number;
}

export interface PayeeInstruction {
  /** Null when the payer is sealed: the order then names the bank's transactions to pay back (`originalTxnIds`). */
  payeeAccountNo: string | null;
  payeeName: string | null;
  originalTxnIds?: string[];
  principal: string;
  interest: string;
  amount: string;
  paymentIds: string[];
}

/**
 * What a refund pays back: each payment's unforfeited part, with interest per payment for the days it was held
 * when the refund carries interest, grouped by the account it came from (原路退回: money goes back where it came
 * from). A payment whose payer is sealed to the tender's identity key (before the deadline) is an order of its own
 * naming its bank transaction, which the bank pays back to its payer.
 */
export function computeRefund(
  payments: HeldPayment[],
  opts: { withInterest: boolean; annualRate: string | null; refundAt: Date },
): { lines: RefundLine[]; instructions: PayeeInstruction[]; principal: string; interest: string } {
  const lines: RefundLine[] = [];
  const byPayee = new Map<string, PayeeInstruction & { p: bigint; i: bigint }>();
  let totalP = 0n;
  let totalI = 0n;
  const ordered = [...payments].sort((a, b) => a.heldFrom.getTime() - b.heldFrom.getTime() || a.id.localeCompare(b.id));
  for (const p of ordered) {
    const principalFen = toFen(p.amount) - toFen(p.forfeitedAmount);
    if (principalFen <= 0n) continue;
    const principal = fromFen(principalFen);
    const days = daysHeld(p.heldFrom, opts.refundAt);
    const interest = opts.withInterest && opts.annualRate ? simpleInterest(principal, opts.annualRate, days) : '0.00';
    lines.push({ paymentId: p.id, principal, interest, days });
    const sealed = p.payerAccountNo === null;
    const key = sealed ? `txn\u0000${p.txnId ?? p.id}` : `${p.payerAccountNo}\u0000${p.payerName}`;
    const g = byPayee.get(key) ?? {
      payeeAccountNo: p.payerAccountNo,
      payeeName: p.payerName,
      ...(sealed ? { originalTxnIds: [p.txnId ?? p.id] } : {}),
      principal: '0.00',
      interest: '0.00',
      amount: '0.00',
      paymentIds: [],
      p: 0n,
      i: 0n,
    };
    g.p += principalFen;
    g.i += toFen(interest);
    g.paymentIds.push(p.id);
    byPayee.set(key, g);
    totalP += principalFen;
    totalI += toFen(interest);
  }
  const instructions = [...byPayee.values()].map(({ p, i, ...g }) => ({
    ...g,
    principal: fromFen(p),
    interest: fromFen(i),
    amount: fromFen(p + i),
  }));
  return { lines, instructions, principal: fromFen(totalP), interest: fromFen(totalI) };
}
