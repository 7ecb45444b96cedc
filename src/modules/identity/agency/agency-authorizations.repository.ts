import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** An authorisation (招标代理), with the names of both organisations. */
export interface AgencyAuthorizationRow {
  id: string;
  procuringEntityId: string;
  procuringEntityName: string;
  agentOrganizationId: string;
  agentName: string;
  /** null: every tender of the entity. */
  tenderId: string | null;
  grantedAt: Date;
  revokedAt: Date | null;
}

/** The columns of a locked authorisation its revocation needs. */
export interface LockedAgencyAuthorization {
  id: string;
  procuringEntityId: string;
  agentOrganizationId: string;
  tenderId: string | null;
  revokedAt: Date | null;
}

/**
 * Owns `agency_authorizations` (招标代理, TBL Arts. 12–15). `tenderOwner` is a read model over the tenders module's
 * table. Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class AgencyAuthorizationsRepository {
  /** Read model (tenders): the procuring entity that owns the tender; null when there is no such tender. */
  async tenderOwner(m: EntityManager, tenderId: string): Promise<{ procuringEntityId: string } | null> {
    const [t]: Array<{ procuring_entity_id: string }> = await m.query(`SELECT procuring_entity_id FROM tenders WHERE id = $1`, [tenderId]);
    return t ? { procuringEntityId: t.procuring_entity_id } : null;
  }

  /** One grant between an entity and an agent at a time, until the caller's transaction ends. */
  async lockPair(m: EntityManager, procuringEntityId: string, agentOrganizationId: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`agency:${procuringEntityId}:${agentOrganizationId}`]);
  }

  /** The unrevoked authorisation of the same scope (one tender, or all of them when `tenderId` is null). */
  async findActive(m: EntityManager, procuringEntityId: string, agentOrganizationId: string, tenderId: string | null): Promise<{ id: string } | null> {
    const [existing]: Array<{ id: string }> = await m.query(
      `SELECT id FROM agency_authorizations WHERE procuring_entity_id = $1 AND agent_organization_id = $2
           AND tender_id IS NOT DISTINCT FROM $3::uuid AND revoked_at IS NULL`,
      [procuringEntityId, agentOrganizationId, tenderId],
    );
    return existing ? { id: existing.id } : null;
  }

  /** Returns the new authorisation's id. */
  async insert(m: EntityManager, a: { procuringEntityId: string; agentOrganizationId: string; tenderId: string | null; grantedBy: string }): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO agency_authorizations (procuring_entity_id, agent_organization_id, tender_id, granted_by) VALUES ($1, $2, $3, $4) RETURNING id`,
      [a.procuringEntityId, a.agentOrganizationId, a.tenderId, a.grantedBy],
    );
    return row.id;
  }

  /** FOR UPDATE. */
  async lock(m: EntityManager, id: string): Promise<LockedAgencyAuthorization | null> {
    const [a]: Array<{ id: string; procuring_entity_id: string; agent_organization_id: string; tender_id: string | null; revoked_at: Date | null }> = await m.query(
      `SELECT * FROM agency_authorizations WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return a ? { id: a.id, procuringEntityId: a.procuring_entity_id, agentOrganizationId: a.agent_organization_id, tenderId: a.tender_id, revokedAt: a.revoked_at } : null;
  }

  /** Revoked now (database clock). */
  async revoke(m: EntityManager, id: string, revokedBy: string): Promise<void> {
    await m.query(`UPDATE agency_authorizations SET revoked_at = clock_timestamp(), revoked_by = $2 WHERE id = $1`, [id, revokedBy]);
  }

  /** The ids of the authorisations an organisation granted (`procuring_entity_id`) or received (`agent_organization_id`), newest first. */
  async idsBy(m: EntityManager, side: 'procuring_entity_id' | 'agent_organization_id', organizationId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM agency_authorizations WHERE ${side} = $1 ORDER BY granted_at DESC, id`, [organizationId]);
    return rows.map((r) => r.id);
  }

  async findById(m: EntityManager, id: string): Promise<AgencyAuthorizationRow | null> {
    const [a]: Array<{
      id: string;
      procuring_entity_id: string;
      entity_name: string;
      agent_organization_id: string;
      agent_name: string;
      tender_id: string | null;
      granted_at: Date;
      revoked_at: Date | null;
    }> = await m.query(
      `SELECT a.*, e.name AS entity_name, g.name AS agent_name FROM agency_authorizations a
       JOIN organizations e ON e.id = a.procuring_entity_id JOIN organizations g ON g.id = a.agent_organization_id WHERE a.id = $1`,
      [id],
    );
    return a
      ? {
          id: a.id,
          procuringEntityId: a.procuring_entity_id,
          procuringEntityName: a.entity_name,
          agentOrganizationId: a.agent_organization_id,
          agentName: a.agent_name,
          tenderId: a.tender_id,
          grantedAt: a.granted_at,
          revokedAt: a.revoked_at,
        }
      : null;
  }
}
