import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { NotFoundException } from 'src/common/errors/domain.exception';
import { normalizeMoney } from 'src/common/money/money';
import { AppConfig } from 'src/infra/config/app-config';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { AuditService } from '../../audit/audit.service';
import { BidsQueryService } from '../../bids/bids-query.service';
import { IdentityService } from '../../identity/identity.service';
import { ScheduledEventEntity } from '../../scheduling/scheduled-event.entity';
import { SchedulerService } from '../../scheduling/scheduler.service';
import { TenderLifecycleHooks } from '../../tenders/tender-lifecycle.hooks';
import { TenderEntity } from '../../tenders/tender.entity';
import { TenderStatus } from '../../tenders/tender.enums';
import { ExpertDrawRoundEntity } from '../entities/expert-draw-round.entity';
import { ExpertDrawEntity } from '../entities/expert-draw.entity';
import { PanelMemberEntity, PanelMemberStatus } from '../entities/panel-member.entity';
import { PanelHooks } from '../panel-hooks';
import { updateReturning } from '../sql';
import { EXPERT_DRAW_ALGORITHM, seedCommitment, slotPositions } from './expert-draw.algorithm';
import { checkPanelComposition } from './panel-composition';
import { EligibilityInput, positionsIn, RecordedCandidates, recordCandidates, selectPositions } from './recusal';

export type DrawOutcome =
  | { status: 'DRAWN'; round: number; members: Array<{ id: string; specialty: string }> }
  | { status: 'INSUFFICIENT_EXPERTS'; shortages: Array<{ specialty: string; seats: number; candidates: number }> }
  | { status: 'INVALID_COMPOSITION'; violations: string[] }
  | { status: 'NOTHING_TO_DO'; reason: string };

/** The fields of a draw, its tender and its seats that the draw reads (loadForDraw). */
interface LoadedDraw {
  id: string;
  tenderId: string;
  procuringEntityId: string;
  seedHex: string;
  seedCommitment: string;
  status: ExpertDrawEntity['status'];
  conflictUsccs: ExpertDrawEntity['conflictUsccs'];
  recentServiceDays: number | null;
  lastError: string | null;
}

interface DrawTender {
  id: string;
  status: TenderStatus;
  regime: TenderEntity['regime'];
  budget: string;
  panelSize: number;
  panelSpecialties: Array<{ code: string; count: number }>;
  procuringEntityId: string;
}

interface DrawSeat {
  kind: PanelMemberEntity['kind'];
  expertId: string | null;
  specialty: string | null;
  status: PanelMemberStatus;
}

