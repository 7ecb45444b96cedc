/**
 * The expert draw's repositories against the real PostgreSQL: the committed draw loaded with its tender (read
 * model), the frozen candidate lists (CTE), the live ineligibility check, invitations and the bulk seat updates.
 */
import { randomUUID } from 'crypto';
import type { EntityManager } from 'typeorm';
import { CandidateListsRepository } from 'src/modules/experts/draw/candidate-lists.repository';
import { ExpertDrawsRepository } from 'src/modules/experts/draw/expert-draws.repository';
import { ExpertsRepository } from 'src/modules/experts/experts.repository';
import { insertExperts, tenderInEvaluation } from './factories/evaluation.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('ExpertDrawsRepository, CandidateListsRepository, ExpertsRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let draws: ExpertDrawsRepository;
  let lists: CandidateListsRepository;
  let experts: ExpertsRepository;
  let tenderId: string;
  let drawId: string;
  let pool: string[];
  const specialty = `R${Date.now().toString(36).toUpperCase()}`;

  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    draws = t.app.get(ExpertDrawsRepository);
    lists = t.app.get(CandidateListsRepository);
    experts = t.app.get(ExpertsRepository);
    pool = await insertExperts(t, 4, specialty);
    const tender = await tenderInEvaluation(t, { panelSize: 5, specialties: [{ code: specialty, count: 3 }] });
    tenderId = tender.id;
    [{ id: drawId }] = await t.dataSource.query(`SELECT id FROM expert_draws WHERE tender_id = $1`, [tenderId]);
  });
  afterAll(async () => t?.close());

  it('loads the committed draw (locked) with its tender and no seat; its lists are frozen as generation 0, ids ascending', async () => {
    await t.dataSource.transaction(async (m) => {
      const loaded = await draws.loadForDraw(m, drawId);
      expect(loaded!.draw).toMatchObject({ id: drawId, tenderId, status: 'COMMITTED', seedHex: null });
      expect(loaded!.tender).toMatchObject({ id: tenderId, status: 'EVALUATION', panelSize: 5, panelSpecialties: [{ code: specialty, count: 3 }] });
      expect(loaded!.members).toEqual([]);
      expect(await draws.loadForDraw(m, randomUUID())).toBeNull();
      expect(await draws.latestGeneration(m, drawId)).toBe(0);
      const [list] = await draws.frozenLists(m, drawId, 0);
      expect(list).toMatchObject({ specialty, candidateIds: [...pool].sort() });
      expect(list.candidatesSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await draws.latestListHashes(m, drawId)).toEqual([{ specialty, candidatesSha256: list.candidatesSha256 }]);
      expect(await draws.nextRound(m, drawId)).toBe(0);
    });
  });

  /** Runs `work` in a transaction that is then rolled back: each test leaves the draw as committed. */
  const rolledBack = async (work: (m: EntityManager) => Promise<void>): Promise<void> => {
    const ROLLBACK = new Error('rollback');
    await t.dataSource
      .transaction(async (m) => {
        await work(m);
        throw ROLLBACK;
      })
      .catch((e) => {
        if (e !== ROLLBACK) throw e;
      });
  };

  it('a disabled or unavailable candidate is ineligible now, with who and why; the others are not listed', async () => {
    await rolledBack(async (m) => {
      await experts.disable(m, pool[0], 'penalised', 'ADMIN:someone');
      await experts.setUnavailableUntil(m, pool[1], 'infinity');
      const bad = await lists.currentlyIneligible(m, pool, tenderId, []);
      expect(bad.get(pool[0])).toEqual({ reason: 'DISABLED', by: 'ADMIN:someone', note: 'penalised' });
      expect(bad.get(pool[1])).toMatchObject({ reason: 'UNAVAILABLE' });
      expect(bad.has(pool[2]) || bad.has(pool[3])).toBe(false);
      expect((await experts.availableNow(m, [pool[1], pool[2]])).get(pool[1])).toBe(false);
    });
  });

  it('invites seats (names from the profiles), lists them as assignments, then releases the open ones in one statement', async () => {
    await rolledBack(async (m) => {
      const seats = await draws.insertInvitations(m, {
        drawId,
        tenderId,
        procuringEntityId: (await draws.loadForDraw(m, drawId))!.draw.procuringEntityId,
        round: 0,
        acceptMinutes: 30,
        seats: [
          { expertId: pool[2], specialty },
          { expertId: pool[3], specialty },
        ],
      });
      expect(seats.map((s) => s.expertId)).toEqual([pool[2], pool[3]]);
      expect(seats.every((s) => s.userId && s.respondBy.getTime() > Date.now())).toBe(true);
      const mine = await draws.assignmentsOf(m, seats[0].userId!);
      expect(mine).toEqual([expect.objectContaining({ id: seats[0].id, tenderId, status: 'INVITED', specialty })]);
      expect(mine[0].tenderTitle).toBeTruthy();
      await draws.markAccepted(m, seats[0].id);
      expect((await draws.completeSitting(m, tenderId)).sort()).toEqual([seats[0].id]);
      expect(await draws.reopenCompleted(m, tenderId)).toEqual([seats[0].id]);
      expect((await draws.releaseOpenSeats(m, drawId)).sort()).toEqual([seats[0].id, seats[1].id].sort());
      expect(await draws.releaseOpenSeats(m, drawId)).toEqual([]);
    });
  });

  it('alerts: inserted, listed within a tender condition, resolved', async () => {
    await rolledBack(async (m) => {
      await draws.insertAlert(m, { tenderId, drawId, kind: 'INSUFFICIENT_EXPERTS', details: { round: 0 } });
      const open = await draws.alerts(m, true, (a, p) => `${a}.id = ${p(tenderId)}`);
      expect(open).toEqual([expect.objectContaining({ tenderId, drawId, kind: 'INSUFFICIENT_EXPERTS', details: { round: 0 }, resolvedAt: null })]);
      await draws.resolveDrawAlerts(m, drawId);
      expect(await draws.alerts(m, true, (a, p) => `${a}.id = ${p(tenderId)}`)).toEqual([]);
      expect(await draws.alerts(m, false, (a, p) => `${a}.id = ${p(tenderId)}`)).toHaveLength(1);
    });
  });
});
