import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { ConflictException, NotFoundException } from 'src/common/errors/domain.exception';
import { AuditService } from '../audit/audit.service';
import { TenderEntity } from './tender.entity';
import { TenderStatus } from './tender.enums';

/** The guarded transitions of API.md "Statuses". */
export const TENDER_TRANSITIONS: Record<TenderStatus, TenderStatus[]> = {
  [TenderStatus.DRAFT]: [TenderStatus.PUBLISHED, TenderStatus.CANCELLED],
  [TenderStatus.PUBLISHED]: [TenderStatus.OPENING, TenderStatus.FAILED, TenderStatus.CANCELLED],
  [TenderStatus.OPENING]: [TenderStatus.EVALUATION, TenderStatus.FAILED, TenderStatus.CANCELLED],
  [TenderStatus.EVALUATION]: [TenderStatus.PUBLICITY, TenderStatus.AWARDED, TenderStatus.FAILED, TenderStatus.CANCELLED],
  [TenderStatus.PUBLICITY]: [TenderStatus.AWARDED, TenderStatus.EVALUATION, TenderStatus.FAILED, TenderStatus.CANCELLED],
  // CANCELLED from AWARDED: only a pre-tender whose pledged approval was not supplied (容缺预招标; TBR Art. 31).
  [TenderStatus.AWARDED]: [TenderStatus.CONTRACTED, TenderStatus.PUBLICITY, TenderStatus.FAILED, TenderStatus.CANCELLED],
  [TenderStatus.CONTRACTED]: [],
  [TenderStatus.FAILED]: [],
  [TenderStatus.CANCELLED]: [],
};

/**
 * Moves a tender from one status to another inside the caller's transaction: the row is locked (FOR UPDATE), the
 * current status checked against the expected one and the table above, and an audit event written. Two processes
 * cannot move one tender twice: the second sees the new status and gets a CONFLICT (or `null` with `ifStatus`).
 */
@Injectable()
export class TenderStateMachine {
  constructor(private readonly audit: AuditService) {}

  async lock(manager: EntityManager, tenderId: string): Promise<TenderEntity> {
    const tender = await manager.findOne(TenderEntity, { where: { id: tenderId }, lock: { mode: 'pessimistic_write' } });
    if (!tender) throw new NotFoundException('The tender');
    return tender;
  }

  async transition(
    manager: EntityManager,
    tenderId: string,
    to: TenderStatus,
    actor: Actor,
    opts: { from?: TenderStatus[]; reason?: string; patch?: Partial<TenderEntity>; data?: Record<string, unknown> } = {},
  ): Promise<TenderEntity> {
    const tender = await this.lock(manager, tenderId);
    if (opts.from && !opts.from.includes(tender.status)) {
      throw new ConflictException(`The tender is ${tender.status}, not ${opts.from.join(' or ')}`);
    }
    if (!TENDER_TRANSITIONS[tender.status].includes(to)) {
      throw new ConflictException(`A tender cannot go from ${tender.status} to ${to}`);
    }
    const from = tender.status;
    Object.assign(tender, opts.patch ?? {}, { status: to, statusReason: opts.reason ?? tender.statusReason });
    await manager.save(TenderEntity, tender);
    await this.audit.append(manager, {
      actor,
      action: `TENDER_${to}`,
      objectType: 'tender',
      objectId: tender.id,
      tenderId: tender.id,
      data: { from, to, ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.data ?? {}) },
    });
    return tender;
  }
}
