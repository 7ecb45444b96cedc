import { Role } from 'src/common/auth/role.enum';
import { verifyDrawJson } from 'src/modules/experts/cli/verify-draw';
import { beaconSha256, candidatesSha256, drawKeyV2, type DrawRecordV2, seedCommitment, verifyAnyDrawRecord, walkOrder } from 'src/modules/experts/draw/expert-draw.algorithm';
import { adminParty, createStaff, type TestParty } from './factories/identity.factory';
import { createExpert, drawn, drawSeed, membersOf, type TestExpert, tenderInEvaluation } from './factories/evaluation.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * Issue 17, "an unsteerable draw" (docs/SECURITY.md, "The expert draw"): the replacement of a drawn expert is fixed
 * by the seed, the beacon and the frozen list committed before the draw — disabling experts cannot choose it; the
 * whole sequence recomputes from the published record; every pool change during the evaluation is shown to the
 * supervisor with who made it.
 */
describe('the unsteerable expert draw (expert-draw-v2, integration)', () => {
  let t: TestApp;
  let admin: TestParty;
  let otherAdmin: TestParty;
  let supervisor: TestParty;
  let code: string;
  let experts: TestExpert[];
  let tenderId: string;
  let draw: { id: string; seed_hex: string; seed_commitment: string; beacon: DrawRecordV2['beacon']; beacon_sha256: string };
  let frozen: string[];
  let key: Buffer;
  let storedSeed: string | null;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    admin = await adminParty(t);
    otherAdmin = await createStaff(t, Role.ADMIN);
    supervisor = await createStaff(t, Role.SUPERVISOR);
    code = `U${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e4)}`;
    experts = [];
    for (let i = 0; i < 14; i++) experts.push(await createExpert(t, { specialties: [code] }));
    const tender = await tenderInEvaluation(t, { specialties: [{ code, count: 5 }], openingHead: true });
    tenderId = tender.id;
    expect((await drawn(t, tenderId)).status).toBe('DRAWN');
    [draw] = await t.dataSource.query(`SELECT id, seed_hex, seed_commitment, beacon, beacon_sha256 FROM expert_draws WHERE tender_id = $1`, [tenderId]);
    storedSeed = draw.seed_hex;
    draw.seed_hex = await drawSeed(t, { drawId: draw.id }); // from the custodians, as each round gets it
    const [list] = await t.dataSource.query(`SELECT candidate_ids, candidates_sha256 FROM expert_draw_lists WHERE draw_id = $1 AND generation = 0`, [draw.id]);
    frozen = list.candidate_ids;
    key = drawKeyV2(draw.seed_hex, draw.id, draw.beacon_sha256);
  });
  afterAll(() => t.close());

  const seated = async () => (await membersOf(t, tenderId)).map((x) => x.expert_id);
  /** Who the committed order gives next, before anything is done: from the frozen list only. */
  const nextInLine = (taken: string[], skipped: string[] = []) => walkOrder(key, code, frozen, 1, new Set(taken), (id) => skipped.includes(id)).selected[0];

  it('commits the seed, the beacon (the signed opening audit head) and the frozen list before the selection', async () => {
    expect(frozen).toHaveLength(14);
    expect(draw.beacon).not.toBeNull();
    expect(draw.beacon_sha256).toBe(beaconSha256(draw.beacon));
    expect(seedCommitment(draw.seed_hex)).toBe(draw.seed_commitment);
    // The seed is not in the database before the award (a DBA cannot foresee the order): only its commitment, and
    // its shares are with the custodians (the platform's one sealed; one share rebuilds nothing).
    expect(storedSeed).toBeNull();
    const shares = await t.dataSource.query(`SELECT custodian FROM escrow_custody_shares WHERE tender_id = $1 AND secret_id = $2`, [tenderId, `draw-seed-${draw.id}`]);
    expect(shares).toEqual([{ custodian: 'platform' }]);
    const dump =
      JSON.stringify(await t.dataSource.query(`SELECT * FROM expert_draws WHERE id = $1`, [draw.id])) +
      JSON.stringify(await t.dataSource.query(`SELECT * FROM escrow_custody_shares WHERE tender_id = $1`, [tenderId]));
    expect(dump).not.toContain(draw.seed_hex);
    // Every time the platform needs the seed, the custodians' releases are audited with their signatures.
    const releases = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARE_RELEASED' AND data->>'secretId' = $2`, [
      tenderId,
      `draw-seed-${draw.id}`,
    ]);
    expect(releases.length).toBeGreaterThanOrEqual(2);
    expect(releases[0].data.signature).toEqual(expect.any(String));
    const audit = await t.dataSource.query(`SELECT action, data FROM audit_events WHERE tender_id = $1 AND action LIKE 'EXPERT_DRAW_%' ORDER BY id`, [tenderId]);
    expect(audit.map((a: { action: string }) => a.action)).toEqual(['EXPERT_DRAW_COMMITTED', 'EXPERT_DRAW_SELECTED']);
    expect(audit[0].data).toMatchObject({
      algorithm: 'expert-draw-v2',
      seedCommitment: draw.seed_commitment,
      beaconSha256: draw.beacon_sha256,
      lists: [{ specialty: code, count: 14, candidatesSha256: candidatesSha256(frozen) }],
    });
    expect(JSON.stringify(audit)).not.toContain(draw.seed_hex);
    // the initial seats are the first five of the committed order
    expect(await seated()).toEqual(walkOrder(key, code, frozen, 5, new Set(), () => false).selected);
    // the frozen list cannot be rewritten in place
    await expect(t.dataSource.query(`UPDATE expert_draw_lists SET candidate_ids = '{}' WHERE draw_id = $1`, [draw.id])).rejects.toThrow(/append-only/);
  });

  it('disabling drawn experts does not change who the replacement is: each is the next in the committed order', async () => {
    for (let i = 0; i < 3; i++) {
      const before = await seated();
      const expected = nextInLine(before); // computed before anyone is disabled
      const current = (await membersOf(t, tenderId)).filter((x) => x.status === 'INVITED' || x.status === 'ACCEPTED');
      const target = current[current.length - 1].expert_id; // the most recently drawn seat: the "re-roll" attack
      await t.http().post(`/api/v1/experts/${target}/disable`).set(admin.auth).send({ reason: '测试：重新抽取' }).expect(200);
      const after = await membersOf(t, tenderId);
      expect(after).toHaveLength(before.length + 1);
      expect(after[after.length - 1]).toMatchObject({ expert_id: expected, status: 'INVITED', specialty: code });
    }
  });

  it('a candidate next in line may only be passed over for a recorded reason, naming who; a new expert never enters the list', async () => {
    const before = await seated();
    const next = nextInLine(before);
    const afterNext = nextInLine(before, [next]);
    // the administrator disables the one next in line (not seated), and registers a fresh expert of the specialty
    await t.http().post(`/api/v1/experts/${next}/disable`).set(otherAdmin.auth).send({ reason: '资格复核' }).expect(200);
    const newcomer = await createExpert(t, { specialties: [code] });
    const seat = (await membersOf(t, tenderId)).find((x) => x.status === 'INVITED')!;
    await t.http().post(`/api/v1/experts/${seat.expert_id}/disable`).set(admin.auth).send({ reason: '私下接触投标人' }).expect(200);
    const after = await membersOf(t, tenderId);
    expect(after[after.length - 1].expert_id).toBe(afterNext);
    expect(after.map((x) => x.expert_id)).not.toContain(newcomer.expertId);
    const [round] = await t.dataSource.query(`SELECT candidate_ids, skipped FROM expert_draw_rounds WHERE draw_id = $1 ORDER BY round DESC LIMIT 1`, [draw.id]);
    expect(round.candidate_ids).toEqual(frozen);
    expect(round.skipped).toEqual([{ expertId: next, reason: 'DISABLED', by: `ADMIN:${otherAdmin.userId}`, note: '资格复核' }]);
  });

  it('the replacement sequence recomputes from the published record (library and CLI); a tampered record does not', async () => {
    const record = (await t.http().get(`/api/v1/tenders/${tenderId}/panel/draw-record`).set(supervisor.auth).expect(200)).body;
    expect(record).toMatchObject({ algorithm: 'expert-draw-v2', seed: null, beaconSha256: draw.beacon_sha256 });
    expect(record.rounds.length).toBeGreaterThanOrEqual(5);
    const published = { ...record, seed: draw.seed_hex }; // as after the award (EXPERT_DRAW_SEED_REVEALED)
    expect(verifyAnyDrawRecord(published)).toEqual({ valid: true, problems: [] });
    expect(verifyDrawJson(JSON.stringify(published))).toMatchObject({ valid: true, rounds: record.rounds.length });
    // a re-rolled replacement (any other candidate) is caught, and so is a skip nobody recorded
    const rolled = structuredClone(published);
    const last = rolled.rounds[rolled.rounds.length - 1];
    last.selected = [frozen.find((id) => !record.rounds.some((r: { selected: string[] }) => r.selected.includes(id)))!];
    expect(verifyAnyDrawRecord(rolled).valid).toBe(false);
    const unrecorded = structuredClone(published);
    unrecorded.rounds.forEach((r: { skipped: unknown[] }) => (r.skipped = []));
    expect(verifyAnyDrawRecord(unrecorded).valid).toBe(false);
    const otherBeacon = { ...published, beacon: { ...published.beacon, signature: 'AAAA' } };
    expect(verifyAnyDrawRecord(otherBeacon).valid).toBe(false);
  });

  it('a pool change during the evaluation raises a POOL_CHANGED alert the supervisor sees, naming the administrator', async () => {
    const seatedNow = await seated();
    const outsider = experts.find((e) => !seatedNow.includes(e.expertId))!;
    await t.http().post(`/api/v1/experts/${outsider.expertId}/disable`).set(otherAdmin.auth).send({ reason: '测试' }).expect(200);
    await t.http().post(`/api/v1/experts/${outsider.expertId}/enable`).set(otherAdmin.auth).send({}).expect(200);
    const alerts = (await t.http().get('/api/v1/experts/draw-alerts').set(supervisor.auth).expect(200)).body as Array<{
      tenderId: string;
      kind: string;
      details: { expertId: string; change: string; by: { userId: string; role: string } };
    }>;
    const mine = alerts.filter((a) => a.tenderId === tenderId && a.kind === 'POOL_CHANGED');
    const changes = mine.filter((a) => a.details.expertId === outsider.expertId).map((a) => [a.details.change, a.details.by.userId, a.details.by.role]);
    expect(changes).toEqual(
      expect.arrayContaining([
        ['DISABLED', otherAdmin.userId, 'ADMIN'],
        ['ENABLED', otherAdmin.userId, 'ADMIN'],
      ]),
    );
    // the newcomer's registration was flagged too
    expect(mine.some((a) => a.details.change === 'REGISTERED')).toBe(true);
    // and it is on the tender's audit stream
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND action = 'EXPERT_POOL_CHANGED_DURING_EVALUATION' AND actor_id = $2`,
      [tenderId, otherAdmin.userId],
    );
    expect(n).toBeGreaterThanOrEqual(2);
    // a pool change of another specialty does not touch this tender
    const elsewhere = await createExpert(t, { specialties: [`${code}X`] });
    const again = (await t.http().get('/api/v1/experts/draw-alerts').set(supervisor.auth).expect(200)).body as typeof alerts;
    expect(again.some((a) => a.tenderId === tenderId && a.details?.expertId === elsewhere.expertId)).toBe(false);
  });
});
