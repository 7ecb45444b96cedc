import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ConflictException, ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { GrantAgencyDto } from './agency.dto';

export interface AgencyView {
  id: string;
  procuringEntityId: string;
  procuringEntityName: string;
  agentOrganizationId: string;
  agentName: string;
  /** null: every tender of the entity. */
  tenderId: string | null;
  grantedAt: string;
  revokedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * 招标代理 (TBL Arts. 12–15; TBR Arts. 13–14): a procuring entity entrusts a tendering agent with its tenders —
 * one tender or all of them — and may revoke it. The agent organisation's users then act on those tenders as the
 * entity would (TendersService.actsForOwner), and every audit event they cause records "agent X for entity Y".
 * The agent is a procuring-side organisation: a bidder cannot be one (TBR Art. 13: an agent may not bid, or act for
 * a bidder, in a tender it runs).
 */
@Injectable()
export class AgencyService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
  ) {}

  async grant(dto: GrantAgencyDto, actor: Actor): Promise<AgencyView & { created: boolean }> {
    const entityId = this.entityOf(actor);
    if (dto.agentOrganizationId === entityId) {
      throw new ValidationFailedException([{ field: 'agentOrganizationId', errors: ['an organisation is not its own agent'] }]);
    }
    return this.tx.run(async (m) => {
      const [agent] = await m.query(`SELECT id, kind FROM organizations WHERE id = $1`, [dto.agentOrganizationId]);
      if (!agent) throw new NotFoundException('The agent organisation');
      if (agent.kind !== 'PROCURING_ENTITY') {
        // TBR Art. 13: an agent may not bid or act for bidders in the tenders it runs; a bidder is never an agent.
        throw new ValidationFailedException([{ field: 'agentOrganizationId', errors: ['a tendering agent is a procuring-side organisation, not a bidder (TBR Art. 13)'] }]);
      }
      if (dto.tenderId) {
        const [t] = await m.query(`SELECT procuring_entity_id FROM tenders WHERE id = $1`, [dto.tenderId]);
        if (!t || t.procuring_entity_id !== entityId) throw new NotFoundException('The tender');
      }
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [`agency:${entityId}:${dto.agentOrganizationId}`]);
      const [existing] = await m.query(
        `SELECT id FROM agency_authorizations WHERE procuring_entity_id = $1 AND agent_organization_id = $2
           AND tender_id IS NOT DISTINCT FROM $3::uuid AND revoked_at IS NULL`,
        [entityId, dto.agentOrganizationId, dto.tenderId ?? null],
      );
      if (existing) return { ...(await this.view(m, existing.id)), created: false };
      const [row] = await m.query(`INSERT INTO agency_authorizations (procuring_entity_id, agent_organization_id, tender_id, granted_by) VALUES ($1, $2, $3, $4) RETURNING id`, [
        entityId,
        dto.agentOrganizationId,
        dto.tenderId ?? null,
        actor.userId,
      ]);
      await this.audit.append(m, {
        actor,
        action: 'AGENCY_GRANTED',
        objectType: 'agency_authorization',
        objectId: row.id,
        tenderId: dto.tenderId ?? null,
        data: { procuringEntityId: entityId, agentOrganizationId: dto.agentOrganizationId, scope: dto.tenderId ? 'TENDER' : 'ALL_TENDERS' },
      });
      return { ...(await this.view(m, row.id)), created: true };
    });
  }

  async revoke(id: string, actor: Actor): Promise<AgencyView> {
    const entityId = this.entityOf(actor);
    return this.tx.run(async (m) => {
      const [a] = await m.query(`SELECT * FROM agency_authorizations WHERE id = $1 FOR UPDATE`, [id]);
      if (!a || a.procuring_entity_id !== entityId) throw new NotFoundException('The authorisation');
      if (a.revoked_at) return this.view(m, id); // revoked already: same answer
      await m.query(`UPDATE agency_authorizations SET revoked_at = clock_timestamp(), revoked_by = $2 WHERE id = $1`, [id, actor.userId]);
      await this.audit.append(m, {
        actor,
        action: 'AGENCY_REVOKED',
        objectType: 'agency_authorization',
        objectId: id,
        tenderId: a.tender_id,
        data: { procuringEntityId: entityId, agentOrganizationId: a.agent_organization_id },
      });
      return this.view(m, id);
    });
  }

  /** The authorisations the caller's organisation granted, and those granted to it as an agent. */
  async list(actor: Actor): Promise<{ granted: AgencyView[]; received: AgencyView[] }> {
    const orgId = this.entityOf(actor);
    const m = this.tx.manager;
    const ids = async (col: string) => (await m.query(`SELECT id FROM agency_authorizations WHERE ${col} = $1 ORDER BY granted_at DESC, id`, [orgId])) as Array<{ id: string }>;
    const views = async (rows: Array<{ id: string }>) => Promise.all(rows.map((r) => this.view(m, r.id)));
    return { granted: await views(await ids('procuring_entity_id')), received: await views(await ids('agent_organization_id')) };
  }

  private entityOf(actor: Actor): string {
    if (actor.role !== Role.PROCURING_ENTITY || !actor.organizationId) throw new ForbiddenException('Agency is between procuring-side organisations');
    return actor.organizationId;
  }

  private async view(m: EntityManager, id: string): Promise<AgencyView> {
    const [a] = await m.query(
      `SELECT a.*, e.name AS entity_name, g.name AS agent_name FROM agency_authorizations a
       JOIN organizations e ON e.id = a.procuring_entity_id JOIN organizations g ON g.id = a.agent_organization_id WHERE a.id = $1`,
      [id],
    );
    if (!a) throw new ConflictException('The authorisation vanished');
    return {
      id: a.id,
      procuringEntityId: a.procuring_entity_id,
      procuringEntityName: a.entity_name,
      agentOrganizationId: a.agent_organization_id,
      agentName: a.agent_name,
      tenderId: a.tender_id,
      grantedAt: iso(a.granted_at)!,
      revokedAt: iso(a.revoked_at),
    };
  }
}
