import { type EntityManager } from 'typeorm';
import { type Actor } from 'src/common/auth/actor';
import { type TendersRepository } from '../tenders/tenders.repository';

/** A user of a tendering agent (招标代理机构) the procuring entity authorised for this tender: it attends the opening for the entity. */
export async function isAgentFor(tenders: TendersRepository, m: EntityManager, actor: Actor, procuringEntityId: string, tenderId: string): Promise<boolean> {
  if (!actor.organizationId) return false;
  return tenders.agentAuthorized(m, actor.organizationId, procuringEntityId, tenderId);
}
