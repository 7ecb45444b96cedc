import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';
import { EligibilityInput, Ineligibility, RecordedCandidates, RoundSpec } from './recusal';

/**
 * The candidate lists' statement (CANDIDATES_CTE). Builds the candidate list of each specialty of a round and records them, in one statement, inside the caller's
 * transaction: the active experts of the specialty (index-only scan on expert_specialties, in the canonical order
 * of docs/EXPERT_DRAW.md: ids ascending) minus every recusal, with who was excluded and why, and each list's SHA-256
 * (hex, over the length-prefixed 16-byte ids). The lists never leave the database: the caller computes the slot positions
 * from the seed and each list's length, then `selectPositions` stores the selection. Periods are measured against
 * now(), the database clock of the draw's transaction (stable, so the indexes serve).
 */
const CANDIDATES_CTE = `WITH reasons AS (
       SELECT id AS expert_id,
              CASE WHEN employer_uscc = $3 THEN 'EMPLOYER_IS_PROCURING_ENTITY' ELSE 'EMPLOYER_IS_BIDDER' END AS reason
         FROM experts WHERE employer_uscc = ANY($4::bpchar[])
       UNION ALL
       SELECT expert_id, CASE WHEN uscc = $3 THEN 'DECLARED_CONFLICT_PROCURING_ENTITY' ELSE 'DECLARED_CONFLICT_BIDDER' END
         FROM expert_conflicts WHERE withdrawn_at IS NULL AND uscc = ANY($4::bpchar[])
       UNION ALL
       SELECT expert_id, 'RECENT_SERVICE_SAME_PROCURING_ENTITY' FROM panel_members
        WHERE procuring_entity_id = $5 AND status IN ('ACCEPTED', 'COMPLETED') AND tender_id <> $6 AND expert_id IS NOT NULL
          AND responded_at > now() - make_interval(days => $7)
       UNION ALL
       SELECT expert_id, 'OVERLAPPING_PANEL' FROM panel_members
        WHERE status IN ('INVITED', 'ACCEPTED') AND tender_id <> $6 AND expert_id IS NOT NULL
       UNION ALL
       SELECT id, 'UNAVAILABLE' FROM experts WHERE unavailable_until > now()
       UNION ALL
       SELECT unnest($8::uuid[]), 'ALREADY_SELECTED'
     ),
     recused AS MATERIALIZED (
       SELECT expert_id, array_agg(DISTINCT reason ORDER BY reason) AS reasons FROM reasons
        WHERE expert_id IN (SELECT s.expert_id FROM expert_specialties s WHERE s.specialty = ANY($2::text[]))
          AND expert_id NOT IN (SELECT id FROM experts WHERE status <> 'ACTIVE')
        GROUP BY expert_id
     ),
     spec AS (SELECT code, seats, ord FROM unnest($2::text[], $10::int[]) WITH ORDINALITY AS x(code, seats, ord)),
     lists AS MATERIALIZED (
       SELECT spec.code, spec.seats, spec.ord,
              ARRAY(SELECT s.expert_id FROM expert_specialties s
                     WHERE s.specialty = spec.code
                       AND s.expert_id NOT IN (SELECT id FROM experts WHERE status <> 'ACTIVE')
                       AND s.expert_id NOT IN (SELECT expert_id FROM recused)
                     ORDER BY s.expert_id) AS ids,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('expertId', r.expert_id, 'reasons', r.reasons) ORDER BY r.expert_id), '[]')
                 FROM recused r JOIN expert_specialties s ON s.expert_id = r.expert_id AND s.specialty = spec.code) AS excluded
         FROM spec
     )`;

