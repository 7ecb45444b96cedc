import { Role } from 'src/common/auth/role.enum';
import { candidatesSha256, seedCommitment, verifyAnyDrawRecord as verifyDrawRecord } from 'src/modules/experts/draw/expert-draw.algorithm';
import { adminParty, createStaff, randomUscc, registerParty, type TestParty } from './factories/identity.factory';
import { createExpert, drawn, drawSeed, fireNow, insertExperts, membersOf, roundOf, type TestExpert, tenderInEvaluation } from './factories/evaluation.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('expert pool, verifiable draw, recusal and assignments (integration)', () => {
  let t: TestApp;
  let admin: TestParty;
  let supervisor: TestParty;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', EXPERT_RECENT_SERVICE_DAYS: '90' } });
    admin = await adminParty(t);
    supervisor = await createStaff(t, Role.SUPERVISOR);
  });
  afterAll(() => t.close());

  const count = async (table: string) => Number((await t.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  /** Every expert outside this test's specialty leaves the pool, so each test draws from a pool it controls. */
  const specialty = () => `S${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e4)}`;

  describe('the pool (POST /experts, API.md "Expert pool")', () => {
    const body = async (over: Record<string, unknown> = {}) => {
      const user = await createStaff(t, Role.EXPERT);
      return {
        userId: user.userId,
        name: '王建国',
        specialties: ['A08'],
        region: '江苏省盐城市',
        employerUscc: randomUscc(),
        title: '高级工程师',
        yearsOfExperience: 8,
        conflicts: [{ uscc: randomUscc(), reason: '配偶任该公司项目经理' }],
        ...over,
      };
    };

    it.each([
      [7, 400],
      [8, 201],
      [9, 201],
    ])('%i years in the field → %i (TBL Art. 37; PB12 Art. 11: at least 8)', async (years, status) => {
      const before = await count('experts');
      const res = await t
        .http()
        .post('/api/v1/experts')
        .set(admin.auth)
        .send(await body({ yearsOfExperience: years }));
      expect(res.status).toBe(status);
      if (status === 400) {
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(JSON.stringify(res.body.details)).toMatch(/TBL Art\. 37/);
        expect(await count('experts')).toBe(before);
      }
    });

    it('refuses a title below senior without an equivalence note, accepts one with it (TBL Art. 37)', async () => {
      const bad = await t
        .http()
        .post('/api/v1/experts')
        .set(admin.auth)
        .send(await body({ title: '工程师' }))
        .expect(400);
      expect(bad.body.details[0]).toMatchObject({ field: 'title' });
      await t
        .http()
        .post('/api/v1/experts')
        .set(admin.auth)
        .send(await body({ title: '工程师', titleEquivalenceNote: '省级技术能手，经专家库管理机构评定具有同等专业水平' }))
        .expect(201);
      await t
        .http()
        .post('/api/v1/experts')
        .set(admin.auth)
        .send(await body({ title: '正高级经济师' }))
        .expect(201);
    });

    it.each<[string, Record<string, unknown> | ((b: Record<string, unknown>) => Record<string, unknown>)]>([
      ['a bad employer USCC', { employerUscc: '91320900MA1MXXXXX0' }],
      ['an unknown field', { salary: 1 }],
      ['no specialty', { specialties: [] }],
      ['a duplicate specialty', { specialties: ['A08', 'A08'] }],
      ['a conflict without reason', { conflicts: [{ uscc: randomUscc() }] }],
      ['a user who is not an EXPERT', {}],
    ])('400 VALIDATION_FAILED, nothing stored: %s', async (name, over) => {
      const b = await body(typeof over === 'function' ? over({}) : over);
      if (name === 'a user who is not an EXPERT') b.userId = supervisor.userId;
      const before = [await count('experts'), await count('expert_conflicts')];
      const res = await t.http().post('/api/v1/experts').set(admin.auth).send(b).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect([await count('experts'), await count('expert_conflicts')]).toEqual(before);
    });

    it('links one profile per user (409), lists to ADMIN and SUPERVISOR only, audits the read', async () => {
      const b = await body();
      await t.http().post('/api/v1/experts').set(admin.auth).send(b).expect(201);
      expect((await t.http().post('/api/v1/experts').set(admin.auth).send(b).expect(409)).body.code).toBe('CONFLICT');
      const list = await t.http().get('/api/v1/experts').query({ specialty: 'A08', pageSize: 200 }).set(supervisor.auth).expect(200);
      expect(list.body.items.find((e: { userId: string }) => e.userId === b.userId)).toMatchObject({ status: 'ACTIVE', conflicts: [{ reason: '配偶任该公司项目经理' }] });
      const bidder = await registerParty(t);
      await t.http().get('/api/v1/experts').set(bidder.auth).expect(403);
      const expert = await createStaff(t, Role.EXPERT);
      await t.http().get('/api/v1/experts').set(expert.auth).expect(403);
      const audit = await t.dataSource.query(`SELECT actor_id FROM audit_events WHERE action = 'EXPERT_POOL_READ' ORDER BY id DESC LIMIT 1`);
      expect(audit[0].actor_id).toBe(supervisor.userId);
    });
  });

  describe('profiles and declarations', () => {
    it('an administrator corrects a profile (the draw follows the new specialties); conflicts are withdrawn, never deleted', async () => {
      const code = specialty();
      const e = await createExpert(t, { conflicts: [{ uscc: randomUscc(), reason: '曾任职' }] });
      const patched = await t
        .http()
        .patch(`/api/v1/experts/${e.expertId}`)
        .set(admin.auth)
        .send({ specialties: [code], yearsOfExperience: 20 })
        .expect(200);
      expect(patched.body).toMatchObject({ specialties: [code], yearsOfExperience: 20 });
      await t.http().patch(`/api/v1/experts/${e.expertId}`).set(admin.auth).send({ yearsOfExperience: 5 }).expect(400);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM expert_specialties WHERE expert_id = $1 AND specialty = $2`, [e.expertId, code]);
      expect(n).toBe(1);
      const conflictId = patched.body.conflicts[0].id;
      const after = await t.http().delete(`/api/v1/experts/${e.expertId}/conflicts/${conflictId}`).set(admin.auth).expect(200);
      expect(after.body.conflicts).toEqual([]);
      await t.http().delete(`/api/v1/experts/${e.expertId}/conflicts/${conflictId}`).set(admin.auth).expect(404);
      const [{ withdrawn_at }] = await t.dataSource.query(`SELECT withdrawn_at FROM expert_conflicts WHERE id = $1`, [conflictId]);
      expect(withdrawn_at).not.toBeNull();
    });

    it('an expert declares its own conflicts and availability; an unavailability must end in the future', async () => {
      const e = await createExpert(t);
      const uscc = randomUscc();
      await t.http().post('/api/v1/expert/conflicts').set(e.auth).send({ uscc, reason: '配偶任该单位财务负责人' }).expect(200);
      await t.http().post('/api/v1/expert/conflicts').set(e.auth).send({ uscc, reason: '重复申报' }).expect(200); // idempotent
      const mine = await t.http().get('/api/v1/expert/profile').set(e.auth).expect(200);
      expect(mine.body.conflicts).toEqual([expect.objectContaining({ uscc, declaredBy: 'EXPERT' })]);
      await t
        .http()
        .put('/api/v1/expert/availability')
        .set(e.auth)
        .send({ available: false, until: new Date(Date.now() - 1000).toISOString() })
        .expect(400);
      const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const away = await t.http().put('/api/v1/expert/availability').set(e.auth).send({ available: false, until }).expect(200);
      expect(away.body).toMatchObject({ available: false, unavailableUntil: until });
      const back = await t.http().put('/api/v1/expert/availability').set(e.auth).send({ available: true }).expect(200);
      expect(back.body).toMatchObject({ available: true, unavailableUntil: null });
      await t.http().get('/api/v1/expert/profile').set(supervisor.auth).expect(403);
    });
  });

  describe('the draw', () => {
    it('excludes every conflict kind, records the ordered candidate list, and the seed reproduces the panel', async () => {
      const code = specialty();
      const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
      const bidders = await Promise.all([0, 1, 2].map(() => registerParty(t)));
      const mk = (o: Parameters<typeof createExpert>[1] = {}) => createExpert(t, { specialties: [code], ...o });
      const employedByEntity = await mk({ employerUscc: owner.uscc });
      const employedByBidder = await mk({ employerUscc: bidders[1].uscc });
      const relatedToEntity = await mk({ conflicts: [{ uscc: owner.uscc!, reason: '近亲属在招标人处任职' }] });
      const relatedToBidder = await mk({ conflicts: [{ uscc: bidders[2].uscc!, reason: '持有该投标人股份' }] });
      const servedRecently = await mk();
      const servedLongAgo = await mk();
      const busyElsewhere = await mk();
      const disabled = await mk();
      const unavailable = await mk();
      const clean = await Promise.all([0, 1, 2, 3, 4].map(() => mk()));
      await mk({ specialties: ['OTHER1'] }); // another specialty: never a candidate

      // Recent service for the same procuring entity (within EXPERT_RECENT_SERVICE_DAYS = 90), and long ago.
      const past = await tenderInEvaluation(t, { owner, specialties: [{ code: 'UNUSED0', count: 5 }] });
      await drawn(t, past.id); // no experts of UNUSED0: nobody selected
      const [pastDraw] = await t.dataSource.query(`SELECT id FROM expert_draws WHERE tender_id = $1`, [past.id]);
      const seat = (e: TestExpert, status: string, daysAgo: number, tenderId: string, drawId: string, pe: string) =>
        t.dataSource.query(
          `INSERT INTO panel_members (draw_id, tender_id, procuring_entity_id, kind, expert_id, user_id, name, specialty, status, responded_at)
           VALUES ($1, $2, $3, 'EXPERT', $4, $5, 'x', $6, $7, clock_timestamp() - make_interval(days => $8))`,
          [drawId, tenderId, pe, e.expertId, e.userId, code, status, daysAgo],
        );
      await seat(servedRecently, 'COMPLETED', 89, past.id, pastDraw.id, owner.organizationId!);
      await seat(servedLongAgo, 'COMPLETED', 91, past.id, pastDraw.id, owner.organizationId!);
      // An open seat on another (unrelated) panel: overlapping.
      const other = await tenderInEvaluation(t, { specialties: [{ code: 'UNUSED1', count: 5 }] });
      await drawn(t, other.id);
      const [otherDraw] = await t.dataSource.query(`SELECT id, procuring_entity_id FROM expert_draws WHERE tender_id = $1`, [other.id]);
      await seat(busyElsewhere, 'INVITED', 0, other.id, otherDraw.id, otherDraw.procuring_entity_id);
      await t.http().post(`/api/v1/experts/${disabled.expertId}/disable`).set(admin.auth).send({ reason: '违规被取消资格' }).expect(200);
      await t.http().put('/api/v1/expert/availability').set(unavailable.auth).send({ available: false }).expect(200);

      const tender = await tenderInEvaluation(t, { owner, bidders, prices: ['36500000.00', '37200000.00', '37900000.00'], specialties: [{ code, count: 5 }] });
      const draw = await drawn(t, tender.id);
      expect(draw.status).toBe('DRAWN');

      const [round] = await t.dataSource.query(`SELECT * FROM expert_draw_rounds WHERE draw_id = $1`, [draw.id]);
      const eligible = [...clean, servedLongAgo].map((e) => e.expertId).sort();
      expect(round.candidate_ids).toEqual(eligible);
      expect(round.candidates_sha256).toBe(candidatesSha256(eligible));
      const reasons = Object.fromEntries(round.excluded.map((x: { expertId: string; reasons: string[] }) => [x.expertId, x.reasons]));
      expect(reasons).toEqual({
        [employedByEntity.expertId]: ['EMPLOYER_IS_PROCURING_ENTITY'],
        [employedByBidder.expertId]: ['EMPLOYER_IS_BIDDER'],
        [relatedToEntity.expertId]: ['DECLARED_CONFLICT_PROCURING_ENTITY'],
        [relatedToBidder.expertId]: ['DECLARED_CONFLICT_BIDDER'],
        [servedRecently.expertId]: ['RECENT_SERVICE_SAME_PROCURING_ENTITY'],
        [busyElsewhere.expertId]: ['OVERLAPPING_PANEL'],
        [unavailable.expertId]: ['UNAVAILABLE'],
      });
      expect(round.selected_ids).toHaveLength(5);
      round.selected_ids.forEach((id: string) => expect(eligible).toContain(id));

      // The seed: committed (audited) before the selection, and it reproduces the selection from the recorded list.
      const [{ seed_hex: stored, seed_commitment }] = await t.dataSource.query(`SELECT seed_hex, seed_commitment FROM expert_draws WHERE id = $1`, [draw.id]);
      expect(stored).toBeNull(); // not in the database before the award: escrowed with the custodians (issue 17)
      const seed_hex = await drawSeed(t, { drawId: draw.id });
      expect(seedCommitment(seed_hex)).toBe(seed_commitment);
      const actions = await t.dataSource.query(`SELECT action, data FROM audit_events WHERE tender_id = $1 AND action LIKE 'EXPERT_DRAW_%' ORDER BY id`, [tender.id]);
      expect(actions.map((a: { action: string }) => a.action)).toEqual(['EXPERT_DRAW_COMMITTED', 'EXPERT_DRAW_SELECTED']);
      expect(actions[0].data.seedCommitment).toBe(seed_commitment);
      expect(JSON.stringify(actions)).not.toContain(seed_hex); // the seed stays secret until the award

      const record = (await t.http().get(`/api/v1/tenders/${tender.id}/panel/draw-record`).set(supervisor.auth).expect(200)).body;
      expect(record).toMatchObject({ seed: null, candidatesDisclosed: true, rounds: [{ candidates: eligible, selected: round.selected_ids }] });
      expect(verifyDrawRecord({ ...record, seed: seed_hex })).toEqual({ valid: true, problems: [] });
    });

    it('too few eligible experts: no panel, a clear alert the supervisor sees; a redraw once the pool has grown', async () => {
      const code = specialty();
      await insertExperts(t, 3, code);
      const tender = await tenderInEvaluation(t, { specialties: [{ code, count: 5 }] });
      expect((await drawn(t, tender.id)).status).toBe('INSUFFICIENT_EXPERTS');
      expect(await membersOf(t, tender.id)).toEqual([]);
      const alerts = await t.http().get('/api/v1/experts/draw-alerts').set(supervisor.auth).expect(200);
      expect(alerts.body.find((a: { tenderId: string }) => a.tenderId === tender.id)).toMatchObject({
        kind: 'INSUFFICIENT_EXPERTS',
        details: { shortages: [{ specialty: code, seats: 5, candidates: 3 }] },
      });
      const still = await t.http().post(`/api/v1/tenders/${tender.id}/panel/redraw`).set(supervisor.auth).send({}).expect(409);
      expect(still.body).toMatchObject({ code: 'INSUFFICIENT_EXPERTS', details: [{ specialty: code, candidates: 3 }] });
      await insertExperts(t, 2, code);
      const panel = await t.http().post(`/api/v1/tenders/${tender.id}/panel/redraw`).set(supervisor.auth).send({}).expect(200);
      expect(panel.body.members).toHaveLength(5);
      expect(panel.body.status).toBe('DRAWN');
      const open = await t.http().get('/api/v1/experts/draw-alerts').set(supervisor.auth).expect(200);
      expect(open.body.find((a: { tenderId: string }) => a.tenderId === tender.id)).toBeUndefined();
    });

    it('refuses a committee with fewer than 2/3 experts (TBL Art. 37) and tells the supervisor', async () => {
      const code = specialty();
      await insertExperts(t, 6, code);
      const tender = await tenderInEvaluation(t, { panelSize: 5, specialties: [{ code, count: 3 }] });
      expect((await drawn(t, tender.id)).status).toBe('INVALID_COMPOSITION');
      const [alert] = await t.dataSource.query(`SELECT kind, details FROM expert_draw_alerts WHERE tender_id = $1`, [tender.id]);
      expect(alert.kind).toBe('INVALID_COMPOSITION');
      expect(JSON.stringify(alert.details)).toMatch(/two thirds.*TBL Art\. 37/);
    });

    it('an expert with two specialties is drawn at most once', async () => {
      const a = specialty();
      const b = `${a}B`;
      const both = await insertExperts(t, 4, a);
      await t.dataSource.query(`UPDATE experts SET specialties = ARRAY[$1, $2] WHERE id = ANY($3::uuid[])`, [a, b, both]);
      await insertExperts(t, 3, a);
      await insertExperts(t, 3, b);
      const tender = await tenderInEvaluation(t, {
        panelSize: 5,
        specialties: [
          { code: a, count: 3 },
          { code: b, count: 2 },
        ],
      });
      expect((await drawn(t, tender.id)).status).toBe('DRAWN');
      const members = await membersOf(t, tender.id);
      expect(new Set(members.map((x) => x.expert_id)).size).toBe(5);
      const rounds = await t.dataSource.query(
        `SELECT specialty, candidate_ids, selected_ids FROM expert_draw_rounds WHERE draw_id = (SELECT id FROM expert_draws WHERE tender_id = $1) ORDER BY specialty`,
        [tender.id],
      );
      const first = rounds.find((r: { specialty: string }) => r.specialty === a);
      const second = rounds.find((r: { specialty: string }) => r.specialty === b);
      // The second list is recorded as computed; its draw leaves out the experts already selected for the first.
      first.selected_ids.forEach((id: string) => expect(second.selected_ids).not.toContain(id));
      const record = (await t.http().get(`/api/v1/tenders/${tender.id}/panel/draw-record`).set(supervisor.auth).expect(200)).body;
      const seed_hex = await drawSeed(t, { tenderId: tender.id });
      expect(record.rounds.map((r: { specialty: string }) => r.specialty)).toEqual([a, b]);
      expect(verifyDrawRecord({ ...record, seed: seed_hex })).toEqual({ valid: true, problems: [] });
    });
  });

  describe('assignments and replacements (TBR Art. 48)', () => {
    let code: string;
    let experts: TestExpert[];
    let tenderId: string;
    const seats = async () => membersOf(t, tenderId);
    const expertOf = (userId: string) => experts.find((e) => e.userId === userId)!;

    beforeAll(async () => {
      code = specialty();
      experts = await Promise.all(Array.from({ length: 9 }, () => createExpert(t, { specialties: [code] })));
      const tender = await tenderInEvaluation(t, { specialties: [{ code, count: 5 }] });
      tenderId = tender.id;
      expect((await drawn(t, tenderId)).status).toBe('DRAWN');
    });

    it('an expert sees its assignment and accepts it, once (idempotent)', async () => {
      const [seat] = await seats();
      const e = expertOf(seat.user_id);
      const list = await t.http().get('/api/v1/expert/assignments').set(e.auth).expect(200);
      expect(list.body.find((a: { id: string }) => a.id === seat.id)).toMatchObject({ tenderId, status: 'INVITED', respondBy: expect.any(String) });
      const first = await t.http().post(`/api/v1/expert/assignments/${seat.id}/accept`).set(e.auth).expect(200);
      const again = await t.http().post(`/api/v1/expert/assignments/${seat.id}/accept`).set(e.auth).expect(200);
      expect(first.body.status).toBe('ACCEPTED');
      expect(again.body).toEqual(first.body);
      // someone else's assignment does not exist for me
      const other = experts.find((x) => x.userId !== e.userId)!;
      await t.http().post(`/api/v1/expert/assignments/${seat.id}/accept`).set(other.auth).expect(404);
    });

    it('a decline draws a replacement the same way, recorded as a new round', async () => {
      const before = await seats();
      const seat = before.find((s) => s.status === 'INVITED')!;
      const e = expertOf(seat.user_id);
      const res = await t.http().post(`/api/v1/expert/assignments/${seat.id}/decline`).set(e.auth).send({ reason: '出差' }).expect(200);
      expect(res.body).toMatchObject({ status: 'DECLINED', replacement: 'DRAWN' });
      const again = await t.http().post(`/api/v1/expert/assignments/${seat.id}/decline`).set(e.auth).send({}).expect(200);
      expect(again.body.replacement).toBeNull(); // no second replacement
      const after = await seats();
      expect(after).toHaveLength(before.length + 1);
      const fresh = after.find((s) => !before.some((b) => b.id === s.id))!;
      expect(fresh).toMatchObject({ status: 'INVITED', round: 1, specialty: code });
      const [r1] = await t.dataSource.query(`SELECT * FROM expert_draw_rounds WHERE round = 1 AND draw_id = (SELECT id FROM expert_draws WHERE tender_id = $1)`, [tenderId]);
      expect(r1).toMatchObject({ reason: 'REPLACEMENT', replaces_member_id: seat.id, selected_ids: [fresh.expert_id] });
      // expert-draw-v2: the replacement comes from the list frozen at the commitment (not the live pool), and it is
      // none of the experts selected before
      const [r0] = await t.dataSource.query(`SELECT * FROM expert_draw_rounds WHERE round = 0 AND draw_id = (SELECT id FROM expert_draws WHERE tender_id = $1)`, [tenderId]);
      expect(r1.candidate_ids).toEqual(r0.candidate_ids);
      before.forEach((s) => expect(r1.selected_ids).not.toContain(s.expert_id));
      const [old] = await t.dataSource.query(`SELECT replaced_by FROM panel_members WHERE id = $1`, [seat.id]);
      expect(old.replaced_by).toBe(fresh.id);
    });

    it('no answer in time: TIMED_OUT and a replacement (the EXPERT_ACCEPT_TIMEOUT event; firing twice changes nothing twice)', async () => {
      const before = await seats();
      const seat = before.find((s) => s.status === 'INVITED')!;
      const round = await roundOf(t, seat.id);
      const sameList = before.filter((s) => s.status === 'INVITED' && s.round === seat.round);
      await t.dataSource.query(`UPDATE panel_members SET respond_by = clock_timestamp() - interval '1 second' WHERE id = $1`, [seat.id]);
      await fireNow(t, 'EXPERT_ACCEPT_TIMEOUT', round);
      const after = await seats();
      expect(after.find((s) => s.id === seat.id)!.status).toBe('TIMED_OUT');
      // the seats of the same list still within their time are left alone
      for (const s of sameList.filter((x) => x.id !== seat.id)) expect(after.find((x) => x.id === s.id)!.status).toBe('INVITED');
      expect(after).toHaveLength(before.length + 1);
      const n = after.length;
      await t.dataSource.query(`UPDATE scheduled_events SET status = 'PENDING' WHERE kind = 'EXPERT_ACCEPT_TIMEOUT' AND subject_id = $1`, [round]);
      await fireNow(t, 'EXPERT_ACCEPT_TIMEOUT', round);
      expect(await seats()).toHaveLength(n);
      const e = expertOf(seat.user_id);
      expect((await t.http().post(`/api/v1/expert/assignments/${seat.id}/accept`).set(e.auth).expect(409)).body.code).toBe('ASSIGNMENT_CLOSED');
    });

    it('accepting after the deadline is refused (ASSIGNMENT_EXPIRED)', async () => {
      const seat = (await seats()).find((s) => s.status === 'INVITED')!;
      await t.dataSource.query(`UPDATE panel_members SET respond_by = clock_timestamp() - interval '1 second' WHERE id = $1`, [seat.id]);
      const res = await t.http().post(`/api/v1/expert/assignments/${seat.id}/accept`).set(expertOf(seat.user_id).auth).expect(409);
      expect(res.body.code).toBe('ASSIGNMENT_EXPIRED');
      await t.dataSource.query(`UPDATE panel_members SET respond_by = clock_timestamp() + interval '1 hour' WHERE id = $1`, [seat.id]);
    });

    it('a disabled (penalised) expert loses its seat to a replacement', async () => {
      const seat = (await seats()).find((s) => s.status === 'ACCEPTED')!;
      const n = (await seats()).length;
      const res = await t.http().post(`/api/v1/experts/${seat.expert_id}/disable`).set(admin.auth).send({ reason: '私下接触投标人' }).expect(200);
      expect(res.body).toMatchObject({ status: 'DISABLED', disabledReason: '私下接触投标人' });
      const after = await seats();
      expect(after.find((s) => s.id === seat.id)!.status).toBe('REPLACED');
      expect(after).toHaveLength(n + 1);
      await t.http().post(`/api/v1/experts/${seat.expert_id}/disable`).set(admin.auth).send({ reason: '私下接触投标人' }).expect(200); // idempotent
      expect(await seats()).toHaveLength(n + 1);
    });

    it('a conflict declared while seated vacates the seat (TBR Art. 46)', async () => {
      const seat = (await seats()).find((s) => s.status === 'INVITED')!;
      const e = expertOf(seat.user_id);
      const [{ conflict_usccs }] = await t.dataSource.query(`SELECT conflict_usccs FROM expert_draws WHERE tender_id = $1`, [tenderId]);
      await t.http().post('/api/v1/expert/conflicts').set(e.auth).send({ uscc: conflict_usccs.bidders[0], reason: '其配偶为该投标人股东' }).expect(200);
      expect((await seats()).find((s) => s.id === seat.id)!.status).toBe('REPLACED');
    });

    it('every round of the draw still verifies against the seed', async () => {
      const record = (await t.http().get(`/api/v1/tenders/${tenderId}/panel/draw-record`).set(supervisor.auth).expect(200)).body;
      expect(record.rounds.length).toBeGreaterThanOrEqual(4);
      const seed_hex = await drawSeed(t, { tenderId });
      expect(verifyDrawRecord({ ...record, seed: seed_hex })).toEqual({ valid: true, problems: [] });
    });
  });

  describe('secrecy: the panel before the award (TBL Art. 37; PB12 Art. 8)', () => {
    it('only supervisors and the sitting experts see it; everyone else gets 403 PANEL_CONFIDENTIAL', async () => {
      const code = specialty();
      const experts = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
      const tender = await tenderInEvaluation(t, { specialties: [{ code, count: 5 }] });
      await drawn(t, tender.id);
      const seats = await membersOf(t, tender.id);
      const sitting = experts.find((e) => e.userId === seats[0].user_id)!;
      const invited = experts.find((e) => e.userId === seats[1].user_id)!;
      const outsider = experts.find((e) => !seats.some((s) => s.user_id === e.userId))!;
      await t.http().post(`/api/v1/expert/assignments/${seats[0].id}/accept`).set(sitting.auth).expect(200);

      const panel = (who?: TestParty) => {
        const r = t.http().get(`/api/v1/tenders/${tender.id}/panel`);
        return who ? r.set(who.auth) : r;
      };
      for (const who of [undefined, tender.owner, tender.bidders[0], outsider, invited, admin]) {
        const res = await panel(who).expect(403);
        expect(res.body.code).toBe('PANEL_CONFIDENTIAL');
        expect(JSON.stringify(res.body)).not.toContain(seats[0].expert_id);
      }
      for (const who of [supervisor, sitting]) {
        const res = await panel(who).expect(200);
        expect(res.body).toMatchObject({ drawId: expect.any(String), seedCommitment: expect.stringMatching(/^[0-9a-f]{64}$/), members: expect.any(Array) });
        expect(res.body.seed).toBeUndefined();
        expect(res.body.members.map((m: { expertId: string }) => m.expertId)).toEqual(seats.map((s) => s.expert_id));
      }
      const reads = await t.dataSource.query(`SELECT actor_id FROM audit_events WHERE tender_id = $1 AND action = 'PANEL_READ'`, [tender.id]);
      expect(reads.map((r: { actor_id: string }) => r.actor_id).sort()).toEqual([supervisor.userId, sitting.userId].sort());
      // the draw record: candidate lists only for a supervisor before the award
      const rec = await t.http().get(`/api/v1/tenders/${tender.id}/panel/draw-record`).set(sitting.auth).expect(200);
      expect(rec.body).toMatchObject({ seed: null, candidatesDisclosed: false, rounds: [{ candidates: [] }] });
      expect(rec.body.excluded).toBeUndefined();
      await t.http().get(`/api/v1/tenders/${tender.id}/panel/draw-record`).set(tender.owner.auth).expect(403);
    });
  });
});
