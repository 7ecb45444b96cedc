import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { TenderEntity } from '../../tenders/tender.entity';
import { TenderStatus } from '../../tenders/tender.enums';
import { ExpertDrawRoundEntity } from '../entities/expert-draw-round.entity';
import { ExpertDrawEntity } from '../entities/expert-draw.entity';
import { PanelMemberEntity, PanelMemberStatus } from '../entities/panel-member.entity';
import { updateReturning } from '../experts.repository';

/** The fields of a draw that the draw reads (loadForDraw). */
export interface LoadedDraw {
  id: string;
  algorithm: string;
  beaconSha256: string | null;
  tenderId: string;
  procuringEntityId: string;
  seedHex: string;
  seedCommitment: string;
  status: ExpertDrawEntity['status'];
  conflictUsccs: ExpertDrawEntity['conflictUsccs'];
  recentServiceDays: number | null;
  lastError: string | null;
}

/** The fields of the draw's tender that the draw reads. */
export interface DrawTender {
  id: string;
  status: TenderStatus;
  regime: TenderEntity['regime'];
  budget: string;
  panelSize: number;
  panelSpecialties: Array<{ code: string; count: number }>;
  procuringEntityId: string;
}

/** A seat of the draw, as the draw reads it. */
export interface DrawSeat {
  kind: PanelMemberEntity['kind'];
  expertId: string | null;
  specialty: string | null;
  status: PanelMemberStatus;
}

/** A frozen candidate list (expert-draw-v2) of one generation. */
export interface FrozenListRow {
  id: string;
  specialty: string;
  candidateIds: string[];
  candidatesSha256: string;
}

/** A seat just offered to an expert. */
export interface InvitedSeatRow {
  id: string;
  expertId: string;
  userId: string | null;
  specialty: string;
  respondBy: Date;
}

export interface DrawAlertRow {
  id: string;
  tenderId: string;
  drawId: string;
  kind: string;
  details: Record<string, unknown>;
  createdAt: Date;
  resolvedAt: Date | null;
}

export interface AssignmentRow {
  id: string;
  tenderId: string;
  tenderTitle: string;
  status: PanelMemberStatus;
  specialty: string | null;
  respondBy: Date | null;
  respondedAt: Date | null;
}

/**
 * Owns the expert draw's tables: `expert_draws`, `expert_draw_rounds` (rows and selection; the candidate lists are
 * CandidateListsRepository's statements), `expert_draw_lists`, `expert_draw_alerts` and `panel_members`. Statements
 * that also read another module's table are declared read models (tenders, scheduled_events). Every method takes
 * the caller's EntityManager (its transaction).
 */
@Injectable()
export class ExpertDrawsRepository {
  // --- expert_draws ---

  /** Read model (tenders): the draw-seed commitment made at the tender's publication (null before issue 17). */
  async seedCommitmentAtPublication(m: EntityManager, tenderId: string): Promise<string | null> {
    const [{ draw_seed_commitment }]: Array<{ draw_seed_commitment: string | null }> = await m.query(`SELECT draw_seed_commitment FROM tenders WHERE id = $1`, [tenderId]);
    return draw_seed_commitment;
  }

  /** The committed draw (no seed stored: it is escrowed); returns its id and commitment time. */
  async insertCommitted(
    m: EntityManager,
    d: { tenderId: string; procuringEntityId: string; algorithm: string; seedCommitment: string; beacon: ExpertDrawEntity['beacon']; beaconSha256: string | null },
  ): Promise<{ id: string; committedAt: Date }> {
    const [row]: Array<{ id: string; committed_at: Date }> = await m.query(
      `INSERT INTO expert_draws (tender_id, procuring_entity_id, algorithm, seed_hex, seed_commitment, status, beacon, beacon_sha256)
       VALUES ($1, $2, $3, NULL, $4, 'COMMITTED', $5, $6) RETURNING id, committed_at`,
      [d.tenderId, d.procuringEntityId, d.algorithm, d.seedCommitment, d.beacon ? JSON.stringify(d.beacon) : null, d.beaconSha256],
    );
    return { id: row.id, committedAt: new Date(row.committed_at) };
  }

