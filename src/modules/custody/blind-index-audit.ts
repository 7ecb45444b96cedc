import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { type DomainEventMap, HandlerOrder, OnEvent } from 'src/common/events/domain-events';
import { AuditService } from '../audit/audit.service';
import { IdentityKeyService } from './identity-key.service';

/**
 * Issue 17, "impossible to cheat quietly": at the deadline (or, for a tender that ended before it, at that deadline
 * all the same) the tender's audit records BLIND_INDEX_LOOKUPS — how many ids the blind-index oracle says it was asked
 * to index for the tender, by purpose, next to how many the platform's own request handling asked for. An operator
 * who probed the oracle with guessed organisations (directly, with the platform's registered key) shows up as the
 * difference; one who probed through the platform's code shows up in both, against a handful of bids and downloads.
 * The supervisor reads the two counts; the platform judges nothing.
 */
@Injectable()
export class BlindIndexAudit {
  constructor(
    private readonly identityKeys: IdentityKeyService,
    private readonly audit: AuditService,
  ) {}

  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async onBidDeadlineReached(m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    await this.publish(m, tenderId);
  }

  @OnEvent('SealedIdentitiesDue', { order: HandlerOrder.UNSEAL })
  async onSealedIdentitiesDue(m: EntityManager, { tenderId }: DomainEventMap['SealedIdentitiesDue']): Promise<void> {
    await this.publish(m, tenderId);
  }

  /** Only for a tender that sealed identities (it has an identity key): the others never asked the oracle. */
  async publish(m: EntityManager, tenderId: string): Promise<void> {
    if (!(await this.identityKeys.publicKey(m, tenderId))) return;
    const data = await this.identityKeys.lookups(m, tenderId);
    await this.audit.append(m, { actor: SYSTEM_ACTOR, action: 'BLIND_INDEX_LOOKUPS', objectType: 'tender', objectId: tenderId, tenderId, data });
  }
}
