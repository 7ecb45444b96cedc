import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EntityManager } from 'typeorm';
import { Actor } from '../auth/actor';
import { declareHandler, discoverHandlers } from './handler-discovery';

/**
 * Facts one module announces and others act on, inside the announcer's transaction (so the reaction commits or
 * rolls back with the fact). Payloads are ids and plain values. Add an event here (and to DOMAIN_EVENT_NAMES) when a
 * new fact needs listeners; its handlers are methods decorated with @OnEvent, found at boot.
 */
export interface DomainEventMap {
  /**
   * The bid deadline was reached (the BID_DEADLINE timed event, database clock) and the tender, locked in this
   * transaction, is still PUBLISHED and not suspended: identities are unsealed, then the opening runs (TBL Art. 34).
   */
  BidDeadlineReached: { tenderId: string };
  /**
   * An ACCEPTED member left the committee (recused after accepting, penalised, replaced): its conclusions are void
   * and its replacement evaluates again (TBR Art. 48), in the same transaction.
   */
  PanelMemberLeft: { tenderId: string; memberId: string };
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
  /**
   * The original bid deadline of a tender that ended before it (cancelled, TBR Art. 31; failed by a complaint's
   * remedy) has passed: it never gets BidDeadlineReached, but what was sealed to its identity key until then
   * (downloaders, objectors, complainants, notice recipients, payers) may now be opened — the custodians release
   * the key from the deadline on, by their own clocks (issue 17).
   */
  SealedIdentitiesDue: { tenderId: string };
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
export type DomainEventListener<N extends DomainEventName> = (manager: EntityManager, payload: DomainEventMap[N], actor: Actor) => Promise<void>;

/** Every event, at run time (the compiler checks that none of DomainEventMap is missing). */
const EVENT_NAMES: Record<DomainEventName, true> = {
  BidDeadlineReached: true,
  PanelMemberLeft: true,
  BidWithdrawn: true,
  BidRevoked: true,
  BidLapsed: true,
  LotFailed: true,
  TenderEnteredEvaluation: true,
  TenderFailed: true,
  TenderCancelled: true,
  SealedIdentitiesDue: true,
  AwardNoticeIssued: true,
  ContractSigned: true,
  AwardeeDefaulted: true,
  ReEvaluationOrdered: true,
  SupervisionCaseClosed: true,
};
export const DOMAIN_EVENT_NAMES = Object.keys(EVENT_NAMES) as DomainEventName[];

/**
 * Where a handler runs among the handlers of the same event (lower first; equal: in the container's order). Only
 * an order the law or the data needs is named; everything else is DEFAULT.
 */
export const HandlerOrder = {
  /** Sealed identities are named again before anything reads them (TBL Art. 22 ends at the deadline). */
  UNSEAL: 10,
  DEFAULT: 50,
  /** After every other write of the transaction, e.g. the audit heads signed at the opening. */
  LAST: 100,
} as const;

interface EventHandlerMeta {
  event: DomainEventName;
  order: number;
}
const EVENT_HANDLER = Symbol('domain-event-handler');

/**
 * Declares a method as a handler of a domain event (immich's @OnEvent): `(manager, payload, actor) => Promise<void>`,
 * run in the announcer's transaction. Found at boot; an event without a handler stops the boot.
 */
export function OnEvent<N extends DomainEventName>(event: N, opts: { order?: number } = {}) {
  const decorate = declareHandler<EventHandlerMeta>(EVENT_HANDLER, { event, order: opts.order ?? HandlerOrder.DEFAULT });
  return (target: object, method: string | symbol, descriptor: { value?: DomainEventListener<N> }): void => {
    decorate(target, method, descriptor);
  };
}

@Injectable()
export class DomainEvents implements OnModuleInit, OnApplicationBootstrap {
  private readonly listeners = new Map<DomainEventName, Array<{ name: string; order: number; call: DomainEventListener<DomainEventName> }>>();
  private readonly observers = new Map<DomainEventName, Array<DomainEventListener<DomainEventName>>>();

  constructor(private readonly discovery: DiscoveryService) {}

  /** Collects the @OnEvent methods of every provider (all providers exist before any onModuleInit runs). */
  onModuleInit(): void {
    this.listeners.clear();
    for (const h of discoverHandlers<EventHandlerMeta>(this.discovery, EVENT_HANDLER)) {
      const list = this.listeners.get(h.meta.event) ?? [];
      list.push({ name: h.name, order: h.meta.order, call: h.call as unknown as DomainEventListener<DomainEventName> });
      this.listeners.set(h.meta.event, list);
    }
    for (const list of this.listeners.values()) list.sort((a, b) => a.order - b.order); // stable: ties keep discovery order
  }

  /** The boot check: an event nobody handles is a fact announced into the void. */
  onApplicationBootstrap(): void {
    const missing = DOMAIN_EVENT_NAMES.filter((n) => !this.listeners.get(n)?.length);
    if (missing.length) throw new Error(`Domain events without a handler: ${missing.join(', ')}`);
  }

  /** The handlers of an event in the order they run (`Class.method`). */
  handlersOf(name: DomainEventName): string[] {
    return (this.listeners.get(name) ?? []).map((l) => l.name);
  }

  /**
   * Watches an event from outside the container (a test, a tool): run after the handlers, in the same transaction.
   * The platform's own reactions are @OnEvent methods, never observers.
   */
  observe<N extends DomainEventName>(name: N, observer: DomainEventListener<N>): void {
    this.observers.set(name, [...(this.observers.get(name) ?? []), observer as unknown as DomainEventListener<DomainEventName>]);
  }

  /** Runs every handler in the caller's transaction, in order; a failure rolls the whole change back. */
  async emit<N extends DomainEventName>(manager: EntityManager, name: N, payload: DomainEventMap[N], actor: Actor): Promise<void> {
    for (const l of this.listeners.get(name) ?? []) await l.call(manager, payload, actor);
    for (const o of this.observers.get(name) ?? []) await o(manager, payload, actor);
  }
}
