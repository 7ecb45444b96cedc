import { NotificationsService } from 'src/modules/notifications/notifications.service';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEventMap, DomainEvents, OnEvent } from 'src/common/events/domain-events';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { ThresholdEscrowService } from '../../custody/threshold-escrow.service';
import { TENDER_DRAW_SEED } from '../../custody/draw-seed-custody';
import { BidsQueryService } from '../../bids/bids-query.service';
import { IdentityService } from '../../identity/identity.service';
import { ScheduledEventEntity } from '../../scheduling/scheduled-event.entity';
import { OnTimedEvent, SchedulerService } from '../../scheduling/scheduler.service';
import { TenderStatus } from '../../tenders/tender.enums';
import { ExpertDrawEntity } from '../entities/expert-draw.entity';
import { PanelMemberEntity, PanelMemberStatus } from '../entities/panel-member.entity';
import { beaconSha256, DrawBeacon, drawKeyV2, EXPERT_DRAW_ALGORITHM_V2, seedCommitment, SkipReason, slotPositions, walkOrder } from './expert-draw.algorithm';
import { checkPanelComposition } from './panel-composition';
import { EligibilityInput, Ineligibility, RecordedCandidates } from './recusal';
import { CandidateListsRepository } from './candidate-lists.repository';
import { DrawSeat, DrawTender, ExpertDrawsRepository, LoadedDraw } from './expert-draws.repository';
import { AuditHeadsRepository } from '../../audit/audit-heads.repository';
import { TendersRepository } from '../../tenders/tenders.repository';

export type DrawOutcome =
  | { status: 'DRAWN'; round: number; members: Array<{ id: string; specialty: string }> }
  | { status: 'INSUFFICIENT_EXPERTS'; shortages: Array<{ specialty: string; seats: number; candidates: number }> }
  | { status: 'INVALID_COMPOSITION'; violations: string[] }
  | { status: 'NOTHING_TO_DO'; reason: string };

/** The custody name of a draw's seed (threshold escrow, issue 17). */
export const drawSeedSecretId = (drawId: string) => `draw-seed-${drawId}`;

interface Vacancy {
  specialty: string;
  seats: number;
}

/** A candidate next in line passed over in a v2 round: the reason, who made the candidate ineligible, and why. */
interface Skip {
  expertId: string;
  reason: SkipReason;
  by: string;
  note: string | null;
}

interface Planned {
  vacancy: Vacancy;
  list: RecordedCandidates;
  selected: string[];
  skipped?: Skip[];
}

type Selection = { planned: Planned[]; shortages: Array<{ specialty: string; seats: number; candidates: number }> };

/** Seats that count towards the committee: invited, sitting, or done. */
const SEATED: PanelMemberStatus[] = ['INVITED', 'ACCEPTED', 'COMPLETED'];

/**
 * The random draw of the evaluation committee (随机抽取, TBL Art. 37; TBR Arts. 46, 48; PB12 Art. 10) and its
 * replacements. Two transactions keep it honest:
 * 1. `commit` runs inside the transaction that moves the tender to EVALUATION: a fresh 32-byte seed is stored and
 *    its SHA-256 (seedCommitment) audited, before any candidate list exists; a PANEL_DRAW event is planned;
 * 2. `drawPanel` (the event's handler) builds the candidate lists (recusal applied), records them with their hashes
 *    and selects deterministically from the seed (expert-draw.algorithm.ts, docs/EXPERT_DRAW.md).
 * The seed is revealed when the award is made (`revealSeed`), so that anyone can recompute every round.
 */
@Injectable()
export class ExpertDrawService {
  private readonly logger = new Logger(ExpertDrawService.name);

  constructor(
    private readonly audit: AuditService,
    private readonly scheduler: SchedulerService,
    private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly identity: IdentityService,
    private readonly bids: BidsQueryService,
    private readonly events: DomainEvents,
    private readonly notifications: NotificationsService,
    private readonly custody: ThresholdEscrowService,
    private readonly repo: ExpertDrawsRepository,
    private readonly candidates: CandidateListsRepository,
    private readonly auditHeads: AuditHeadsRepository,
    private readonly tenderRows: TendersRepository,
  ) {}

