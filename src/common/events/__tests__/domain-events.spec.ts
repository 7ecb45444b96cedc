import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DOMAIN_EVENT_NAMES, DomainEventMap, DomainEvents, HandlerOrder, OnEvent } from '../domain-events';

const m = {} as EntityManager;
const heard: string[] = [];

@Injectable()
class Opening {
  @OnEvent('BidDeadlineReached')
  async open(_m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    heard.push(`open ${tenderId}`);
  }
}

@Injectable()
class Signer {
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.LAST })
  async sign(_m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached']): Promise<void> {
    heard.push(`sign ${tenderId}`);
  }
}

@Injectable()
class Unsealer {
  @OnEvent('BidDeadlineReached', { order: HandlerOrder.UNSEAL })
  async unseal(_m: EntityManager, { tenderId }: DomainEventMap['BidDeadlineReached'], actor: Actor): Promise<void> {
    heard.push(`unseal ${tenderId} by ${actor.role}`);
  }

  @OnEvent('TenderFailed')
  async failed(): Promise<void> {
    throw new Error('refused');
  }
}

async function boot(providers: Array<new (...a: never[]) => unknown>) {
  const ref = await Test.createTestingModule({ imports: [DiscoveryModule], providers: [DomainEvents, ...providers] }).compile();
  return ref;
}

describe('DomainEvents: handlers declared with @OnEvent, discovered at boot', () => {
  beforeEach(() => heard.splice(0));

  it('runs the handlers of an event by their order, whatever the order of the providers', async () => {
    const ref = await boot([Signer, Opening, Unsealer]);
    await ref.get(DomainEvents).onModuleInit();
    const events = ref.get(DomainEvents);
    expect(events.handlersOf('BidDeadlineReached')).toEqual(['Unsealer.unseal', 'Opening.open', 'Signer.sign']);
    await events.emit(m, 'BidDeadlineReached', { tenderId: 't1' }, SYSTEM_ACTOR);
    expect(heard).toEqual(['unseal t1 by SYSTEM', 'open t1', 'sign t1']);
  });

  it('a failing handler fails the emit (the caller rolls its transaction back); observers run after the handlers', async () => {
    const ref = await boot([Unsealer, Opening]);
    const events = ref.get(DomainEvents);
    events.onModuleInit();
    events.observe('BidDeadlineReached', async (_m, p) => void heard.push(`observed ${p.tenderId}`));
    await events.emit(m, 'BidDeadlineReached', { tenderId: 't2' }, SYSTEM_ACTOR);
    expect(heard).toEqual(['unseal t2 by SYSTEM', 'open t2', 'observed t2']);
    await expect(events.emit(m, 'TenderFailed', { tenderId: 't2', reason: 'x' }, SYSTEM_ACTOR)).rejects.toThrow('refused');
  });

  it('the boot check: an application in which an event has no handler does not start', async () => {
    const ref = await boot([Opening]);
    const app = ref.createNestApplication();
    await expect(app.init()).rejects.toThrow(/Domain events without a handler: .*PanelMemberLeft/);
    await app.close().catch(() => undefined);
  });

  it('knows every event of DomainEventMap at run time', () => {
    expect(DOMAIN_EVENT_NAMES).toEqual(expect.arrayContaining(['BidDeadlineReached', 'PanelMemberLeft', 'TenderCancelled', 'SupervisionCaseClosed']));
    expect(new Set(DOMAIN_EVENT_NAMES).size).toBe(DOMAIN_EVENT_NAMES.length);
  });
});