/**
 * Owns the candidate lists of the expert draw (`expert_draw_rounds`' candidates and selection, `expert_draw_lists`),
 * computed from `experts`, `expert_specialties`, `expert_conflicts` and `panel_members` (all this module's) with the
 * recusal rules (recusal.ts). Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class CandidateListsRepository {
  async recordCandidates(m: EntityManager, input: EligibilityInput, round: RoundSpec): Promise<RecordedCandidates[]> {
    const conflictUsccs = [input.procuringEntityUscc, ...input.bidderUsccs];
    const rows: Array<{ id: string; specialty: string; seats: number; count: number; sha256: string; excluded: number }> = await m.query(
      `${CANDIDATES_CTE}
       INSERT INTO expert_draw_rounds (draw_id, round, specialty, seats, reason, replaces_member_id, candidate_ids, candidates_sha256,
                                       selected_ids, excluded)
       SELECT $1, $9, code, seats, $11, $12, ids,
              -- PostgreSQL's binary array form is a 20-byte header, then each element as its int4 length and its
              -- bytes: from byte 21 on, exactly the length-prefixed ids the hash is defined over.
              encode(digest(substring(array_send(ids) FROM 21), 'sha256'), 'hex'),
              '{}', excluded
         FROM lists ORDER BY ord
       RETURNING id, specialty, seats, cardinality(candidate_ids) AS count, candidates_sha256 AS sha256, jsonb_array_length(excluded) AS excluded`,
      [
        round.drawId,
        round.specialties.map((x) => x.specialty),
        input.procuringEntityUscc,
        conflictUsccs,
        input.procuringEntityId,
        input.tenderId,
        input.recentServiceDays,
        [...input.alreadySelected],
        round.round,
        round.specialties.map((x) => x.seats),
        round.reason,
        round.replacesMemberId,
      ],
    );
    const bySpecialty = new Map(rows.map((r) => [r.specialty, r]));
    return round.specialties.map(({ specialty }) => {
      const r = bySpecialty.get(specialty)!;
      return { roundId: r.id, specialty, seats: Number(r.seats), count: Number(r.count), candidatesSha256: r.sha256, excluded: Number(r.excluded) };
    });
  }

  /** The 0-based positions of the given experts in a recorded list (those that are in it). */
  async positionsIn(m: EntityManager, roundId: string, expertIds: string[]): Promise<number[]> {
    if (!expertIds.length) return [];
    const rows: Array<{ p: number }> = await m.query(
      `SELECT array_position(r.candidate_ids, x) - 1 AS p FROM expert_draw_rounds r, unnest($2::uuid[]) AS x
        WHERE r.id = $1 AND array_position(r.candidate_ids, x) IS NOT NULL`,
      [roundId, expertIds],
    );
    return rows.map((r) => Number(r.p));
  }

  /**
   * Stores the selection of a recorded round — the candidates at the given positions (0-based), in slot order — and,
   * in the same round trip, gives the positions in the round's next list (if any) of every expert selected so far in
   * the round (they are taken out of it before its first slot).
   */
  async selectPositions(
    m: EntityManager,
    roundId: string,
    positions: number[],
    nextRoundId: string | null = null,
    earlierInRound: string[] = [],
  ): Promise<{ selected: string[]; nextRemoved: number[] }> {
    const rows: Array<{ selected: string[]; next_removed: number[] }> = await m.query(
      `WITH upd AS (
         UPDATE expert_draw_rounds
            SET selected_ids = ARRAY(SELECT c[p + 1] FROM (SELECT candidate_ids AS c) a, unnest($2::int[]) WITH ORDINALITY AS u(p, o) ORDER BY o)
          WHERE id = $1 RETURNING selected_ids
       )
       SELECT (SELECT selected_ids FROM upd) AS selected,
              ARRAY(SELECT array_position(r.candidate_ids, x) - 1
                      FROM expert_draw_rounds r, unnest((SELECT selected_ids FROM upd) || $4::uuid[]) AS x
                     WHERE r.id = $3 AND array_position(r.candidate_ids, x) IS NOT NULL) AS next_removed`,
      [roundId, positions, nextRoundId, earlierInRound],
    );
    return { selected: rows[0].selected, nextRemoved: (rows[0].next_removed ?? []).map(Number) };
  }

  /**
   * expert-draw-v2: freezes the candidate list of each specialty (the same rules as recordCandidates, applied once,
   * before any selection) into expert_draw_lists, generation `generation` (append-only). Returns, in the tender's
   * order, each list's length and SHA-256 — what EXPERT_DRAW_COMMITTED commits to.
   */
  async freezeCandidates(
    m: EntityManager,
    input: EligibilityInput,
    drawId: string,
    generation: number,
    specialties: string[],
  ): Promise<Array<{ specialty: string; count: number; candidatesSha256: string; excluded: number }>> {
    if (!specialties.length) return [];
    const rows: Array<{ specialty: string; count: number; sha256: string; excluded: number }> = await m.query(
      `${CANDIDATES_CTE}
       INSERT INTO expert_draw_lists (draw_id, generation, specialty, candidate_ids, candidates_sha256, excluded)
       SELECT $1, $9, code, ids, encode(digest(substring(array_send(ids) FROM 21), 'sha256'), 'hex'), excluded
         FROM lists ORDER BY ord
       RETURNING specialty, cardinality(candidate_ids) AS count, candidates_sha256 AS sha256, jsonb_array_length(excluded) AS excluded`,
      [
        drawId,
        specialties,
        input.procuringEntityUscc,
        [input.procuringEntityUscc, ...input.bidderUsccs],
        input.procuringEntityId,
        input.tenderId,
        input.recentServiceDays,
        [...input.alreadySelected],
        generation,
        specialties.map(() => 1),
      ],
    );
    const bySpecialty = new Map(rows.map((r) => [r.specialty, r]));
    return specialties.map((specialty) => {
      const r = bySpecialty.get(specialty)!;
      return { specialty, count: Number(r.count), candidatesSha256: r.sha256, excluded: Number(r.excluded) };
    });
  }

  async currentlyIneligible(m: EntityManager, expertIds: string[], tenderId: string, conflictUsccs: string[]): Promise<Map<string, Ineligibility>> {
    const out = new Map<string, Ineligibility>();
    if (!expertIds.length) return out;
    const rows: Array<{ id: string; reason: string | null; disabled_reason: string | null; disabled_by: string | null }> = await m.query(
      `SELECT * FROM (SELECT e.id,
              CASE WHEN e.status <> 'ACTIVE' THEN 'DISABLED'
                   WHEN e.employer_uscc = ANY($3::bpchar[]) THEN 'RECUSED'
                   WHEN EXISTS (SELECT 1 FROM expert_conflicts c WHERE c.expert_id = e.id AND c.withdrawn_at IS NULL
                                  AND c.uscc = ANY($3::bpchar[])) THEN 'RECUSED'
                   WHEN e.unavailable_until > now() THEN 'UNAVAILABLE'
                   WHEN EXISTS (SELECT 1 FROM panel_members pm WHERE pm.expert_id = e.id AND pm.status IN ('INVITED', 'ACCEPTED')
                                  AND pm.tender_id <> $2) THEN 'OVERLAPPING_PANEL'
              END AS reason,
              e.disabled_reason, e.disabled_by
         FROM experts e WHERE e.id = ANY($1::uuid[])) x
        WHERE x.reason IS NOT NULL`,
      [expertIds, tenderId, conflictUsccs],
    );
    for (const r of rows) {
      const reason = r.reason as Ineligibility['reason'];
      out.set(r.id, {
        reason,
        // who made the candidate ineligible, and why, as far as the pool records it
        by:
          reason === 'DISABLED'
            ? (r.disabled_by ?? 'unknown')
            : reason === 'UNAVAILABLE'
              ? 'the expert (declared unavailable)'
              : reason === 'RECUSED'
                ? 'a declared or employment conflict'
                : 'the platform (seat on another panel)',
        note: reason === 'DISABLED' ? r.disabled_reason : null,
      });
    }
    return out;
  }
}