  @OnEvent('TenderEnteredEvaluation')
  async onTenderEnteredEvaluation(m: EntityManager, { tenderId }: DomainEventMap['TenderEnteredEvaluation'], actor: Actor): Promise<void> {
    await this.commit(m, tenderId, actor);
  }

  @OnEvent('TenderFailed')
  async onTenderFailed(m: EntityManager, { tenderId }: DomainEventMap['TenderFailed'], actor: Actor): Promise<void> {
    await this.release(m, tenderId, actor, 'TENDER_FAILED');
  }

  @OnEvent('TenderCancelled')
  async onTenderCancelled(m: EntityManager, { tenderId }: DomainEventMap['TenderCancelled'], actor: Actor): Promise<void> {
    await this.release(m, tenderId, actor, 'TENDER_CANCELLED');
  }

  @OnTimedEvent(ScheduledEventKind.PanelDraw)
  async onPanelDraw(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const outcome = await this.drawPanel(m, event.subjectId, SYSTEM_ACTOR);
    if (outcome.status !== 'DRAWN') this.logger.warn(`panel draw ${event.subjectId}: ${outcome.status}`);
  }

  @OnTimedEvent(ScheduledEventKind.ExpertAcceptTimeout)
  async onExpertAcceptTimeout(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    await this.onAcceptTimeout(m, event);
  }

  /**
   * Step 1, in the caller's transaction (the one that moved the tender to EVALUATION): the seed and its
   * commitment. Idempotent: a tender has one draw.
   */
  /** The tender's draw, null before its commitment: for the evaluation report (the experts module's own entity). */
  async drawOf(m: EntityManager, tenderId: string): Promise<ExpertDrawEntity | null> {
    return m.findOneBy(ExpertDrawEntity, { tenderId });
  }

  async commit(m: EntityManager, tenderId: string, actor: Actor): Promise<ExpertDrawEntity> {
    const existing = await m.findOneBy(ExpertDrawEntity, { tenderId });
    if (existing) return existing;
    const tender = await this.tenderRows.findById(m, tenderId);
    if (!tender) throw new NotFoundException('The tender');
    // The seed: the one committed at publication (issue 17: drawn before any bid and before the beacon exists, its
    // shares with the custodians until the deadline); tenders published before it get a fresh one now.
    const committedAtPublication = await this.repo.seedCommitmentAtPublication(m, tenderId);
    const seed = committedAtPublication ? null : this.crypto.randomBytes(32);
    const commitment = committedAtPublication ?? seedCommitment(seed!.toString('hex'));
    // The beacon (expert-draw-v2): the audit head signed at this tender's opening, which the draw's seed cannot
    // have influenced and which names every audit stream's head at the deadline (docs/EXPERT_DRAW.md).
    const head = await this.auditHeads.latestOpening(m, tenderId);
    const beacon: DrawBeacon | null = head
      ? { auditHeadId: head.id, signedAt: new Date(head.signedAt).toISOString(), headsSha256: head.headsSha256, signature: head.signature }
      : null;
    const beaconHash = beaconSha256(beacon);
    const row = await this.repo.insertCommitted(m, {
      tenderId,
      procuringEntityId: tender.procuringEntityId,
      algorithm: EXPERT_DRAW_ALGORITHM_V2,
      seedCommitment: commitment,
      beacon,
      beaconSha256: beaconHash,
    });
    // The seed is not stored (issue 17): it is split among the escrow custodians, each of which releases its share
    // (signed, audited) whenever a round needs it; only the award reveals it in clear (revealSeed).
    if (seed) {
      try {
        await this.custody.deposit(m, { tenderId, secretId: drawSeedSecretId(row.id), secret: seed, notBefore: row.committedAt, actor });
      } finally {
        seed.fill(0);
      }
    }
    // The candidate lists are frozen now, with the seed, before any selection: every seat of the draw (replacements
    // included) comes from them, in the order the seed and the beacon fix.
    const lists = await this.freeze(m, row.id, tenderId, 0);
    await this.audit.append(m, {
      actor,
      action: 'EXPERT_DRAW_COMMITTED',
      objectType: 'expert_draw',
      objectId: row.id,
      tenderId,
      data: { drawId: row.id, algorithm: EXPERT_DRAW_ALGORITHM_V2, seedCommitment: commitment, beacon, beaconSha256: beaconHash, generation: 0, lists },
    });
    await this.scheduler.plan(m, { kind: ScheduledEventKind.PanelDraw, subjectId: row.id, tenderId, runAt: row.committedAt });
    return m.findOneByOrFail(ExpertDrawEntity, { id: row.id });
  }

