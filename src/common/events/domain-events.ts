import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../auth/actor';

/**
 * Facts one module announces and others act on, inside the announcer's transaction (so the reaction commits or
 * rolls back with the fact). Payloads are ids and plain values. Add an event here when a new fact needs listeners.
 */
export interface DomainEventMap {
  /** A bid was withdrawn (撤回) before the deadline: its bid security is refunded within 5 days (TBR Art. 35). */
  BidWithdrawn: { tenderId: string; bidId: string; bidderOrganizationId: string; lotNo?: number };
  /** A bid was revoked (撤销) after the deadline, e.g. not decrypted by the bidder (EB20 Art. 31): security may be forfeited. */
  BidRevoked: { tenderId: string; bidId: string; bidderOrganizationId: string; lotNo?: number };
  /** 投标失效: the bidder refused to extend the bid validity period; its security is returned (TBR Art. 25). */
  BidLapsed: { tenderId: string; bidId: string; bidderOrganizationId: string; lotNo?: number };
  /** 标段流标: a lot received fewer than 3 bids at the deadline; it fails alone and its securities go back (TBL Art. 28). */
  LotFailed: { tenderId: string; lotNo: number; reason: string };
  /** Opening finished: every bid is DECRYPTED, REVOKED or WITHDRAWN and the tender is in EVALUATION. */
  TenderEnteredEvaluation: { tenderId: string };
  /** The tender failed (fewer than 3 bids, all rejected...): re-tender; securities are refunded. */
  TenderFailed: { tenderId: string; reason: string };
  /** The tender was cancelled by its procuring entity. */
  TenderCancelled: { tenderId: string; reason: string };
  /** The notice of award (中标通知书) was issued to the awardee (`lotNo`: of that lot, on a tender with lots). */
  AwardNoticeIssued: { tenderId: string; awardeeOrganizationId: string; bidId: string; lotNo?: number };
  /** The contract was signed: securities become REFUND_DUE (TBR Art. 57; MOF87 Art. 38); `lotNo`: that lot's only. */
  ContractSigned: { tenderId: string; awardeeOrganizationId: string; signedAt: string; lotNo?: number };
  /** The awardee refused to sign or to give performance security: its security may be forfeited (TBR Art. 74). */
  AwardeeDefaulted: { tenderId: string; awardeeOrganizationId: string; reason: string; lotNo?: number };
  /**
   * The supervisory department upheld a complaint about the result and ordered the committee to evaluate again
   * (TBR Art. 62; MOF94): the evaluation module withdraws the publicity and reopens the evaluation.
   */
  ReEvaluationOrdered: { tenderId: string; complaintId: string };
  /** A supervision case was closed: its tender is now labelled (collusion found or cleared) for the learning screen. */
  SupervisionCaseClosed: { caseId: string; tenderId: string };
}

export type DomainEventName = keyof DomainEventMap;
export type DomainEventListener<N extends DomainEventName> = (
  manager: EntityManager,
  payload: DomainEventMap[N],
  actor: Actor,
) => Promise<void>;

@Injectable()
export class DomainEvents {
  private readonly listeners = new Map<DomainEventName, Array<DomainEventListener<DomainEventName>>>();

  /** Register in a service constructor. */
  on<N extends DomainEventName>(name: N, listener: DomainEventListener<N>): void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as unknown as DomainEventListener<DomainEventName>);
    this.listeners.set(name, list);
  }

  /** Runs every listener in the caller's transaction, in registration order; a failure rolls the whole change back. */
  async emit<N extends DomainEventName>(manager: EntityManager, name: N, payload: DomainEventMap[N], actor: Actor): Promise<void> {
    for (const l of this.listeners.get(name) ?? []) await l(manager, payload, actor);
  }
}
