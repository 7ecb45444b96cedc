import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../audit/audit.service';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import { SchedulerService } from '../scheduling/scheduler.service';
import { TenderEntity } from '../tenders/tender.entity';
import { TenderStatus } from '../tenders/tender.enums';
import { DrawRecord, DrawRecordV2, EXPERT_DRAW_ALGORITHM_V2, SkipReason } from './draw/expert-draw.algorithm';
import { DrawOutcome, ExpertDrawService } from './draw/expert-draw.service';
import { checkPanelComposition } from './draw/panel-composition';
import { DeclineAssignmentDto } from './dto/expert.dto';
import { ExpertConflictEntity } from './entities/expert-conflict.entity';
import { ExpertDrawRoundEntity } from './entities/expert-draw-round.entity';
import { ExpertDrawEntity } from './entities/expert-draw.entity';
import { ExpertEntity } from './entities/expert.entity';
import { PanelMemberEntity, PanelMemberStatus } from './entities/panel-member.entity';
import { ExpertsException } from './experts.exception';
import { ExpertsRepository } from './experts.repository';
import { ExpertDrawsRepository } from './draw/expert-draws.repository';
import { DatabaseRepository } from 'src/infra/database/database.repository';
import { TendersRepository } from '../tenders/tenders.repository';

export interface PanelMemberView {
  memberId: string;
  expertId: string | null;
  kind: 'EXPERT' | 'ENTITY_REP';
  name: string;
  specialty: string | null;
  round: number;
  status: PanelMemberStatus;
  respondBy: string | null;
  respondedAt: string | null;
  replacedBy: string | null;
}

export interface PanelView {
  tenderId: string;
  drawId: string;
  algorithm: string;
  status: ExpertDrawEntity['status'];
  seedCommitment: string;
  /** Revealed once the award is made (API.md). */
  seed?: string;
  committedAt: string;
  drawnAt: string | null;
  seedRevealedAt: string | null;
  composition: { size: number; expertSeats: number; representativeSeats: number; specialties: Array<{ code: string; count: number }> };
  members: PanelMemberView[];
  rounds: Array<{ round: number; specialty: string; seats: number; reason: string; candidateCount: number; candidatesSha256: string; selected: string[]; drawnAt: string }>;
}

export interface AssignmentView {
  id: string;
  tenderId: string;
  tenderTitle: string;
  status: PanelMemberStatus;
  specialty: string | null;
  respondBy: string | null;
  respondedAt: string | null;
}