  /**
   * Step 2: fills every vacant seat of the committee. The first call is the initial draw (round 0, every
   * specialty); later calls (a retry after too few experts, a replacement) draw a new round. All or nothing: with
   * too few eligible experts for any seat nobody is selected, the draw is INSUFFICIENT_EXPERTS and the supervisor
   * is told (expert_draw_alerts + audit).
   */
  async drawPanel(m: EntityManager, drawId: string, actor: Actor, replacesMemberId: string | null = null): Promise<DrawOutcome> {
    // One draw at a time on the whole platform: two tenders drawing at once could otherwise both seat the same
    // expert, which the overlapping-panel recusal forbids. Taken first, in a statement of its own, so that what is
    // read next (in a new snapshot) includes every seat committed by the draw before.
    await this.repo.lockPlatformDraws(m);
    // Lock order: the tender row before the tender's audit stream. The seed's custodian releases append to that
    // stream, and the alerts below reference the tender (a KEY SHARE lock); taken here first, a transaction that holds
    // the tender FOR UPDATE (e.g. a bid-validity extension) and then appends to the stream finishes before this goes on.
    await this.repo.keyShareLockTenderOf(m, drawId);
    const loaded = await this.repo.loadForDraw(m, drawId);
    if (!loaded || loaded.draw.status === 'RELEASED') return { status: 'NOTHING_TO_DO', reason: 'the draw is released' };
    const { draw, tender, members } = loaded;
    if (!tender || tender.status !== TenderStatus.EVALUATION) return { status: 'NOTHING_TO_DO', reason: `the tender is ${tender?.status}` };

    const composition = checkPanelComposition({
      regime: tender.regime,
      budget: tender.budget,
      panelSize: tender.panelSize,
      panelSpecialties: tender.panelSpecialties ?? [],
    });
    if (composition.violations.length) {
      await m.update(ExpertDrawEntity, { id: draw.id }, { status: 'INVALID_COMPOSITION', lastError: composition.violations.join('; ') });
      await this.alert(m, draw, 'INVALID_COMPOSITION', { violations: composition.violations }, actor);
      return { status: 'INVALID_COMPOSITION', violations: composition.violations };
    }

    const vacancies: Vacancy[] = (tender.panelSpecialties ?? [])
      .map((s) => ({
        specialty: s.code,
        seats: s.count - members.filter((x) => x.kind === 'EXPERT' && x.specialty === s.code && SEATED.includes(x.status)).length,
      }))
      .filter((v) => v.seats > 0);
    if (!vacancies.length) {
      if (draw.status !== 'DRAWN') await m.update(ExpertDrawEntity, { id: draw.id }, { status: 'DRAWN', lastError: null });
      return { status: 'NOTHING_TO_DO', reason: 'every seat is taken' };
    }

    const input = await this.eligibilityInput(m, draw, tender, members);
    // No seat yet: the initial round (the rounds of a failed attempt are not kept).
    const round = members.length === 0 ? 0 : await this.repo.nextRound(m, draw.id);

    const { planned, shortages }: Selection =
      draw.algorithm === EXPERT_DRAW_ALGORITHM_V2
        ? await this.selectV2(m, draw, tender, members, vacancies, round, replacesMemberId, actor)
        : await this.selectV1(m, draw, input, vacancies, round, replacesMemberId);
    if (shortages.length) return this.recordShortage(m, draw, members, round, shortages, replacesMemberId, actor);
    return this.seat(m, draw, tender, planned, round, replacesMemberId, actor);
  }