interface Vacancy {
  specialty: string;
  seats: number;
}

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
    private readonly hooks: PanelHooks,
    events: DomainEvents,
    lifecycle: TenderLifecycleHooks,
  ) {
    events.on('TenderEnteredEvaluation', async (m, { tenderId }, actor) => {
      await this.commit(m, tenderId, actor);
    });
    events.on('TenderFailed', (m, { tenderId }, actor) => this.release(m, tenderId, actor, 'TENDER_FAILED'));
    events.on('TenderCancelled', (m, { tenderId }, actor) => this.release(m, tenderId, actor, 'TENDER_CANCELLED'));
    lifecycle.on('cancelled', (m, tender) => this.release(m, tender.id, SYSTEM_ACTOR, 'TENDER_CANCELLED'));
    scheduler.handle(ScheduledEventKind.PanelDraw, async (m, event) => {
      const outcome = await this.drawPanel(m, event.subjectId, SYSTEM_ACTOR);
      if (outcome.status !== 'DRAWN') this.logger.warn(`panel draw ${event.subjectId}: ${outcome.status}`);
    });
    scheduler.handle(ScheduledEventKind.ExpertAcceptTimeout, (m, event) => this.onAcceptTimeout(m, event));
  }

  /**
   * Step 1, in the caller's transaction (the one that moved the tender to EVALUATION): the seed and its
   * commitment. Idempotent: a tender has one draw.
   */
  async commit(m: EntityManager, tenderId: string, actor: Actor): Promise<ExpertDrawEntity> {
    const existing = await m.findOneBy(ExpertDrawEntity, { tenderId });
    if (existing) return existing;
    const tender = await m.findOneBy(TenderEntity, { id: tenderId });
    if (!tender) throw new NotFoundException('The tender');
    const seedHex = this.crypto.randomBytes(32).toString('hex');
    const commitment = seedCommitment(seedHex);
    const [row]: Array<{ id: string; committed_at: Date }> = await m.query(
      `INSERT INTO expert_draws (tender_id, procuring_entity_id, algorithm, seed_hex, seed_commitment, status)
       VALUES ($1, $2, $3, $4, $5, 'COMMITTED') RETURNING id, committed_at`,
      [tenderId, tender.procuringEntityId, EXPERT_DRAW_ALGORITHM, seedHex, commitment],
    );
    await this.audit.append(m, {
      actor,
      action: 'EXPERT_DRAW_COMMITTED',
      objectType: 'expert_draw',
      objectId: row.id,
      tenderId,
      data: { drawId: row.id, algorithm: EXPERT_DRAW_ALGORITHM, seedCommitment: commitment },
    });
    await this.scheduler.plan(m, { kind: ScheduledEventKind.PanelDraw, subjectId: row.id, tenderId, runAt: new Date(row.committed_at) });
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
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('expert-draw', 7))`);
    const loaded = await this.loadForDraw(m, drawId);
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
    const round = members.length === 0
      ? 0
      : (
          await m.query(`SELECT coalesce(max(round) + 1, 0)::int AS next FROM expert_draw_rounds WHERE draw_id = $1`, [draw.id])
        )[0].next;

    // The lists of every vacant specialty are recorded at once; within the round the specialties are drawn in the
    // tender's order, each without the experts selected for an earlier one (an expert of two specialties sits once).
    const lists = await recordCandidates(m, input, {
      drawId: draw.id,
      round,
      reason: round === 0 ? 'INITIAL' : 'REPLACEMENT',
      replacesMemberId,
      specialties: vacancies.map((v) => ({ specialty: v.specialty, seats: v.seats })),
    });
    const planned: Array<{ vacancy: Vacancy; list: RecordedCandidates; selected: string[] }> = [];
    const shortages: Array<{ specialty: string; seats: number; candidates: number }> = [];
    let removed: number[] = []; // positions, in the current list, of the experts selected earlier in this round
    let inRound: string[] = [];
    for (const [i, vacancy] of vacancies.entries()) {
      const list = lists[i];
      const next = lists[i + 1]?.roundId ?? null;
      if (list.count - removed.length < vacancy.seats) {
        shortages.push({ specialty: vacancy.specialty, seats: vacancy.seats, candidates: list.count - removed.length });
        removed = next ? await positionsIn(m, next, inRound) : [];
        continue;
      }
      const positions = slotPositions(draw.seedHex, draw.id, vacancy.specialty, round, vacancy.seats, list.count, removed);
      const chosen = await selectPositions(m, list.roundId, positions, next, inRound);
      inRound = [...inRound, ...chosen.selected];
      removed = chosen.nextRemoved;
      planned.push({ vacancy, list, selected: chosen.selected });
    }
    if (shortages.length) {
      // All or nothing: the rounds of this attempt are not kept, nobody is seated.
      await m.query(`DELETE FROM expert_draw_rounds WHERE draw_id = $1 AND round = $2`, [draw.id, round]);
      const message = shortages.map((x) => `${x.specialty}: ${x.candidates} eligible for ${x.seats} seat(s)`).join('; ');
      await m.update(ExpertDrawEntity, { id: draw.id }, {
        status: members.length ? draw.status : 'INSUFFICIENT_EXPERTS',
        lastError: message,
        conflictUsccs: draw.conflictUsccs,
        recentServiceDays: draw.recentServiceDays,
      });
      await this.alert(m, draw, 'INSUFFICIENT_EXPERTS', { round, shortages, replacesMemberId }, actor);
      return { status: 'INSUFFICIENT_EXPERTS', shortages };
    }

    const seats = planned.flatMap((p) => p.selected.map((expertId) => ({ expertId, specialty: p.vacancy.specialty })));
    const inserted: Array<{ id: string; expert_id: string; specialty: string; respond_by: Date }> = await m.query(
      `INSERT INTO panel_members (draw_id, tender_id, procuring_entity_id, kind, expert_id, user_id, name, specialty, round, status, respond_by)
       SELECT $1, $2, $3, 'EXPERT', e.id, e.user_id, e.name, s.specialty, $4, 'INVITED', clock_timestamp() + make_interval(mins => $5)
         FROM unnest($6::uuid[], $7::text[]) WITH ORDINALITY AS s(expert_id, specialty, o)
         JOIN experts e ON e.id = s.expert_id
        ORDER BY s.o
       RETURNING id, expert_id, specialty, respond_by`,
      [draw.id, tender.id, tender.procuringEntityId, round, this.config.expertAcceptMinutes, seats.map((x) => x.expertId), seats.map((x) => x.specialty)],
    );
    const drawn = inserted.map((row) => ({ id: row.id, specialty: row.specialty }));
    // One timeout per round (its seats share the time to answer): the EXPERT_ACCEPT_TIMEOUT event's subject is the
    // id of the round's first recorded list.
    const due = Math.max(...inserted.map((x) => new Date(x.respond_by).getTime()));
    await this.scheduler.plan(m, { kind: ScheduledEventKind.ExpertAcceptTimeout, subjectId: planned[0].list.roundId, tenderId: tender.id, runAt: new Date(due) });
    await m.query(
      `UPDATE expert_draws SET status = 'DRAWN', drawn_at = coalesce(drawn_at, clock_timestamp()), last_error = NULL, version = version + 1,
                               conflict_usccs = $2, recent_service_days = $3
       WHERE id = $1`,
      [draw.id, JSON.stringify(draw.conflictUsccs), draw.recentServiceDays],
    );
    if (draw.status !== 'COMMITTED' || draw.lastError) {
      await m.query(`UPDATE expert_draw_alerts SET resolved_at = clock_timestamp() WHERE draw_id = $1 AND resolved_at IS NULL`, [draw.id]);
    }
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
        })),
      },
    });
    return { status: 'DRAWN', round, members: drawn };
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
    await m.query(
      `UPDATE panel_members SET status = $2, decline_reason = $3, responded_at = coalesce(responded_at, clock_timestamp()),
                                updated_at = clock_timestamp()
       WHERE id = $1`,
      [member.id, status, reason],
    );
    await this.audit.append(m, {
      actor,
      action: `PANEL_MEMBER_${status}`,
      objectType: 'panel_member',
      objectId: member.id,
      tenderId: member.tenderId,
      data: { expertId: member.expertId, specialty: member.specialty, previousStatus: member.status, reason },
    });
    // TBR Art. 48: the conclusions of a member who is replaced are void; the replacement evaluates again.
    if (wasSitting) await this.hooks.run('memberLeft', m, { ...member, status }, actor);
    const outcome = await this.drawPanel(m, member.drawId, actor, member.id);
    const successor = outcome.status === 'DRAWN' ? outcome.members.find((x) => x.specialty === member.specialty) : undefined;
    if (successor) await m.query(`UPDATE panel_members SET replaced_by = $2 WHERE id = $1`, [member.id, successor.id]);
    return outcome;
  }

  /**
   * EXPERT_ACCEPT_TIMEOUT (subject: the first recorded list of a round): the invitations of that round nobody
   * answered in time are treated as declined, each replaced. Runs with the event row locked, so answers wait for it
   * (lockAcceptTimeout).
   */
  private async onAcceptTimeout(m: EntityManager, event: ScheduledEventEntity): Promise<void> {
    const late: PanelMemberEntity[] = await m
      .createQueryBuilder(PanelMemberEntity, 'pm')
      .innerJoin(ExpertDrawRoundEntity, 'r', 'r.draw_id = pm.draw_id AND r.round = pm.round')
      .where('r.id = :roundId', { roundId: event.subjectId })
      .andWhere(`pm.status = 'INVITED' AND pm.respond_by <= clock_timestamp()`)
      .orderBy('pm.id')
      .setLock('pessimistic_write', undefined, ['pm'])
      .getMany();
    for (const member of late) await this.vacate(m, member, 'TIMED_OUT', 'no answer before the deadline', SYSTEM_ACTOR);
  }

  /**
   * Locks the pending accept-timeout event of a seat's round, if any. Whoever changes a seat takes this lock first
   * and the seat's row second — the order of the timeout handler — so that the two never deadlock.
   */
  async lockAcceptTimeout(m: EntityManager, memberId: string): Promise<void> {
    await m.query(
      `SELECT se.id FROM scheduled_events se
         JOIN expert_draw_rounds r ON r.id = se.subject_id
         JOIN panel_members pm ON pm.draw_id = r.draw_id AND pm.round = r.round
        WHERE pm.id = $2 AND se.kind = $1 AND se.status = 'PENDING'
        FOR UPDATE OF se`,
      [ScheduledEventKind.ExpertAcceptTimeout, memberId],
    );
  }

  /** The tender was cancelled or failed before the evaluation finished: open seats are released. Idempotent. */
  async release(m: EntityManager, tenderId: string, actor: Actor, reason: string): Promise<void> {
    const draw = await m.findOne(ExpertDrawEntity, { where: { tenderId }, lock: { mode: 'pessimistic_write' } });
    if (!draw) return;
    const open = await updateReturning<{ id: string }>(
      m,
      `UPDATE panel_members SET status = 'RELEASED', updated_at = clock_timestamp()
       WHERE draw_id = $1 AND status IN ('INVITED', 'ACCEPTED') RETURNING id`,
      [draw.id],
    );
    const rounds: Array<{ id: string }> = await m.query(`SELECT id FROM expert_draw_rounds WHERE draw_id = $1`, [draw.id]);
    for (const r of rounds) await this.scheduler.cancel(m, ScheduledEventKind.ExpertAcceptTimeout, r.id);
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
    const done = await updateReturning<{ id: string }>(
      m,
      `UPDATE panel_members SET status = 'COMPLETED', updated_at = clock_timestamp()
       WHERE tender_id = $1 AND status = 'ACCEPTED' RETURNING id`,
      [tenderId],
    );
    if (done.length) {
      await this.audit.append(m, { actor, action: 'PANEL_COMPLETED', objectType: 'tender', objectId: tenderId, tenderId, data: { members: done.length } });
    }
  }

  /**
   * An objection to the result was upheld: the original committee examines again (TBR Art. 54; EXP26 Art. 9: help
   * correct errors in the report), so its seats are open again.
   */
  async reopen(m: EntityManager, tenderId: string, actor: Actor): Promise<void> {
    const back = await updateReturning<{ id: string }>(
      m,
      `UPDATE panel_members SET status = 'ACCEPTED', updated_at = clock_timestamp()
       WHERE tender_id = $1 AND status = 'COMPLETED' RETURNING id`,
      [tenderId],
    );
    if (back.length) {
      await this.audit.append(m, { actor, action: 'PANEL_REOPENED', objectType: 'tender', objectId: tenderId, tenderId, data: { members: back.length } });
    }
  }

  /** The award is made: the seed is revealed (in the audit chain too), so anyone can recompute the draw. */
  async revealSeed(m: EntityManager, tenderId: string, actor: Actor): Promise<void> {
    const draw = await m
      .createQueryBuilder(ExpertDrawEntity, 'd')
      .addSelect('d.seedHex')
      .where('d.tenderId = :tenderId', { tenderId })
      .setLock('pessimistic_write')
      .getOne();
    if (!draw || draw.seedRevealedAt) return;
    await m.query(`UPDATE expert_draws SET seed_revealed_at = clock_timestamp() WHERE id = $1`, [draw.id]);
    await this.audit.append(m, {
      actor,
      action: 'EXPERT_DRAW_SEED_REVEALED',
      objectType: 'expert_draw',
      objectId: draw.id,
      tenderId,
      data: { drawId: draw.id, seed: draw.seedHex, seedCommitment: draw.seedCommitment },
    });
  }

  /**
   * The draw (locked), its tender and its seats, in one round trip: the draw's hot path reads only these fields.
   */
  private async loadForDraw(m: EntityManager, drawId: string): Promise<{ draw: LoadedDraw; tender: DrawTender | null; members: DrawSeat[] } | null> {
    const rows: Array<Record<string, unknown>> = await m.query(
      `SELECT d.id, d.tender_id, d.procuring_entity_id, d.seed_hex, d.seed_commitment, d.status, d.conflict_usccs, d.recent_service_days,
              d.last_error,
              (SELECT json_build_object('id', t.id, 'status', t.status, 'regime', t.regime, 'budget', t.budget::text,
                                        'panelSize', t.panel_size, 'panelSpecialties', t.panel_specialties,
                                        'procuringEntityId', t.procuring_entity_id)
                 FROM tenders t WHERE t.id = d.tender_id) AS tender,
              (SELECT coalesce(json_agg(json_build_object('kind', pm.kind, 'expertId', pm.expert_id, 'specialty', pm.specialty,
                                                          'status', pm.status)), '[]')
                 FROM panel_members pm WHERE pm.draw_id = d.id) AS members
         FROM expert_draws d WHERE d.id = $1 FOR UPDATE OF d`,
      [drawId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      draw: {
        id: r.id as string,
        tenderId: r.tender_id as string,
        procuringEntityId: r.procuring_entity_id as string,
        seedHex: r.seed_hex as string,
        seedCommitment: r.seed_commitment as string,
        status: r.status as ExpertDrawEntity['status'],
        conflictUsccs: (r.conflict_usccs as ExpertDrawEntity['conflictUsccs']) ?? null,
        recentServiceDays: (r.recent_service_days as number | null) ?? null,
        lastError: (r.last_error as string | null) ?? null,
      },
      tender: r.tender ? { ...(r.tender as DrawTender), budget: normalizeMoney((r.tender as DrawTender).budget) } : null,
      members: r.members as DrawSeat[],
    };
  }

  /** The organisations whose people are recused: the procuring entity and every bidder whose bid was opened. */
  private async eligibilityInput(m: EntityManager, draw: LoadedDraw, tender: DrawTender, members: DrawSeat[]): Promise<EligibilityInput> {
    let usccs = draw.conflictUsccs;
    if (!usccs) {
      const bidderIds = await this.bids.bidderOrganizationIds(tender.id, m);
      const orgs = await this.identity.getOrganizations([tender.procuringEntityId, ...bidderIds]);
      const entity = orgs.find((o) => o.id === tender.procuringEntityId);
      if (!entity) throw new NotFoundException('The procuring entity');
      usccs = { procuringEntity: entity.uscc, bidders: orgs.filter((o) => bidderIds.includes(o.id)).map((o) => o.uscc).sort() };
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

  private async alert(
    m: EntityManager,
    draw: Pick<ExpertDrawEntity, 'id' | 'tenderId'>,
    kind: 'INSUFFICIENT_EXPERTS' | 'INVALID_COMPOSITION',
    details: Record<string, unknown>,
    actor: Actor,
  ): Promise<void> {
    await m.query(`INSERT INTO expert_draw_alerts (tender_id, draw_id, kind, details) VALUES ($1, $2, $3, $4)`, [
      draw.tenderId, draw.id, kind, JSON.stringify(details),
    ]);
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