export interface DrawAlertView {
  id: string;
  tenderId: string;
  drawId: string;
  kind: string;
  details: Record<string, unknown>;
  createdAt: string;
  resolvedAt: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
/** The members who see the panel before the award: those who accepted a seat on it. */
const SITTING: PanelMemberStatus[] = ['ACCEPTED', 'COMPLETED'];
/** The result is decided: the committee is no longer secret (TBL Art. 37; MOF87 Art. 69 publishes it with the award). */
const DECIDED: TenderStatus[] = [TenderStatus.AWARDED, TenderStatus.CONTRACTED];

/**
 * The committee as people see it, under the secrecy rule (TBL Art. 37; PB12 Art. 8; MOF87 Art. 47): supervisors
 * always, the experts sitting on it, everyone else only once the award is made. Also the experts' assignments
 * (accept / decline) and the supervisor's retry of a draw that found too few experts.
 */
@Injectable()
export class PanelService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly draws: ExpertDrawService,
    private readonly scheduler: SchedulerService,
    private readonly jurisdictions: JurisdictionsService,
    private readonly drawsRepo: ExpertDrawsRepository,
    private readonly expertsRepo: ExpertsRepository,
    private readonly database: DatabaseRepository,
    private readonly tenderRows: TendersRepository,
  ) {}

  /** GET /tenders/{id}/panel */
  async panel(tenderId: string, actor: Actor | null): Promise<PanelView> {
    return this.tx.run(async (m) => {
      const { tender, draw, revealed } = await this.authorize(m, tenderId, actor, 'PANEL_READ');
      const members = await m.find(PanelMemberEntity, { where: { drawId: draw.id }, order: { createdAt: 'ASC', id: 'ASC' } });
      const rounds = await this.rounds(m, draw.id, tender);
      const comp = checkPanelComposition({
        regime: tender.regime,
        budget: tender.budget,
        panelSize: tender.panelSize,
        panelSpecialties: tender.panelSpecialties ?? [],
      });
      const seed = revealed ? await this.seedOf(m, draw.id) : undefined;
      return {
        tenderId,
        drawId: draw.id,
        algorithm: draw.algorithm,
        status: draw.status,
        seedCommitment: draw.seedCommitment,
        ...(seed ? { seed } : {}),
        committedAt: new Date(draw.committedAt).toISOString(),
        drawnAt: iso(draw.drawnAt),
        seedRevealedAt: iso(draw.seedRevealedAt),
        composition: {
          size: tender.panelSize,
          expertSeats: comp.expertSeats,
          representativeSeats: comp.representativeSeats,
          specialties: tender.panelSpecialties ?? [],
        },
        members: members.map(toMemberView),
        rounds: rounds.map((r) => ({
          round: r.round,
          specialty: r.specialty,
          seats: r.seats,
          reason: r.reason,
          candidateCount: r.candidateIds.length,
          candidatesSha256: r.candidatesSha256,
          selected: r.selectedIds,
          drawnAt: new Date(r.createdAt).toISOString(),
        })),
      };
    });
  }

  /**
   * GET /tenders/{id}/panel/draw-record: what an outsider needs to recompute the draw (docs/EXPERT_DRAW.md). The
   * candidate lists come with the seed (after the award), or to a supervisor; who was excluded and why (recusal)
   * only to a supervisor.
   */
  async drawRecord(
    tenderId: string,
    actor: Actor | null,
  ): Promise<(DrawRecord | DrawRecordV2) & { tenderId: string; candidatesDisclosed: boolean; excluded?: Array<{ round: number; specialty: string; excluded: unknown }> }> {
    return this.tx.run(async (m) => {
      const { tender, draw, revealed } = await this.authorize(m, tenderId, actor, 'EXPERT_DRAW_RECORD_READ');
      const supervisor = await this.supervises(m, actor, tenderId);
      const disclose = revealed || supervisor;
      const rounds = await this.rounds(m, draw.id, tender);
      const common = {
        tenderId,
        drawId: draw.id,
        seedCommitment: draw.seedCommitment,
        seed: revealed ? await this.seedOf(m, draw.id) : null,
        candidatesDisclosed: disclose,
        ...(supervisor ? { excluded: rounds.map((r) => ({ round: r.round, specialty: r.specialty, excluded: r.excluded })) } : {}),
      };
      const round = (r: ExpertDrawRoundEntity) => ({
        round: r.round,
        specialty: r.specialty,
        seats: r.seats,
        candidates: disclose ? r.candidateIds : [],
        candidatesSha256: r.candidatesSha256,
        selected: r.selectedIds,
      });
      if (draw.algorithm !== EXPERT_DRAW_ALGORITHM_V2) return { ...common, algorithm: draw.algorithm, rounds: rounds.map(round) };
      // v2: the lists committed with the seed (the latest generation), the beacon, and who was passed over and why.
      const lists = await this.drawsRepo.latestListHashes(m, draw.id);
      const order = (tender.panelSpecialties ?? []).map((x) => x.code);
      lists.sort((a, b) => order.indexOf(a.specialty) - order.indexOf(b.specialty));
      return {
        ...common,
        algorithm: EXPERT_DRAW_ALGORITHM_V2,
        beacon: draw.beacon,
        beaconSha256: draw.beaconSha256,
        committedLists: lists.map((l) => ({ specialty: l.specialty, candidatesSha256: l.candidatesSha256 })),
        rounds: rounds.map((r) => ({
          ...round(r),
          skipped: (r.skipped ?? []).map((x) => ({ expertId: x.expertId, reason: x.reason as SkipReason, by: x.by, note: x.note })),
        })),
      };
    });
  }

  /** GET /expert/assignments */
  async assignments(actor: Actor): Promise<AssignmentView[]> {
    const rows = await this.drawsRepo.assignmentsOf(this.tx.manager, actor.userId);
    return rows.map((r) => ({
      id: r.id,
      tenderId: r.tenderId,
      tenderTitle: r.tenderTitle,
      status: r.status,
      specialty: r.specialty,
      respondBy: iso(r.respondBy),
      respondedAt: iso(r.respondedAt),
    }));
  }

  /** POST /expert/assignments/{id}/accept — idempotent; refused once the time to answer has passed. */
  async accept(memberId: string, actor: Actor): Promise<AssignmentView> {
    await this.tx.run(async (m) => {
      const member = await this.lockOwnAssignment(m, memberId, actor);
      if (member.status === 'ACCEPTED') return;
      if (member.status !== 'INVITED') throw ExpertsException.closed(member.status);
      if (await this.database.isPast(m, member.respondBy!)) throw ExpertsException.expired(); // the timeout event draws the replacement
      await this.drawsRepo.markAccepted(m, member.id);
      await this.audit.append(m, {
        actor,
        action: 'PANEL_MEMBER_ACCEPTED',
        objectType: 'panel_member',
        objectId: member.id,
        tenderId: member.tenderId,
        data: { expertId: member.expertId, specialty: member.specialty },
      });
    });
    return this.assignment(memberId, actor);
  }

  /**
   * POST /expert/assignments/{id}/decline: a replacement is drawn at once and recorded (TBR Art. 48). A declared
   * conflict is added to the expert's profile. Idempotent for a seat already declined.
   */
  async decline(memberId: string, dto: DeclineAssignmentDto, actor: Actor): Promise<AssignmentView & { replacement: DrawOutcome['status'] | null }> {
    const outcome = await this.tx.run(async (m) => {
      const member = await this.lockOwnAssignment(m, memberId, actor);
      if (member.status === 'DECLINED') return null;
      if (member.status !== 'INVITED' && member.status !== 'ACCEPTED') throw ExpertsException.closed(member.status);
      if (dto.conflict) {
        if (!(await this.expertsRepo.hasActiveConflict(m, member.expertId!, dto.conflict.uscc))) {
          await m.insert(ExpertConflictEntity, { expertId: member.expertId!, uscc: dto.conflict.uscc, reason: dto.conflict.reason, declaredBy: 'EXPERT' });
          await this.audit.append(m, {
            actor,
            action: 'EXPERT_CONFLICT_DECLARED',
            objectType: 'expert',
            objectId: member.expertId!,
            data: { uscc: dto.conflict.uscc, declaredBy: 'EXPERT', onAssignment: member.id },
          });
        }
      }
      const reason = dto.conflict ? `recusal: ${dto.conflict.reason}` : (dto.reason ?? null);
      return this.draws.vacate(m, member, 'DECLINED', reason, actor);
    });
    return { ...(await this.assignment(memberId, actor)), replacement: outcome?.status ?? null };
  }

  /** POST /tenders/{id}/panel/redraw (SUPERVISOR, ADMIN): fills the vacant seats again, e.g. after the pool grew. */
  async redraw(tenderId: string, actor: Actor): Promise<PanelView> {
    const outcome = await this.tx.run(async (m) => {
      // A county supervisor or sector regulator redraws its own tenders' panels only: 404 outside (issue 19).
      await this.jurisdictions.assertTenderInScope(m, actor, tenderId, 'The expert draw');
      const draw = await m.findOneBy(ExpertDrawEntity, { tenderId });
      if (!draw) throw new NotFoundException('The expert draw');
      await this.scheduler.lockPending(m, ScheduledEventKind.PanelDraw, draw.id);
      const o = await this.draws.drawPanel(m, draw.id, actor);
      if (o.status === 'DRAWN') await this.scheduler.cancel(m, ScheduledEventKind.PanelDraw, draw.id);
      return o;
    });
    // The alert is committed above; the caller gets a clear error.
    if (outcome.status === 'INSUFFICIENT_EXPERTS') {
      throw ExpertsException.insufficient('Too few eligible experts for the panel; the supervisor has been told', outcome.shortages);
    }
    if (outcome.status === 'INVALID_COMPOSITION') throw ExpertsException.composition(outcome.violations);
    return this.panel(tenderId, actor);
  }

  /** GET /experts/draw-alerts (SUPERVISOR, ADMIN): draws that could not fill the panel. */
  async alerts(openOnly: boolean, actor: Actor | null = null): Promise<DrawAlertView[]> {
    const m = this.tx.manager;
    // A county supervisor or sector regulator sees the alerts of its own tenders only (issue 19); ADMIN and the
    // city's supervisors see all.
    const scope = await this.jurisdictions.scopeOf(m, actor);
    const rows = await this.drawsRepo.alerts(m, openOnly, (alias, p) => this.jurisdictions.tenderCondition(scope, alias, p));
    return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), resolvedAt: iso(r.resolvedAt) }));
  }

  // --- for the evaluation module ---

  /** The seats of a tender's committee (every status). */
  async members(m: EntityManager, tenderId: string): Promise<PanelMemberEntity[]> {
    return m.find(PanelMemberEntity, { where: { tenderId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** The caller's seat on the tender's committee when it sits there (ACCEPTED or COMPLETED), else null. */
  async sittingMember(m: EntityManager, tenderId: string, userId: string): Promise<PanelMemberEntity | null> {
    return m.findOne(PanelMemberEntity, { where: { tenderId, userId, status: In(SITTING) } });
  }

  /** The expert profiles (for names and employers in the report). */
  async experts(m: EntityManager, ids: string[]): Promise<ExpertEntity[]> {
    return ids.length ? m.find(ExpertEntity, { where: { id: In(ids) } }) : [];
  }

  private async assignment(memberId: string, actor: Actor): Promise<AssignmentView> {
    const all = await this.assignments(actor);
    const a = all.find((x) => x.id === memberId);
    if (!a) throw new NotFoundException('The assignment');
    return a;
  }

  /** The expert's own seat, locked (after its pending timeout event, the timeout handler's lock order). */
  private async lockOwnAssignment(m: EntityManager, memberId: string, actor: Actor): Promise<PanelMemberEntity> {
    await this.draws.lockAcceptTimeout(m, memberId);
    const member = await m.findOne(PanelMemberEntity, { where: { id: memberId }, lock: { mode: 'pessimistic_write' } });
    if (!member || member.userId !== actor.userId || member.kind !== 'EXPERT') throw new NotFoundException('The assignment');
    return member;
  }

  /**
   * The secrecy rule. NOT_FOUND for a tender the caller cannot know, PANEL_CONFIDENTIAL (403) before the award for
   * anyone but a supervisor or a sitting member. Reads before the award are audited (confidential data).
   */
  private async authorize(m: EntityManager, tenderId: string, actor: Actor | null, action: string): Promise<{ tender: TenderEntity; draw: ExpertDrawEntity; revealed: boolean }> {
    const tender = await this.tenderRows.findById(m, tenderId);
    if (!tender || tender.status === TenderStatus.DRAFT) throw new NotFoundException('The tender');
    const draw = await m.findOneBy(ExpertDrawEntity, { tenderId });
    const revealed = !!draw?.seedRevealedAt || DECIDED.includes(tender.status);
    // A supervisor of another county or trade is no supervisor of this tender (issue 19).
    const supervisor = await this.supervises(m, actor, tenderId);
    const sitting = actor?.role === Role.EXPERT && !!(await this.sittingMember(m, tenderId, actor.userId));
    // Before the seed is revealed it does not even learn that the draw exists: 404, as the other scoped views.
    if (!revealed && actor?.role === Role.SUPERVISOR && !supervisor) throw new NotFoundException('The tender');
    if (!revealed && !supervisor && !sitting) throw ExpertsException.confidential();
    if (!draw) throw new NotFoundException('The panel');
    if (!revealed && actor) {
      await this.audit.append(m, { actor, action, objectType: 'expert_draw', objectId: draw.id, tenderId, data: {} });
    }
    return { tender, draw, revealed: !!draw.seedRevealedAt };
  }

  /** A SUPERVISOR whose jurisdiction and trades cover the tender (every unscoped supervisor does). */
  private async supervises(m: EntityManager, actor: Actor | null, tenderId: string): Promise<boolean> {
    if (actor?.role !== Role.SUPERVISOR) return false;
    return this.jurisdictions.tenderInScope(m, await this.jurisdictions.scopeOf(m, actor), tenderId);
  }

  /** The rounds in the order they were drawn: by round, then in the tender's order of specialties. */
  private async rounds(m: EntityManager, drawId: string, tender: TenderEntity): Promise<ExpertDrawRoundEntity[]> {
    const order = (tender.panelSpecialties ?? []).map((x) => x.code);
    const rows = await m.find(ExpertDrawRoundEntity, { where: { drawId } });
    return rows.sort((a, b) => a.round - b.round || order.indexOf(a.specialty) - order.indexOf(b.specialty));
  }

  private async seedOf(m: EntityManager, drawId: string): Promise<string> {
    return (await this.drawsRepo.revealedSeed(m, drawId))!;
  }
}

function toMemberView(x: PanelMemberEntity): PanelMemberView {
  return {
    memberId: x.id,
    expertId: x.expertId,
    kind: x.kind,
    name: x.name,
    specialty: x.specialty,
    round: x.round,
    status: x.status,
    respondBy: iso(x.respondBy),
    respondedAt: iso(x.respondedAt),
    replacedBy: x.replacedBy,
  };
}