  /** All or nothing: the rounds of this attempt are not kept, nobody is seated, the supervisor is told. */
  private async recordShortage(
    m: EntityManager,
    draw: LoadedDraw,
    members: DrawSeat[],
    round: number,
    shortages: Selection['shortages'],
    replacesMemberId: string | null,
    actor: Actor,
  ): Promise<DrawOutcome> {
    await this.repo.deleteRound(m, draw.id, round);
    const message = shortages.map((x) => `${x.specialty}: ${x.candidates} eligible for ${x.seats} seat(s)`).join('; ');
    await m.update(
      ExpertDrawEntity,
      { id: draw.id },
      {
        status: members.length ? draw.status : 'INSUFFICIENT_EXPERTS',
        lastError: message,
        conflictUsccs: draw.conflictUsccs,
        recentServiceDays: draw.recentServiceDays,
      },
    );
    await this.alert(m, draw, 'INSUFFICIENT_EXPERTS', { round, shortages, replacesMemberId }, actor);
    return { status: 'INSUFFICIENT_EXPERTS', shortages };
  }

  /**
   * The selected experts are invited (each told, with the time to answer: TBR Art. 48), the round's timeout is
   * planned, the draw is DRAWN and its open alerts resolved, and the round is audited.
   */
  private async seat(
    m: EntityManager,
    draw: LoadedDraw,
    tender: DrawTender,
    planned: Planned[],
    round: number,
    replacesMemberId: string | null,
    actor: Actor,
  ): Promise<DrawOutcome> {
    const seats = planned.flatMap((p) => p.selected.map((expertId) => ({ expertId, specialty: p.vacancy.specialty })));
    const inserted = await this.repo.insertInvitations(m, {
      drawId: draw.id,
      tenderId: tender.id,
      procuringEntityId: tender.procuringEntityId,
      round,
      acceptMinutes: this.config.expertAcceptMinutes,
      seats,
    });
    const drawn = inserted.map((row) => ({ id: row.id, specialty: row.specialty }));
    // 评标专家抽取通知: each drawn expert is asked to accept in time (TBR Art. 48) — a message to that expert only.
    await this.notifications.enqueue(
      m,
      inserted
        .filter((u) => u.userId)
        .map((u) => ({
          recipientUserId: u.userId,
          tenderId: tender.id,
          topic: 'PANEL_INVITATION',
          subject: '【评标专家抽取通知】',
          body: `您已被随机抽取为评标委员会成员，请于 ${u.respondBy.toISOString()} 前确认是否参加并声明回避事项。`,
          dedupeKey: `panel-member-${u.id}-invited`,
        })),
    );
    // One timeout per round (its seats share the time to answer): the EXPERT_ACCEPT_TIMEOUT event's subject is the
    // id of the round's first recorded list.
    const due = Math.max(...inserted.map((x) => x.respondBy.getTime()));
    await this.scheduler.plan(m, { kind: ScheduledEventKind.ExpertAcceptTimeout, subjectId: planned[0].list.roundId, tenderId: tender.id, runAt: new Date(due) });
    await this.repo.markDrawn(m, draw.id, draw.conflictUsccs, draw.recentServiceDays);
    if (draw.status !== 'COMMITTED' || draw.lastError) await this.repo.resolveDrawAlerts(m, draw.id);
    await this.audit.append(m, {
      actor,
      action: round === 0 ? 'EXPERT_DRAW_SELECTED' : 'EXPERT_REPLACEMENT_DRAWN',
      objectType: 'expert_draw',
      objectId: draw.id,
      tenderId: tender.id,
      data: {
        drawId: draw.id,
        round,
        replacesMemberId,
        seedCommitment: draw.seedCommitment,
        specialties: planned.map((p) => ({
          specialty: p.vacancy.specialty,
          seats: p.vacancy.seats,
          candidates: p.list.count,
          candidatesSha256: p.list.candidatesSha256,
          excluded: p.list.excluded,
          selected: p.selected,
          ...(p.skipped ? { skipped: p.skipped } : {}),
        })),
      },
    });
    return { status: 'DRAWN', round, members: drawn };
  }

