import type { EntityManager } from 'typeorm';
import { type Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { TENDER_TRANSITIONS, TenderStateMachine } from 'src/modules/tenders/tender-state-machine';
import { type TenderStatus } from 'src/modules/tenders/tender.enums';
import type { TestApp } from '../helpers/test-app';
import type { TestParty } from './identity.factory';

/** The shortest run of allowed transitions (TENDER_TRANSITIONS) from one status to another; [] when already there. */
export function transitionPath(from: TenderStatus, to: TenderStatus): TenderStatus[] {
  if (from === to) return [];
  const previous = new Map<TenderStatus, TenderStatus>([[from, from]]);
  const queue = [from];
  while (queue.length) {
    const at = queue.shift()!;
    for (const next of TENDER_TRANSITIONS[at]) {
      if (previous.has(next)) continue;
      previous.set(next, at);
      if (next === to) {
        const path = [to];
        for (let s = at; s !== from; s = previous.get(s)!) path.unshift(s);
        return path;
      }
      queue.push(next);
    }
  }
  throw new Error(`a tender cannot go from ${from} to ${to}`);
}

/**
 * Moves a tender to `to` through the real TenderStateMachine (row lock, the allowed-transition table, one audit event
 * per step), along the shortest allowed path, in one transaction (`m`, or a new one). For tests that need a tender in
 * a status but not the flow that leads there (each flow has its own tests): no lifecycle hook runs and no domain
 * event is emitted, so emit those the test depends on. Never `UPDATE tenders SET status`: that skips the guards.
 */
export async function moveTenderTo(
  t: TestApp,
  tenderId: string,
  to: TenderStatus | `${TenderStatus}`,
  o: { m?: EntityManager; actor?: Actor; reason?: string } = {},
): Promise<void> {
  const machine = t.app.get(TenderStateMachine);
  const run = async (m: EntityManager) => {
    const { status } = await machine.lock(m, tenderId);
    for (const step of transitionPath(status, to as TenderStatus)) {
      await machine.transition(m, tenderId, step, o.actor ?? SYSTEM_ACTOR, { reason: o.reason });
    }
  };
  if (o.m) await run(o.m);
  else await t.dataSource.transaction(run);
}

/**
 * 终止招标 by the procuring entity, over HTTP (POST /tenders/{id}/cancel): the real use case, so the pending events are
 * cancelled, the 'cancelled' hooks run and TenderCancelled is emitted, in one transaction.
 */
export async function cancelTender(t: TestApp, tender: { id: string; owner: TestParty }, reason = '项目资金来源发生变化，终止招标'): Promise<void> {
  const res = await t.http().post(`/api/v1/tenders/${tender.id}/cancel`).set(tender.owner.auth).send({ reason });
  if (res.status !== 200 && res.status !== 201) throw new Error(`cancel failed: ${res.status} ${JSON.stringify(res.body)}`);
}
