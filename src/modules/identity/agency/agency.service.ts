import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ConflictException, ForbiddenException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { OrganizationsRepository } from '../organizations.repository';
import { AgencyAuthorizationsRepository } from './agency-authorizations.repository';
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
    private readonly authorizations: AgencyAuthorizationsRepository,
    private readonly organizations: OrganizationsRepository,
  ) {}

  async grant(dto: GrantAgencyDto, actor: Actor): Promise<AgencyView & { created: boolean }> {
    const entityId = this.entityOf(actor);
    if (dto.agentOrganizationId === entityId) {
      throw new ValidationFailedException([{ field: 'agentOrganizationId', errors: ['an organisation is not its own agent'] }]);
    }
    return this.tx.run(async (m) => {
      const agent = await this.organizations.findById(m, dto.agentOrganizationId);
      if (!agent) throw new NotFoundException('The agent organisation');
      if (agent.kind !== 'PROCURING_ENTITY') {
        // TBR Art. 13: an agent may not bid or act for bidders in the tenders it runs; a bidder is never an agent.
        throw new ValidationFailedException([{ field: 'agentOrganizationId', errors: ['a tendering agent is a procuring-side organisation, not a bidder (TBR Art. 13)'] }]);
      }
      if (dto.tenderId) {
        const t = await this.authorizations.tenderOwner(m, dto.tenderId);
        if (!t || t.procuringEntityId !== entityId) throw new NotFoundException('The tender');
      }
      await this.authorizations.lockPair(m, entityId, dto.agentOrganizationId);
      const existing = await this.authorizations.findActive(m, entityId, dto.agentOrganizationId, dto.tenderId ?? null);
      if (existing) return { ...(await this.view(m, existing.id)), created: false };
      const id = await this.authorizations.insert(m, {
        procuringEntityId: entityId,
        agentOrganizationId: dto.agentOrganizationId,
        tenderId: dto.tenderId ?? null,
        grantedBy: actor.userId,
      });
      await this.audit.append(m, {
        actor,
        action: 'AGENCY_GRANTED',
        objectType: 'agency_authorization',
        objectId: id,
        tenderId: dto.tenderId ?? null,
        data: { procuringEntityId: entityId, agentOrganizationId: dto.agentOrganizationId, scope: dto.tenderId ? 'TENDER' : 'ALL_TENDERS' },
      });
      return { ...(await this.view(m, id)), created: true };
    });
  }

  async revoke(id: string, actor: Actor): Promise<AgencyView> {
    const entityId = this.entityOf(actor);
    return this.tx.run(async (m) => {
      const a = await this.authorizations.lock(m, id);
      if (!a || a.procuringEntityId !== entityId) throw new NotFoundException('The authorisation');
      if (a.revokedAt) return this.view(m, id); // revoked already: same answer
      await this.authorizations.revoke(m, id, actor.userId);
      await this.audit.append(m, {
        actor,
        action: 'AGENCY_REVOKED',
        objectType: 'agency_authorization',
        objectId: id,
        tenderId: a.tenderId,
        data: { procuringEntityId: entityId, agentOrganizationId: a.agentOrganizationId },
      });
      return this.view(m, id);
    });
  }

  /** The authorisations the caller's organisation granted, and those granted to it as an agent. */
  async list(actor: Actor): Promise<{ granted: AgencyView[]; received: AgencyView[] }> {
    const orgId = this.entityOf(actor);
    const m = this.tx.manager;
    const views = async (ids: string[]) => Promise.all(ids.map((id) => this.view(m, id)));
    return {
      granted: await views(await this.authorizations.idsBy(m, 'procuring_entity_id', orgId)),
      received: await views(await this.authorizations.idsBy(m, 'agent_organization_id', orgId)),
    };
  }

  private entityOf(actor: Actor): string {
    if (actor.role !== Role.PROCURING_ENTITY || !actor.organizationId) throw new ForbiddenException('Agency is between procuring-side organisations');
    return actor.organizationId;
  }

  private async view(m: EntityManager, id: string): Promise<AgencyView> {
    const a = await this.authorizations.findById(m, id);
    if (!a) throw new ConflictException('The authorisation vanished');
    return { ...a, grantedAt: iso(a.grantedAt)!, revokedAt: iso(a.revokedAt) };
  }
}