  /** expert-draw-v1 (draws committed before v2): lists computed from the live pool at each round. */
  private async selectV1(m: EntityManager, draw: LoadedDraw, input: EligibilityInput, vacancies: Vacancy[], round: number, replacesMemberId: string | null): Promise<Selection> {
    // The lists of every vacant specialty are recorded at once; within the round the specialties are drawn in the
    // tender's order, each without the experts selected for an earlier one (an expert of two specialties sits once).
    const lists = await this.candidates.recordCandidates(m, input, {
      drawId: draw.id,
      round,
      reason: round === 0 ? 'INITIAL' : 'REPLACEMENT',
      replacesMemberId,
      specialties: vacancies.map((v) => ({ specialty: v.specialty, seats: v.seats })),
    });
    const planned: Planned[] = [];
    const shortages: Array<{ specialty: string; seats: number; candidates: number }> = [];
    let removed: number[] = []; // positions, in the current list, of the experts selected earlier in this round
    let inRound: string[] = [];
    for (const [i, vacancy] of vacancies.entries()) {
      const list = lists[i];
      const next = lists[i + 1]?.roundId ?? null;
      if (list.count - removed.length < vacancy.seats) {
        shortages.push({ specialty: vacancy.specialty, seats: vacancy.seats, candidates: list.count - removed.length });
        removed = next ? await this.candidates.positionsIn(m, next, inRound) : [];
        continue;
      }
      const positions = slotPositions(draw.seedHex, draw.id, vacancy.specialty, round, vacancy.seats, list.count, removed);
      const chosen = await this.candidates.selectPositions(m, list.roundId, positions, next, inRound);
      inRound = [...inRound, ...chosen.selected];
      removed = chosen.nextRemoved;
      planned.push({ vacancy, list, selected: chosen.selected });
    }
    return { planned, shortages };
  }

  /**
   * expert-draw-v2: every seat is the next candidate, in the committed order of the frozen list of its specialty,
   * who is not already selected in this draw and may take a seat now. The live pool can only pass a candidate over
   * (disabled, unavailable, recused, seated elsewhere), each recorded in the round with who and why; it never adds
   * anyone. Nothing is written on a shortage.
   */
  private async selectV2(
    m: EntityManager,
    draw: LoadedDraw,
    tender: DrawTender,
    members: DrawSeat[],
    vacancies: Vacancy[],
    round: number,
    replacesMemberId: string | null,
    actor: Actor,
  ): Promise<Selection> {
    let generation = await this.repo.latestGeneration(m, draw.id);
    if (generation === null || (members.length === 0 && draw.status === 'INSUFFICIENT_EXPERTS')) {
      // A new initial draw after too few experts (nobody was ever selected): the lists are frozen again, as a new
      // generation, audited (and so visible to supervisors) before the selection that uses them.
      generation = generation === null ? 0 : generation + 1;
      const lists = await this.freeze(m, draw.id, tender.id, generation, draw.conflictUsccs);
      await this.audit.append(m, {
        actor,
        action: 'EXPERT_DRAW_LISTS_FROZEN',
        objectType: 'expert_draw',
        objectId: draw.id,
        tenderId: tender.id,
        data: { drawId: draw.id, generation, lists },
      });
    }
    const rows = await this.repo.frozenLists(m, draw.id, generation);
    const bySpecialty = new Map(rows.map((r) => [r.specialty, r]));
    const key = drawKeyV2(await this.seedOf(m, draw.id, actor), draw.id, draw.beaconSha256);
    const taken = new Set(members.filter((x) => x.expertId).map((x) => x.expertId!));
    const conflictUsccs = draw.conflictUsccs ? [draw.conflictUsccs.procuringEntity, ...draw.conflictUsccs.bidders] : [];
    const picks: Array<{ vacancy: Vacancy; listId: string; sha: string; count: number; selected: string[]; skipped: Skip[] }> = [];
    const shortages: Selection['shortages'] = [];
    for (const vacancy of vacancies) {
      const list = bySpecialty.get(vacancy.specialty);
      const ids = list?.candidateIds ?? [];
      // Eligibility now is checked only along the committed order, a prefix at a time.
      let prefixLength = vacancy.seats * 3 + 8;
      for (;;) {
        const prefix = walkOrder(key, vacancy.specialty, ids, prefixLength, taken, () => false).selected;
        const bad: Map<string, Ineligibility> = await this.candidates.currentlyIneligible(m, prefix, tender.id, conflictUsccs);
        const checked = new Set(prefix);
        const walk = walkOrder(key, vacancy.specialty, ids, vacancy.seats, taken, (id) => bad.has(id) || !checked.has(id));
        const complete = walk.selected.length === vacancy.seats || prefix.length < prefixLength;
        if (!complete) {
          prefixLength *= 4;
          continue;
        }
        if (walk.selected.length < vacancy.seats) {
          shortages.push({ specialty: vacancy.specialty, seats: vacancy.seats, candidates: walk.selected.length });
        } else {
          const skipped = walk.skipped.map((id) => ({ expertId: id, ...bad.get(id)! }));
          picks.push({ vacancy, listId: list!.id, sha: list!.candidatesSha256, count: ids.length, selected: walk.selected, skipped });
          walk.selected.forEach((id) => taken.add(id));
        }
        break;
      }
    }
    if (shortages.length) return { planned: [], shortages };
    const planned: Planned[] = [];
    for (const p of picks) {
      const roundId = await this.repo.insertRoundFromList(m, {
        drawId: draw.id,
        round,
        seats: p.vacancy.seats,
        reason: round === 0 ? 'INITIAL' : 'REPLACEMENT',
        replacesMemberId,
        selected: p.selected,
        skipped: p.skipped,
        listId: p.listId,
      });
      planned.push({
        vacancy: p.vacancy,
        list: { roundId, specialty: p.vacancy.specialty, seats: p.vacancy.seats, count: p.count, candidatesSha256: p.sha, excluded: 0 },
        selected: p.selected,
        skipped: p.skipped,
      });
    }
    return { planned, shortages: [] };
  }

