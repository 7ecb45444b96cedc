import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Regime } from 'src/common/law/regulations';
import { fromFen, toFen } from 'src/common/money/money';
import { AppConfig } from 'src/infra/config/app-config';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../audit/audit.service';
import { securityAuditScope } from './bid-security-audit';
import { SchedulerService } from '../scheduling/scheduler.service';
import { PaymentRow } from './bid-security.store';
import { RefundCalendar } from './refund-calendar';
import { refundTerms, RefundReason } from './refund-policy';
import { SettlementRepository } from './settlement.repository';

export interface PlanRefund {
  accountId: string | null;
  tenderId: string | null;
  regime: Regime;
  reason: RefundReason;
  /** The event the legal period runs from (withdrawal, notice of award, contract...). */
  periodStart: Date;
  /** The payments this refund pays back (their unforfeited part); they must not be earmarked yet. */
  payments: PaymentRow[];
  actor: Actor;
  /** Whether the tender is opened: until then the (sealed) audit event names no account and no amount either. */
  tenderOpened: boolean;
}

/**
 * Plans a refund: records its legal deadline (the end of the period of regulations.md §1.4 counted by the legal
 * calendar), earmarks the payments it pays back, and plans the BID_SECURITY_REFUND timed event to run at once, so
 * the money goes back early while the deadline on record is the legal one. The job carries the refund's id only.
 */
@Injectable()
export class RefundPlanner {
  constructor(
    private readonly calendar: RefundCalendar,
    private readonly scheduler: SchedulerService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly settlements: SettlementRepository,
  ) {}

  async plan(m: EntityManager, p: PlanRefund): Promise<string | null> {
    const principalFen = p.payments.reduce((s, x) => s + toFen(x.amount) - toFen(x.forfeitedAmount), 0n);
    if (principalFen <= 0n) return null;
    const terms = refundTerms(p.regime, p.reason);
    const dueAt = await this.calendar.periodEnd(m, p.periodStart, terms.days, terms.unit);
    const row = await this.settlements.insertRefund(m, {
      accountId: p.accountId,
      tenderId: p.tenderId,
      reason: p.reason,
      legalBasis: terms.legalBasis,
      periodDays: terms.days,
      periodUnit: terms.unit,
      periodStart: p.periodStart,
      dueAt,
      withInterest: terms.withInterest,
      interestRate: terms.withInterest ? this.config.bankInterestRate : null,
      principal: fromFen(principalFen),
    });
    const n = await this.settlements.earmarkPayments(
      m,
      row.id,
      p.payments.map((x) => x.id),
    );
    // Unreachable unless a caller skipped its row locks: refuse rather than pay one payment twice.
    if (n !== p.payments.length) throw new Error('a payment is already earmarked for a refund');
    await this.scheduler.plan(m, { kind: ScheduledEventKind.BidSecurityRefund, subjectId: row.id, tenderId: null, runAt: new Date(row.now) });
    await this.audit.append(m, {
      actor: p.actor,
      action: 'BID_SECURITY_REFUND_PLANNED',
      objectType: 'bid_security_refund',
      objectId: row.id,
      ...securityAuditScope(p.tenderId, p.accountId),
      data: {
        reason: p.reason,
        legalBasis: terms.legalBasis,
        dueAt: dueAt.toISOString(),
        ...(p.tenderOpened ? { accountId: p.accountId, principal: fromFen(principalFen), withInterest: terms.withInterest } : {}),
      },
    });
    return row.id;
  }
}
