import { type EntityManager } from 'typeorm';
import { type Actor } from 'src/common/auth/actor';

/** A user of a tendering agent (招标代理机构) the procuring entity authorised for this tender: it attends the opening for the entity. */
export async function isAgentFor(m: EntityManager, actor: Actor, procuringEntityId: string, tenderId: string): Promise<boolean> {
  if (!actor.organizationId) return false;
  const rows: unknown[] = await m.query(
    `SELECT 1 FROM agency_authorizations
     WHERE agent_organization_id = $1 AND procuring_entity_id = $2 AND (tender_id IS NULL OR tender_id = $3) AND revoked_at IS NULL LIMIT 1`,
    [actor.organizationId, procuringEntityId, tenderId],
  );
  return rows.length > 0;
}