  /**
   * Freezes the candidate lists of the tender's specialties (expert-draw-v2), generation `generation`: the
   * commitment's work (commit), and a re-freeze before a new initial draw. Public for bench/expert-draw.bench.ts,
   * which commits its draws by hand and times this step apart from the draw.
   */
  async freeze(
    m: EntityManager,
    drawId: string,
    tenderId: string,
    generation: number,
    known: ExpertDrawEntity['conflictUsccs'] = null,
  ): Promise<Array<{ specialty: string; count: number; candidatesSha256: string; excluded: number }>> {
    const tender = await this.tenderRows.findById(m, tenderId);
    if (!tender) throw new NotFoundException('The tender');
    let usccs = known;
    if (!usccs) {
      usccs = await this.conflictUsccsOf(m, tenderId, tender.procuringEntityId);
      await this.repo.setConflictUsccs(m, drawId, usccs, this.config.expertRecentServiceDays);
    }
    const days = await this.repo.recentServiceDays(m, drawId);
    return this.candidates.freezeCandidates(
      m,
      {
        tenderId,
        procuringEntityId: tender.procuringEntityId,
        procuringEntityUscc: usccs.procuringEntity,
        bidderUsccs: usccs.bidders,
        recentServiceDays: days ?? this.config.expertRecentServiceDays,
        alreadySelected: new Set(),
      },
      drawId,
      generation,
      (tender.panelSpecialties ?? []).map((x) => x.code),
    );
  }

  /**
   * A change to the expert pool (an expert registered, disabled or enabled, its specialties, employer, conflicts
   * or availability changed) while a tender of one of the expert's specialties is under evaluation: each such
   * tender gets a POOL_CHANGED alert naming who made the change (GET /experts/draw-alerts, supervisors) and an
   * audit event on its stream. Runs in the transaction of the change.
   */
  async poolChanged(m: EntityManager, expertId: string, specialties: string[], change: string, details: Record<string, unknown>, actor: Actor): Promise<void> {
    const by = { userId: actor.userId, role: actor.role, ip: actor.ip };
    const rows = await this.repo.insertPoolChangedAlerts(m, { expertId, change, by, details, tenderStatus: TenderStatus.EVALUATION, specialties });
    for (const r of rows) {
      await this.audit.append(m, {
        actor,
        action: 'EXPERT_POOL_CHANGED_DURING_EVALUATION',
        objectType: 'expert_draw',
        objectId: r.drawId,
        tenderId: r.tenderId,
        data: { expertId, change, by, details },
      });
    }
  }

