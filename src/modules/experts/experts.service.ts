import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ConflictException, NotFoundException, ValidationFailedException } from 'src/common/errors/domain.exception';
import { Page } from 'src/common/http/page-query.dto';
import { DatabaseRepository } from 'src/infra/database/database.repository';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../audit/audit.service';
import { IdentityService } from '../identity/identity.service';
import { ExpertDrawService } from './draw/expert-draw.service';
import { AvailabilityDto, ConflictDto, CreateExpertDto, ListExpertsQueryDto, UpdateExpertDto } from './dto/expert.dto';
import { ExpertConflictEntity } from './entities/expert-conflict.entity';
import { ExpertDrawEntity } from './entities/expert-draw.entity';
import { ExpertEntity } from './entities/expert.entity';
import { PanelMemberEntity } from './entities/panel-member.entity';
import { ExpertsRepository } from './experts.repository';

export interface ExpertConflictView {
  id: string;
  uscc: string;
  reason: string;
  declaredBy: 'ADMIN' | 'EXPERT';
  createdAt: string;
}

export interface ExpertView {
  id: string;
  userId: string;
  name: string;
  specialties: string[];
  region: string;
  employerUscc: string;
  title: string;
  titleEquivalenceNote: string | null;
  yearsOfExperience: number;
  status: 'ACTIVE' | 'DISABLED';
  disabledReason: string | null;
  disabledAt: string | null;
  available: boolean;
  unavailableUntil: string | null;
  conflicts: ExpertConflictView[];
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * The expert pool (评标专家库): profiles managed by administrators, declarations (conflicts, availability)
 * maintained by the experts themselves, and the disabled state of a penalised expert. Pool data is confidential
 * (O1117 (十四)): only administrators and supervisors list it, and every list is audited.
 */
@Injectable()
export class ExpertsService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly identity: IdentityService,
    private readonly draws: ExpertDrawService,
    private readonly experts: ExpertsRepository,
    private readonly database: DatabaseRepository,
  ) {}

  /** POST /experts: links a profile to a user with role EXPERT; the eligibility of TBL Art. 37 is checked by the DTO. */
  async create(dto: CreateExpertDto, actor: Actor): Promise<{ expertId: string }> {
    const user = await this.identity.getUser(dto.userId).catch(() => null);
    if (!user || user.role !== Role.EXPERT) {
      throw new ValidationFailedException([{ field: 'userId', errors: ['userId must be an account with role EXPERT (POST /admin/users)'] }]);
    }
    return this.tx.run(async (m) => {
      const taken = await m.findOneBy(ExpertEntity, { userId: dto.userId });
      if (taken) throw new ConflictException('This user already has an expert profile');
      const expert = await m.save(ExpertEntity, {
        userId: dto.userId,
        name: dto.name,
        specialties: dto.specialties,
        region: dto.region,
        employerUscc: dto.employerUscc,
        title: dto.title,
        titleEquivalenceNote: dto.titleEquivalenceNote ?? null,
        yearsOfExperience: dto.yearsOfExperience,
        status: 'ACTIVE',
        disabledReason: null,
        disabledAt: null,
        unavailableUntil: null,
      });
      const conflicts = dedupeConflicts(dto.conflicts ?? []);
      for (const c of conflicts) {
        await m.insert(ExpertConflictEntity, { expertId: expert.id, uscc: c.uscc, reason: c.reason, declaredBy: 'ADMIN' });
      }
      await this.draws.poolChanged(m, expert.id, dto.specialties, 'REGISTERED', {}, actor);
      await this.audit.append(m, {
        actor,
        action: 'EXPERT_REGISTERED',
        objectType: 'expert',
        objectId: expert.id,
        data: {
          userId: dto.userId,
          specialties: dto.specialties,
          region: dto.region,
          employerUscc: dto.employerUscc,
          title: dto.title,
          yearsOfExperience: dto.yearsOfExperience,
          conflicts: conflicts.length,
        },
      });
      return { expertId: expert.id };
    });
  }

  /** GET /experts (ADMIN, SUPERVISOR): the pool, paged; the read is audited. */
  async list(q: ListExpertsQueryDto, actor: Actor): Promise<Page<ExpertView>> {
    return this.tx.run(async (m) => {
      const [rows, total] = await this.experts.page(m, q);
      await this.audit.append(m, {
        actor,
        action: 'EXPERT_POOL_READ',
        objectType: 'expert_pool',
        objectId: 'experts',
        data: { specialty: q.specialty ?? null, status: q.status ?? null, page: q.page, returned: rows.length },
      });
      return { items: await this.views(m, rows), total };
    });
  }

  async get(expertId: string): Promise<ExpertView> {
    const e = await this.tx.manager.findOneBy(ExpertEntity, { id: expertId });
    if (!e) throw new NotFoundException('The expert');
    return (await this.views(this.tx.manager, [e]))[0];
  }

  /** GET /expert/profile: the calling expert's own profile. */
  async mine(actor: Actor): Promise<ExpertView> {
    const e = await this.tx.manager.findOneBy(ExpertEntity, { userId: actor.userId });
    if (!e) throw new NotFoundException('Your expert profile');
    return (await this.views(this.tx.manager, [e]))[0];
  }

  async update(expertId: string, dto: UpdateExpertDto, actor: Actor): Promise<ExpertView> {
    return this.tx.run(async (m) => {
      const e = await this.lock(m, expertId);
      const changed: Record<string, unknown> = {};
      for (const k of ['name', 'specialties', 'region', 'employerUscc', 'title', 'titleEquivalenceNote', 'yearsOfExperience'] as const) {
        if (dto[k] !== undefined && JSON.stringify(dto[k]) !== JSON.stringify(e[k])) changed[k] = dto[k];
      }
      if (Object.keys(changed).length) {
        await m.update(ExpertEntity, { id: e.id }, changed);
        await this.audit.append(m, { actor, action: 'EXPERT_UPDATED', objectType: 'expert', objectId: e.id, data: { changed } });
        if (changed.specialties !== undefined || changed.employerUscc !== undefined) {
          const specialties = [...new Set([...e.specialties, ...((changed.specialties as string[] | undefined) ?? [])])];
          await this.draws.poolChanged(m, e.id, specialties, 'UPDATED', { changed }, actor);
        }
      }
      return (await this.views(m, [await m.findOneByOrFail(ExpertEntity, { id: e.id })]))[0];
    });
  }

  /**
   * Disables a penalised expert (取消评标专家资格): no longer drawn; any seat it holds on an unfinished panel is
   * vacated and a replacement drawn, and its conclusions on that panel are void (TBR Arts. 48, 71). Idempotent.
   * In its own transaction (POST /experts/{id}/disable); see disableIn for a caller's transaction.
   */
  async disable(expertId: string, reason: string, actor: Actor): Promise<ExpertView> {
    return this.tx.run((m) => this.disableIn(m, expertId, reason, actor));
  }

  /**
   * disable() inside the caller's transaction, so that the penalty and the caller's own change (a supervision case's
   * decision) commit together or not at all. The replacement draws it triggers are queued after that commit.
   * Locks the expert row (FOR UPDATE). Idempotent: an expert already disabled is left as it is.
   */
  async disableIn(m: EntityManager, expertId: string, reason: string, actor: Actor): Promise<ExpertView> {
    const e = await this.lock(m, expertId);
    if (e.status !== 'DISABLED') {
      await this.experts.disable(m, e.id, reason, `${actor.role}:${actor.userId}`);
      await this.audit.append(m, { actor, action: 'EXPERT_DISABLED', objectType: 'expert', objectId: e.id, data: { reason } });
      await this.draws.poolChanged(m, e.id, e.specialties, 'DISABLED', { reason }, actor);
      await this.vacateSeats(m, e.id, () => true, `the expert was disabled: ${reason}`, actor);
    }
    return (await this.views(m, [await m.findOneByOrFail(ExpertEntity, { id: e.id })]))[0];
  }

  async enable(expertId: string, actor: Actor): Promise<ExpertView> {
    return this.tx.run(async (m) => {
      const e = await this.lock(m, expertId);
      if (e.status === 'DISABLED') {
        await m.update(ExpertEntity, { id: e.id }, { status: 'ACTIVE', disabledReason: null, disabledAt: null });
        await this.audit.append(m, { actor, action: 'EXPERT_ENABLED', objectType: 'expert', objectId: e.id, data: {} });
        await this.draws.poolChanged(m, e.id, e.specialties, 'ENABLED', {}, actor);
      }
      return (await this.views(m, [await m.findOneByOrFail(ExpertEntity, { id: e.id })]))[0];
    });
  }

  /** POST /experts/{id}/conflicts (ADMIN). */
  async addConflict(expertId: string, dto: ConflictDto, actor: Actor): Promise<ExpertView> {
    return this.tx.run(async (m) => this.declare(m, await this.lock(m, expertId), dto, 'ADMIN', actor));
  }

  /** POST /expert/conflicts: the expert declares a conflict itself (EXP26 Art. 9: keep the declarations current). */
  async declareOwnConflict(dto: ConflictDto, actor: Actor): Promise<ExpertView> {
    return this.tx.run(async (m) => this.declare(m, await this.lockOwn(m, actor), dto, 'EXPERT', actor));
  }

  /** DELETE /experts/{id}/conflicts/{conflictId} (ADMIN): withdrawn, never deleted. */
  async withdrawConflict(expertId: string, conflictId: string, actor: Actor): Promise<ExpertView> {
    return this.tx.run(async (m) => {
      const e = await this.lock(m, expertId);
      const withdrawn = await this.experts.withdrawConflict(m, e.id, conflictId);
      if (!withdrawn) throw new NotFoundException('The conflict');
      await this.audit.append(m, { actor, action: 'EXPERT_CONFLICT_WITHDRAWN', objectType: 'expert', objectId: e.id, data: { conflictId } });
      await this.draws.poolChanged(m, e.id, e.specialties, 'CONFLICT_WITHDRAWN', { uscc: withdrawn.uscc }, actor);
      return (await this.views(m, [e]))[0];
    });
  }

  /** PUT /expert/availability */
  async setAvailability(dto: AvailabilityDto, actor: Actor): Promise<ExpertView> {
    if (dto.available && dto.until) {
      throw new ValidationFailedException([{ field: 'until', errors: ['until applies to available=false only'] }]);
    }
    return this.tx.run(async (m) => {
      const e = await this.lockOwn(m, actor);
      if (!dto.available && dto.until) {
        if (await this.database.isPast(m, dto.until)) throw new ValidationFailedException([{ field: 'until', errors: ['until must be in the future'] }]);
      }
      await this.experts.setUnavailableUntil(m, e.id, dto.available ? null : (dto.until ?? 'infinity'));
      await this.audit.append(m, {
        actor,
        action: 'EXPERT_AVAILABILITY_DECLARED',
        objectType: 'expert',
        objectId: e.id,
        data: { available: dto.available, until: dto.until ?? null },
      });
      await this.draws.poolChanged(m, e.id, e.specialties, 'AVAILABILITY_DECLARED', { available: dto.available, until: dto.until ?? null }, actor);
      return (await this.views(m, [await m.findOneByOrFail(ExpertEntity, { id: e.id })]))[0];
    });
  }

  /** The expert profile of a user, or null. */
  async findByUser(userId: string, m: EntityManager = this.tx.manager): Promise<ExpertEntity | null> {
    return m.findOneBy(ExpertEntity, { userId });
  }

  private async declare(m: EntityManager, e: ExpertEntity, dto: ConflictDto, by: 'ADMIN' | 'EXPERT', actor: Actor): Promise<ExpertView> {
    if (!(await this.experts.hasActiveConflict(m, e.id, dto.uscc))) {
      await m.insert(ExpertConflictEntity, { expertId: e.id, uscc: dto.uscc, reason: dto.reason, declaredBy: by });
      await this.audit.append(m, {
        actor,
        action: 'EXPERT_CONFLICT_DECLARED',
        objectType: 'expert',
        objectId: e.id,
        data: { uscc: dto.uscc, declaredBy: by },
      });
      await this.draws.poolChanged(m, e.id, e.specialties, 'CONFLICT_DECLARED', { uscc: dto.uscc, declaredBy: by }, actor);
      // A member who now has a conflict with the procuring entity or a bidder of its panel must leave it (TBR Art. 46).
      await this.vacateSeats(
        m,
        e.id,
        (draw) => !!draw.conflictUsccs && [draw.conflictUsccs.procuringEntity, ...draw.conflictUsccs.bidders].includes(dto.uscc),
        'a conflict of interest was declared (recusal, TBR Art. 46)',
        actor,
      );
    }
    return (await this.views(m, [e]))[0];
  }

  /** Vacates the open seats of an expert on panels matching `which`, each replaced by a new draw. */
  private async vacateSeats(m: EntityManager, expertId: string, which: (draw: ExpertDrawEntity) => boolean, reason: string, actor: Actor): Promise<void> {
    const seats = await m.find(PanelMemberEntity, { where: { expertId } });
    for (const seat of seats.filter((s) => s.status === 'INVITED' || s.status === 'ACCEPTED')) {
      const draw = await m.findOneByOrFail(ExpertDrawEntity, { id: seat.drawId });
      if (!which(draw)) continue;
      // Lock order shared with the timeout handler: the pending event first, then the seat.
      await this.draws.lockAcceptTimeout(m, seat.id);
      const locked = await m.findOne(PanelMemberEntity, { where: { id: seat.id }, lock: { mode: 'pessimistic_write' } });
      if (!locked || (locked.status !== 'INVITED' && locked.status !== 'ACCEPTED')) continue;
      await this.draws.vacate(m, locked, 'REPLACED', reason, actor);
    }
  }

  private async lock(m: EntityManager, expertId: string): Promise<ExpertEntity> {
    const e = await m.findOne(ExpertEntity, { where: { id: expertId }, lock: { mode: 'pessimistic_write' } });
    if (!e) throw new NotFoundException('The expert');
    return e;
  }

  private async lockOwn(m: EntityManager, actor: Actor): Promise<ExpertEntity> {
    const e = await m.findOne(ExpertEntity, { where: { userId: actor.userId }, lock: { mode: 'pessimistic_write' } });
    if (!e) throw new NotFoundException('Your expert profile');
    return e;
  }

  private async views(m: EntityManager, rows: ExpertEntity[]): Promise<ExpertView[]> {
    if (!rows.length) return [];
    const conflicts = await this.experts.activeConflicts(
      m,
      rows.map((r) => r.id),
    );
    const available = await this.experts.availableNow(
      m,
      rows.map((r) => r.id),
    );
    return rows.map((e) => ({
      id: e.id,
      userId: e.userId,
      name: e.name,
      specialties: e.specialties,
      region: e.region,
      employerUscc: e.employerUscc,
      title: e.title,
      titleEquivalenceNote: e.titleEquivalenceNote,
      yearsOfExperience: e.yearsOfExperience,
      status: e.status,
      disabledReason: e.disabledReason,
      disabledAt: iso(e.disabledAt),
      available: available.get(e.id) ?? true,
      unavailableUntil: e.unavailableUntil && Number.isFinite(new Date(e.unavailableUntil).getTime()) ? iso(e.unavailableUntil) : e.unavailableUntil ? 'infinity' : null,
      conflicts: conflicts
        .filter((c) => c.expertId === e.id)
        .map((c) => ({ id: c.id, uscc: c.uscc, reason: c.reason, declaredBy: c.declaredBy, createdAt: new Date(c.createdAt).toISOString() })),
      createdAt: new Date(e.createdAt).toISOString(),
      updatedAt: new Date(e.updatedAt).toISOString(),
    }));
  }
}

function dedupeConflicts(list: ConflictDto[]): ConflictDto[] {
  const seen = new Set<string>();
  return list.filter((c) => (seen.has(c.uscc) ? false : (seen.add(c.uscc), true)));
}