  /** One draw at a time on the whole platform, until the caller's transaction ends. */
  async lockPlatformDraws(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('expert-draw', 7))`);
  }

  /** Read model (tenders): takes a KEY SHARE lock on the draw's tender. */
  async keyShareLockTenderOf(m: EntityManager, drawId: string): Promise<void> {
    await m.query(`SELECT 1 FROM tenders WHERE id = (SELECT tender_id FROM expert_draws WHERE id = $1) FOR KEY SHARE`, [drawId]);
  }

  /**
   * Read model (tenders): the draw (locked FOR UPDATE), its tender and its seats, in one round trip: the draw's hot
   * path reads only these fields. Null when there is no such draw.
   */
  async loadForDraw(m: EntityManager, drawId: string): Promise<{ draw: LoadedDraw; tender: DrawTender | null; members: DrawSeat[] } | null> {
    const rows: Array<{
      id: string;
      algorithm: string;
      beacon_sha256: string | null;
      tender_id: string;
      procuring_entity_id: string;
      seed_hex: string;
      seed_commitment: string;
      status: ExpertDrawEntity['status'];
      conflict_usccs: ExpertDrawEntity['conflictUsccs'];
      recent_service_days: number | null;
      last_error: string | null;
      tender: DrawTender | null;
      members: DrawSeat[];
    }> = await m.query(
      `SELECT d.id, d.algorithm, d.beacon_sha256, d.tender_id, d.procuring_entity_id, d.seed_hex, d.seed_commitment, d.status, d.conflict_usccs, d.recent_service_days,
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
        id: r.id,
        algorithm: r.algorithm,
        beaconSha256: r.beacon_sha256 ?? null,
        tenderId: r.tender_id,
        procuringEntityId: r.procuring_entity_id,
        seedHex: r.seed_hex,
        seedCommitment: r.seed_commitment,
        status: r.status,
        conflictUsccs: r.conflict_usccs ?? null,
        recentServiceDays: r.recent_service_days ?? null,
        lastError: r.last_error ?? null,
      },
      tender: r.tender ? { ...r.tender, budget: normalizeMoney(r.tender.budget) } : null,
      members: r.members,
    };
  }

  /** A draw has filled its seats: DRAWN (the first time stamped), with its recusal inputs kept. */
  async markDrawn(m: EntityManager, drawId: string, conflictUsccs: ExpertDrawEntity['conflictUsccs'], recentServiceDays: number | null): Promise<void> {
    await m.query(
      `UPDATE expert_draws SET status = 'DRAWN', drawn_at = coalesce(drawn_at, clock_timestamp()), last_error = NULL, version = version + 1,
                               conflict_usccs = $2, recent_service_days = $3
       WHERE id = $1`,
      [drawId, JSON.stringify(conflictUsccs), recentServiceDays],
    );
  }

  async setConflictUsccs(m: EntityManager, drawId: string, usccs: NonNullable<ExpertDrawEntity['conflictUsccs']>, recentServiceDays: number): Promise<void> {
    await m.query(`UPDATE expert_draws SET conflict_usccs = $2, recent_service_days = $3 WHERE id = $1`, [drawId, JSON.stringify(usccs), recentServiceDays]);
  }

  async recentServiceDays(m: EntityManager, drawId: string): Promise<number | null> {
    const [{ days }]: Array<{ days: number | null }> = await m.query(`SELECT recent_service_days AS days FROM expert_draws WHERE id = $1`, [drawId]);
    return days;
  }

  /** Read model (tenders): what rebuilding the draw's seed needs — its seed when stored, its commitment, the tender's commitment at publication. */
  async seedRecord(m: EntityManager, drawId: string): Promise<{ tenderId: string; seedHex: string | null; seedCommitment: string; atPublication: string | null } | null> {
    const [row]: Array<{ tender_id: string; seed_hex: string | null; seed_commitment: string; at_publication: string | null }> = await m.query(
      `SELECT d.tender_id, d.seed_hex, d.seed_commitment, t.draw_seed_commitment AS at_publication
       FROM expert_draws d JOIN tenders t ON t.id = d.tender_id WHERE d.id = $1`,
      [drawId],
    );
    return row ? { tenderId: row.tender_id, seedHex: row.seed_hex, seedCommitment: row.seed_commitment, atPublication: row.at_publication } : null;
  }

  /** The tender's draw, locked FOR UPDATE, with its seed column (not selected by default). */
  async lockByTenderWithSeed(m: EntityManager, tenderId: string): Promise<ExpertDrawEntity | null> {
    return m.createQueryBuilder(ExpertDrawEntity, 'd').addSelect('d.seedHex').where('d.tenderId = :tenderId', { tenderId }).setLock('pessimistic_write').getOne();
  }

  async markSeedRevealed(m: EntityManager, drawId: string, seedHex: string): Promise<void> {
    await m.query(`UPDATE expert_draws SET seed_revealed_at = clock_timestamp(), seed_hex = $2 WHERE id = $1`, [drawId, seedHex]);
  }

  /** The seed of a draw whose seed was revealed (undefined otherwise). */
  async revealedSeed(m: EntityManager, drawId: string): Promise<string | undefined> {
    const [row]: Array<{ seed_hex: string }> = await m.query(`SELECT seed_hex FROM expert_draws WHERE id = $1 AND seed_revealed_at IS NOT NULL`, [drawId]);
    return row?.seed_hex;
  }

  // --- expert_draw_rounds, expert_draw_lists ---

  async nextRound(m: EntityManager, drawId: string): Promise<number> {
    const [{ next }]: Array<{ next: number }> = await m.query(`SELECT coalesce(max(round) + 1, 0)::int AS next FROM expert_draw_rounds WHERE draw_id = $1`, [drawId]);
    return next;
  }

  /** The rounds of a failed attempt are not kept. */
  async deleteRound(m: EntityManager, drawId: string, round: number): Promise<void> {
    await m.query(`DELETE FROM expert_draw_rounds WHERE draw_id = $1 AND round = $2`, [drawId, round]);
  }

  async roundIds(m: EntityManager, drawId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM expert_draw_rounds WHERE draw_id = $1`, [drawId]);
    return rows.map((r) => r.id);
  }

  /** The latest generation of the draw's frozen lists; null when none was frozen. */
  async latestGeneration(m: EntityManager, drawId: string): Promise<number | null> {
    const [{ generation }]: Array<{ generation: number | null }> = await m.query(`SELECT max(generation)::int AS generation FROM expert_draw_lists WHERE draw_id = $1`, [drawId]);
    return generation;
  }

  async frozenLists(m: EntityManager, drawId: string, generation: number): Promise<FrozenListRow[]> {
    const rows: Array<{ id: string; specialty: string; candidate_ids: string[]; candidates_sha256: string }> = await m.query(
      `SELECT id, specialty, candidate_ids, candidates_sha256 FROM expert_draw_lists WHERE draw_id = $1 AND generation = $2`,
      [drawId, generation],
    );
    return rows.map((r) => ({ id: r.id, specialty: r.specialty, candidateIds: r.candidate_ids, candidatesSha256: r.candidates_sha256 }));
  }

  /** The hashes of the latest generation's lists (any order). */
  async latestListHashes(m: EntityManager, drawId: string): Promise<Array<{ specialty: string; candidatesSha256: string }>> {
    const lists: Array<{ specialty: string; candidates_sha256: string }> = await m.query(
      `SELECT specialty, candidates_sha256 FROM expert_draw_lists
          WHERE draw_id = $1 AND generation = (SELECT max(generation) FROM expert_draw_lists WHERE draw_id = $1)`,
      [drawId],
    );
    return lists.map((l) => ({ specialty: l.specialty, candidatesSha256: l.candidates_sha256 }));
  }

  /** Records a v2 round: the frozen list it drew from (copied), its selection and who was passed over. Returns its id. */
  async insertRoundFromList(
    m: EntityManager,
    r: { drawId: string; round: number; seats: number; reason: 'INITIAL' | 'REPLACEMENT'; replacesMemberId: string | null; selected: string[]; skipped: unknown[]; listId: string },
  ): Promise<string> {
    const [row]: Array<{ id: string }> = await m.query(
      `INSERT INTO expert_draw_rounds (draw_id, round, specialty, seats, reason, replaces_member_id, candidate_ids, candidates_sha256,
                                         selected_ids, excluded, skipped)
         SELECT $1, $2, l.specialty, $3, $4, $5, l.candidate_ids, l.candidates_sha256, $6::uuid[], l.excluded, $7
           FROM expert_draw_lists l WHERE l.id = $8
         RETURNING id`,
      [r.drawId, r.round, r.seats, r.reason, r.replacesMemberId, r.selected, JSON.stringify(r.skipped), r.listId],
    );
    return row.id;
  }

  // --- expert_draw_alerts ---

  async insertAlert(m: EntityManager, a: { tenderId: string; drawId: string; kind: string; details: Record<string, unknown> }): Promise<void> {
    await m.query(`INSERT INTO expert_draw_alerts (tender_id, draw_id, kind, details) VALUES ($1, $2, $3, $4)`, [a.tenderId, a.drawId, a.kind, JSON.stringify(a.details)]);
  }

  /** The draw's open INSUFFICIENT_EXPERTS and INVALID_COMPOSITION alerts are resolved (database clock). */
  async resolveDrawAlerts(m: EntityManager, drawId: string): Promise<void> {
    await m.query(
      `UPDATE expert_draw_alerts SET resolved_at = clock_timestamp()
         WHERE draw_id = $1 AND resolved_at IS NULL AND kind IN ('INSUFFICIENT_EXPERTS', 'INVALID_COMPOSITION')`,
      [drawId],
    );
  }

  /**
   * Read model (tenders): a POOL_CHANGED alert for every unreleased draw whose tender is in `status` (under
   * evaluation) and has a panel seat of one of the specialties. Returns the draws alerted.
   */
  async insertPoolChangedAlerts(
    m: EntityManager,
    a: { expertId: string; change: string; by: Record<string, unknown>; details: Record<string, unknown>; tenderStatus: TenderStatus; specialties: string[] },
  ): Promise<Array<{ tenderId: string; drawId: string }>> {
    const rows: Array<{ tender_id: string; draw_id: string }> = await m.query(
      `INSERT INTO expert_draw_alerts (tender_id, draw_id, kind, details)
       SELECT d.tender_id, d.id, 'POOL_CHANGED', jsonb_build_object('expertId', $1::text, 'change', $2::text, 'by', $3::jsonb, 'details', $4::jsonb)
         FROM expert_draws d JOIN tenders t ON t.id = d.tender_id
        WHERE t.status = $5 AND d.status <> 'RELEASED'
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(t.panel_specialties) s WHERE s->>'code' = ANY($6::text[]))
       RETURNING tender_id, draw_id`,
      [a.expertId, a.change, JSON.stringify(a.by), JSON.stringify(a.details), a.tenderStatus, a.specialties],
    );
    return rows.map((r) => ({ tenderId: r.tender_id, drawId: r.draw_id }));
  }

  /**
   * Read model (tenders): the latest 500 alerts (open ones only with `openOnly`), newest first, of the tenders
   * matching `tenderCondition` on the alias `t` (null: every tender).
   */
  async alerts(m: EntityManager, openOnly: boolean, tenderCondition: (alias: string, p: (v: unknown) => string) => string | null): Promise<DrawAlertRow[]> {
    const params: unknown[] = [];
    const inScope = tenderCondition('t', (v) => `$${params.push(v)}`);
    const where = [openOnly ? 'a.resolved_at IS NULL' : null, inScope].filter(Boolean);
    const rows: Array<{ id: string; tender_id: string; draw_id: string; kind: string; details: Record<string, unknown>; created_at: Date; resolved_at: Date | null }> =
      await m.query(
        `SELECT a.id, a.tender_id, a.draw_id, a.kind, a.details, a.created_at, a.resolved_at
       FROM expert_draw_alerts a JOIN tenders t ON t.id = a.tender_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_at DESC LIMIT 500`,
        params,
      );
    return rows.map((r) => ({
      id: r.id,
      tenderId: r.tender_id,
      drawId: r.draw_id,
      kind: r.kind,
      details: r.details,
      createdAt: r.created_at,
      resolvedAt: r.resolved_at,
    }));
  }

  // --- panel_members ---

  /**
   * Offers the seats to the experts (in the given order), each to answer within `acceptMinutes` (database clock);
   * names and users copied from the experts' profiles.
   */
  async insertInvitations(
    m: EntityManager,
    s: { drawId: string; tenderId: string; procuringEntityId: string; round: number; acceptMinutes: number; seats: Array<{ expertId: string; specialty: string }> },
  ): Promise<InvitedSeatRow[]> {
    const inserted: Array<{ id: string; expert_id: string; specialty: string; respond_by: Date }> = await m.query(
      `INSERT INTO panel_members (draw_id, tender_id, procuring_entity_id, kind, expert_id, user_id, name, specialty, round, status, respond_by)
       SELECT $1, $2, $3, 'EXPERT', e.id, e.user_id, e.name, s.specialty, $4, 'INVITED', clock_timestamp() + make_interval(mins => $5)
         FROM unnest($6::uuid[], $7::text[]) WITH ORDINALITY AS s(expert_id, specialty, o)
         JOIN experts e ON e.id = s.expert_id
        ORDER BY s.o
       RETURNING id, expert_id, specialty, respond_by`,
      [s.drawId, s.tenderId, s.procuringEntityId, s.round, s.acceptMinutes, s.seats.map((x) => x.expertId), s.seats.map((x) => x.specialty)],
    );
    // Their users (an invitation is a message to that expert only).
    const users: Array<{ id: string; user_id: string | null; respond_by: Date }> = await m.query(`SELECT id, user_id, respond_by FROM panel_members WHERE id = ANY($1::uuid[])`, [
      inserted.map((x) => x.id),
    ]);
    const userOf = new Map(users.map((u) => [u.id, u.user_id]));
    return inserted.map((r) => ({ id: r.id, expertId: r.expert_id, userId: userOf.get(r.id) ?? null, specialty: r.specialty, respondBy: new Date(r.respond_by) }));
  }

  /** A seat left: its new status, the reason, and when (the answer time kept when there was one). */
  async markVacated(m: EntityManager, memberId: string, status: Extract<PanelMemberStatus, 'DECLINED' | 'TIMED_OUT' | 'REPLACED'>, reason: string | null): Promise<void> {
    await m.query(
      `UPDATE panel_members SET status = $2, decline_reason = $3, responded_at = coalesce(responded_at, clock_timestamp()),
                                updated_at = clock_timestamp()
       WHERE id = $1`,
      [memberId, status, reason],
    );
  }

  async setReplacedBy(m: EntityManager, memberId: string, successorId: string): Promise<void> {
    await m.query(`UPDATE panel_members SET replaced_by = $2 WHERE id = $1`, [memberId, successorId]);
  }

  async markAccepted(m: EntityManager, memberId: string): Promise<void> {
    await m.query(`UPDATE panel_members SET status = 'ACCEPTED', responded_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = $1`, [memberId]);
  }

  /** The round's invitations nobody answered in time (database clock), locked FOR UPDATE, by id. */
  async lockLateInvitations(m: EntityManager, roundId: string): Promise<PanelMemberEntity[]> {
    return m
      .createQueryBuilder(PanelMemberEntity, 'pm')
      .innerJoin(ExpertDrawRoundEntity, 'r', 'r.draw_id = pm.draw_id AND r.round = pm.round')
      .where('r.id = :roundId', { roundId })
      .andWhere(`pm.status = 'INVITED' AND pm.respond_by <= clock_timestamp()`)
      .orderBy('pm.id')
      .setLock('pessimistic_write', undefined, ['pm'])
      .getMany();
  }

  /** Read model (scheduled_events): locks the pending accept-timeout event of the seat's round, if any (FOR UPDATE). */
  async lockAcceptTimeoutOf(m: EntityManager, memberId: string): Promise<void> {
    await m.query(
      `SELECT se.id FROM scheduled_events se
         JOIN expert_draw_rounds r ON r.id = se.subject_id
         JOIN panel_members pm ON pm.draw_id = r.draw_id AND pm.round = r.round
        WHERE pm.id = $2 AND se.kind = $1 AND se.status = 'PENDING'
        FOR UPDATE OF se`,
      [ScheduledEventKind.ExpertAcceptTimeout, memberId],
    );
  }

  /** The draw's open seats (invited or sitting) are RELEASED; returns their ids. */
  async releaseOpenSeats(m: EntityManager, drawId: string): Promise<string[]> {
    const rows = await updateReturning<{ id: string }>(
      m,
      `UPDATE panel_members SET status = 'RELEASED', updated_at = clock_timestamp()
       WHERE draw_id = $1 AND status IN ('INVITED', 'ACCEPTED') RETURNING id`,
      [drawId],
    );
    return rows.map((r) => r.id);
  }

  /** The tender's sitting members are COMPLETED; returns their ids. */
  async completeSitting(m: EntityManager, tenderId: string): Promise<string[]> {
    const rows = await updateReturning<{ id: string }>(
      m,
      `UPDATE panel_members SET status = 'COMPLETED', updated_at = clock_timestamp()
       WHERE tender_id = $1 AND status = 'ACCEPTED' RETURNING id`,
      [tenderId],
    );
    return rows.map((r) => r.id);
  }

  /** The tender's COMPLETED members sit again (ACCEPTED); returns their ids. */
  async reopenCompleted(m: EntityManager, tenderId: string): Promise<string[]> {
    const rows = await updateReturning<{ id: string }>(
      m,
      `UPDATE panel_members SET status = 'ACCEPTED', updated_at = clock_timestamp()
       WHERE tender_id = $1 AND status = 'COMPLETED' RETURNING id`,
      [tenderId],
    );
    return rows.map((r) => r.id);
  }

  /** Read model (tenders): a user's seats as an expert, with the tenders' titles, newest first. */
  async assignmentsOf(m: EntityManager, userId: string): Promise<AssignmentRow[]> {
    const rows: Array<{
      id: string;
      tender_id: string;
      status: PanelMemberStatus;
      specialty: string | null;
      respond_by: Date | null;
      responded_at: Date | null;
      tender_title: string;
    }> = await m.query(
      `SELECT pm.id, pm.tender_id, pm.status, pm.specialty, pm.respond_by, pm.responded_at, t.title AS tender_title
       FROM panel_members pm JOIN tenders t ON t.id = pm.tender_id
       WHERE pm.user_id = $1 AND pm.kind = 'EXPERT'
       ORDER BY pm.created_at DESC, pm.id`,
      [userId],
    );
    return rows.map((r) => ({
      id: r.id,
      tenderId: r.tender_id,
      tenderTitle: r.tender_title,
      status: r.status,
      specialty: r.specialty,
      respondBy: r.respond_by,
      respondedAt: r.responded_at,
    }));
  }
}