  /**
   * A member leaves an open seat: it declined, did not answer in time, was found to have a conflict, or was
   * penalised. A replacement is drawn the same way, at once, and recorded (TBR Art. 48). The caller holds the lock
   * of the member's pending timeout event (if any) and of the member row, in that order.
   */
  async vacate(
    m: EntityManager,
    member: PanelMemberEntity,
    status: Extract<PanelMemberStatus, 'DECLINED' | 'TIMED_OUT' | 'REPLACED'>,
    reason: string | null,
    actor: Actor,
  ): Promise<DrawOutcome> {
    const wasSitting = member.status === 'ACCEPTED';
    await this.repo.markVacated(m, member.id, status, reason);
    await this.audit.append(m, {
      actor,
      action: `PANEL_MEMBER_${status}`,
      objectType: 'panel_member',
      objectId: member.id,
      tenderId: member.tenderId,
      data: { expertId: member.expertId, specialty: member.specialty, previousStatus: member.status, reason },
    });
    // TBR Art. 48: the conclusions of a member who is replaced are void; the replacement evaluates again.
    if (wasSitting) await this.events.emit(m, 'PanelMemberLeft', { tenderId: member.tenderId, memberId: member.id }, actor);
    const outcome = await this.drawPanel(m, member.drawId, actor, member.id);
    const successor = outcome.status === 'DRAWN' ? outcome.members.find((x) => x.specialty === member.specialty) : undefined;
    if (successor) await this.repo.setReplacedBy(m, member.id, successor.id);
    return outcome;
  }

  /**
   * EXPERT_ACCEPT_TIMEOUT (subject: the first recorded list of a round): the invitations of that round nobody
   * answered in time are treated as declined, each replaced. Runs with the event row locked, so answers wait for it
   * (lockAcceptTimeout).
   */
  private async onAcceptTimeout(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const late = await this.repo.lockLateInvitations(m, event.subjectId);
    for (const member of late) await this.vacate(m, member, 'TIMED_OUT', 'no answer before the deadline', SYSTEM_ACTOR);
  }

  /**
   * Locks the pending accept-timeout event of a seat's round, if any. Whoever changes a seat takes this lock first
   * and the seat's row second — the order of the timeout handler — so that the two never deadlock.
   */
  async lockAcceptTimeout(m: EntityManager, memberId: string): Promise<void> {
    await this.repo.lockAcceptTimeoutOf(m, memberId);
  }

  /** The tender was cancelled or failed before the evaluation finished: open seats are released. Idempotent. */
  async release(m: EntityManager, tenderId: string, actor: Actor, reason: string): Promise<void> {
    const draw = await m.findOne(ExpertDrawEntity, { where: { tenderId }, lock: { mode: 'pessimistic_write' } });
    if (!draw) return;
    const open = await this.repo.releaseOpenSeats(m, draw.id);
    const rounds = await this.repo.roundIds(m, draw.id);
    for (const roundId of rounds) await this.scheduler.cancel(m, ScheduledEventKind.ExpertAcceptTimeout, roundId);
    const undrawn = draw.status !== 'DRAWN' && draw.status !== 'RELEASED';
    if (undrawn) {
      await m.update(ExpertDrawEntity, { id: draw.id }, { status: 'RELEASED' });
      await this.scheduler.cancel(m, ScheduledEventKind.PanelDraw, draw.id);
    }
    if (open.length || undrawn) {
      await this.audit.append(m, {
        actor,
        action: 'PANEL_RELEASED',
        objectType: 'expert_draw',
        objectId: draw.id,
        tenderId,
        data: { reason, releasedMembers: open.length },
      });
    }
  }

  /** The report is signed: the sitting members' assignments are COMPLETED (they count as service from now). */
  async complete(m: EntityManager, tenderId: string, actor: Actor): Promise<void> {
    const done = await this.repo.completeSitting(m, tenderId);
    if (done.length) {
      await this.audit.append(m, { actor, action: 'PANEL_COMPLETED', objectType: 'tender', objectId: tenderId, tenderId, data: { members: done.length } });
    }
  }

  /**
   * An objection to the result was upheld: the original committee examines again (TBR Art. 54; EXP26 Art. 9: help
   * correct errors in the report), so its seats are open again.
   */
  async reopen(m: EntityManager, tenderId: string, actor: Actor): Promise<void> {
    const back = await this.repo.reopenCompleted(m, tenderId);
    if (back.length) {
      await this.audit.append(m, { actor, action: 'PANEL_REOPENED', objectType: 'tender', objectId: tenderId, tenderId, data: { members: back.length } });
    }
  }

  /**
   * The draw's seed: in clear once revealed (or for draws committed before threshold escrow), else rebuilt from the
   * custodians' shares — each release signed and audited — and checked against the committed seedCommitment.
   */
  async seedOf(m: EntityManager, drawId: string, actor: Actor): Promise<string> {
    const row = await this.repo.seedRecord(m, drawId);
    if (!row) throw new NotFoundException('The draw');
    if (row.seedHex) return row.seedHex;
    const seed = await this.custody.reconstruct(m, {
      tenderId: row.tenderId,
      secretId: row.atPublication === row.seedCommitment ? TENDER_DRAW_SEED : drawSeedSecretId(drawId),
      actor,
      check: (s) => s.length === 32 && seedCommitment(s.toString('hex')) === row.seedCommitment,
    });
    const hex = seed.toString('hex');
    seed.fill(0);
    return hex;
  }

  /** The award is made: the seed is revealed (in the audit chain too), so anyone can recompute the draw. */
  async revealSeed(m: EntityManager, tenderId: string, actor: Actor): Promise<void> {
    const draw = await this.repo.lockByTenderWithSeed(m, tenderId);
    if (!draw || draw.seedRevealedAt) return;
    draw.seedHex ??= await this.seedOf(m, draw.id, actor); // escrowed until now: published from the award on
    await this.repo.markSeedRevealed(m, draw.id, draw.seedHex);
    await this.audit.append(m, {
      actor,
      action: 'EXPERT_DRAW_SEED_REVEALED',
      objectType: 'expert_draw',
      objectId: draw.id,
      tenderId,
      data: { drawId: draw.id, seed: draw.seedHex, seedCommitment: draw.seedCommitment },
    });
  }

  /** The organisations whose people are recused: the procuring entity and every bidder whose bid was opened. */
  private async eligibilityInput(m: EntityManager, draw: LoadedDraw, tender: DrawTender, members: DrawSeat[]): Promise<EligibilityInput> {
    let usccs = draw.conflictUsccs;
    if (!usccs) {
      usccs = await this.conflictUsccsOf(m, tender.id, tender.procuringEntityId);
      // kept on the draw (with the recent-service period) by the update that closes this attempt
      draw.conflictUsccs = usccs;
      draw.recentServiceDays = this.config.expertRecentServiceDays;
    }
    return {
      tenderId: tender.id,
      procuringEntityId: tender.procuringEntityId,
      procuringEntityUscc: usccs.procuringEntity,
      bidderUsccs: usccs.bidders,
      recentServiceDays: draw.recentServiceDays ?? this.config.expertRecentServiceDays,
      alreadySelected: new Set(members.filter((x) => x.expertId).map((x) => x.expertId!)),
    };
  }

  /** The 统一社会信用代码 of the procuring entity and of every bidder whose bid was opened (sorted): those recused. */
  private async conflictUsccsOf(m: EntityManager, tenderId: string, procuringEntityId: string): Promise<NonNullable<ExpertDrawEntity['conflictUsccs']>> {
    const bidderIds = await this.bids.bidderOrganizationIds(tenderId, m);
    const orgs = await this.identity.getOrganizations([procuringEntityId, ...bidderIds]);
    const entity = orgs.find((o) => o.id === procuringEntityId);
    if (!entity) throw new NotFoundException('The procuring entity');
    return {
      procuringEntity: entity.uscc,
      bidders: orgs
        .filter((o) => bidderIds.includes(o.id))
        .map((o) => o.uscc)
        .sort(),
    };
  }

  private async alert(
    m: EntityManager,
    draw: Pick<ExpertDrawEntity, 'id' | 'tenderId'>,
    kind: 'INSUFFICIENT_EXPERTS' | 'INVALID_COMPOSITION',
    details: Record<string, unknown>,
    actor: Actor,
  ): Promise<void> {
    await this.repo.insertAlert(m, { tenderId: draw.tenderId, drawId: draw.id, kind, details });
    // The supervisor is told: the alert list (GET /experts/draw-alerts) and the audit chain both carry it.
    await this.audit.append(m, {
      actor,
      action: kind === 'INSUFFICIENT_EXPERTS' ? 'EXPERT_DRAW_INSUFFICIENT_EXPERTS' : 'EXPERT_DRAW_INVALID_COMPOSITION',
      objectType: 'expert_draw',
      objectId: draw.id,
      tenderId: draw.tenderId,
      data: details,
    });
    this.logger.warn(`expert draw ${draw.id} of tender ${draw.tenderId}: ${kind} ${JSON.stringify(details)}`);
  }
}
