import { createHash } from 'crypto';
import { execFileSync } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Role } from 'src/common/auth/role.enum';
import { type DomainEventMap, DomainEvents } from 'src/common/events/domain-events';
import { plaintextOf, sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { byUser, createExpert, membersOf, waitFor } from './factories/evaluation.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { untilDatabaseClockPasses } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * The whole way through the real modules: publication, sealed bids from the SDK, the deadline, decryption by the
 * bidders, the panel drawn when the tender enters EVALUATION, the experts' verdicts, the report, the publicity, the
 * award, the contract — then the draw recomputed by the stand-alone verifier from the public API output.
 */
describe('from sealed bids to contract, with a draw anyone can recompute (e2e)', () => {
  let t: TestApp;
  const heard: Array<{ name: keyof DomainEventMap; tenderId: string }> = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    const bus = t.app.get(DomainEvents);
    for (const name of ['TenderEnteredEvaluation', 'AwardNoticeIssued', 'ContractSigned'] as const) {
      bus.observe(name, async (_m, p) => void heard.push({ name, tenderId: (p as { tenderId: string }).tenderId }));
    }
  });
  afterAll(() => t.close());

  const status = async (id: string) => (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [id]))[0].status as string;

  it('runs the tender to its contract', async () => {
    const code = `X${Date.now().toString(36).toUpperCase()}`;
    const pool = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
    const bidders: TestParty[] = [];
    for (let i = 0; i < 3; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
    // an expert employed by a bidder: never drawn for this tender
    const conflicted = await createExpert(t, { specialties: [code], employerUscc: bidders[0].uscc });

    const tender = await createPublishedTender(t, {
      deadlineInMs: 3000,
      bidSecurityAmount: '0.00',
      priceCeiling: '38000000.00',
      panel: { size: 5, specialties: [{ code, count: 5 }] },
    });
    const prices = ['36800000.00', '37100000.00', '37500000.00'];
    const bids: SubmittedBid[] = [];
    for (const [i, b] of bidders.entries()) {
      const r = await sealAndSubmit(t, tender, b, plaintextOf(prices[i], { durationDays: 365 }));
      expect(r.status).toBe(201);
      bids.push(r);
    }
    // Before the opening nothing about the panel exists, and nothing about the bids is shown to the experts.
    expect(await t.dataSource.query(`SELECT 1 FROM expert_draws WHERE tender_id = $1`, [tender.id])).toEqual([]);
    await t.http().get(`/api/v1/tenders/${tender.id}/evaluation/bids`).set(pool[0].auth).expect(403);

    await waitFor(async () => (await status(tender.id)) === 'OPENING', 20_000, 'the opening');
    for (const [i, b] of bidders.entries()) {
      await t
        .http()
        .post(`/api/v1/tenders/${tender.id}/bids/${bids[i].body.bidId}/decryption`)
        .set(b.auth)
        .send({ key: bids[i].sealed.key })
        .expect((res) => {
          if (res.status >= 300) throw new Error(`decryption: ${res.status} ${JSON.stringify(res.body)}`);
        });
    }
    await waitFor(async () => (await status(tender.id)) === 'EVALUATION', 20_000, 'the evaluation');
    expect(heard).toContainEqual({ name: 'TenderEnteredEvaluation', tenderId: tender.id });

    // The panel is drawn (PANEL_DRAW event); the conflicted expert is left out.
    const seats = await waitFor(
      async () => {
        const s = await membersOf(t, tender.id);
        return s.length === 5 ? s : null;
      },
      20_000,
      'the panel draw',
    );
    expect(seats.map((s) => s.expert_id)).not.toContain(conflicted.expertId);
    const users = byUser(pool);
    const experts = seats.map((s) => users.get(s.user_id)!);
    for (const [i, s] of seats.entries()) await t.http().post(`/api/v1/expert/assignments/${s.id}/accept`).set(experts[i].auth).expect(200);

    const opened = await t.http().get(`/api/v1/tenders/${tender.id}/evaluation/bids`).set(experts[0].auth).expect(200);
    expect(opened.body.map((b: { price: string }) => b.price).sort()).toEqual(prices);
    for (const e of experts) {
      for (const b of opened.body) await t.http().post(`/api/v1/tenders/${tender.id}/evaluation/scores`).set(e.auth).send({ bidId: b.bidId, qualified: true }).expect(200);
      await t.http().post(`/api/v1/tenders/${tender.id}/evaluation/sign`).set(e.auth).send({}).expect(200);
    }
    const report = await t.http().get(`/api/v1/tenders/${tender.id}/evaluation-report`).set(tender.owner.auth).expect(200);
    expect(report.body.candidates.map((c: { rank: number; price: string }) => [c.rank, c.price])).toEqual([
      [1, '36800000.00'],
      [2, '37100000.00'],
      [3, '37500000.00'],
    ]);
    expect(report.body.openingRecord).toHaveLength(3);

    // The panel stays secret until the award.
    await t.http().get(`/api/v1/tenders/${tender.id}/panel`).expect(403);
    const publicityEnds = new Date(Date.now() + 500).toISOString();
    await t.http().post(`/api/v1/tenders/${tender.id}/publicity`).set(tender.owner.auth).send({ endsAt: publicityEnds }).expect(200);
    await untilDatabaseClockPasses(t.dataSource, publicityEnds);
    const winner = report.body.candidates[0].bidId;
    const award = await t.http().post(`/api/v1/tenders/${tender.id}/award`).set(tender.owner.auth).send({ bidId: winner }).expect(200);
    // signedAt omitted: signed now, by the database clock (never before the notice, never in the future).
    const before = Date.now();
    const contract = await t.http().post(`/api/v1/tenders/${tender.id}/contract`).set(tender.owner.auth).send({}).expect(200);
    const signedAt = Date.parse(contract.body.contract.signedAt);
    expect(signedAt).toBeGreaterThanOrEqual(Date.parse(award.body.noticeIssuedAt));
    expect(signedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(signedAt).toBeGreaterThanOrEqual(before - 1_000);
    // repeated without a date: the same record, nothing new
    expect((await t.http().post(`/api/v1/tenders/${tender.id}/contract`).set(tender.owner.auth).send({}).expect(200)).body).toEqual(contract.body);
    expect(await status(tender.id)).toBe('CONTRACTED');
    expect(heard.filter((h) => h.tenderId === tender.id).map((h) => h.name)).toEqual(['TenderEnteredEvaluation', 'AwardNoticeIssued', 'ContractSigned']);

    // Anyone now sees the panel with the seed, and recomputes the draw with the stand-alone verifier.
    const panel = await t.http().get(`/api/v1/tenders/${tender.id}/panel`).expect(200);
    expect(panel.body.members.map((m: { expertId: string }) => m.expertId).sort()).toEqual(seats.map((s) => s.expert_id).sort());
    const record = await t.http().get(`/api/v1/tenders/${tender.id}/panel/draw-record`).expect(200);
    expect(record.body.seed).toBe(panel.body.seed);
    // The seed is the one committed at publication (issue 17: drawn before any bid and before the opening's beacon),
    // its shares released by the custodians only after the deadline.
    const [{ draw_seed_commitment, published_at }] = await t.dataSource.query(`SELECT draw_seed_commitment, published_at FROM tenders WHERE id = $1`, [tender.id]);
    expect(record.body.seedCommitment).toBe(draw_seed_commitment);
    expect(createHash('sha256').update(Buffer.from(record.body.seed, 'hex')).digest('hex')).toBe(draw_seed_commitment);
    const [dep] = await t.dataSource.query(
      `SELECT occurred_at, data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = 'draw-seed'`,
      [tender.id],
    );
    expect(new Date(dep.occurred_at).getTime()).toBeLessThanOrEqual(new Date(published_at).getTime() + 5_000);
    expect(new Date(dep.occurred_at).getTime()).toBeLessThan(new Date(record.body.beacon.signedAt).getTime()); // before the beacon
    const releases = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARE_RELEASED' AND data->>'secretId' = 'draw-seed'`, [
      tender.id,
    ]);
    expect(releases.length).toBeGreaterThanOrEqual(2);
    releases.forEach((r: { data: { releasedAt: string; notBefore: string } }) => expect(r.data.releasedAt >= r.data.notBefore).toBe(true));
    const dir = mkdtempSync(join(tmpdir(), 'draw-'));
    const file = join(dir, 'record.json');
    writeFileSync(file, JSON.stringify(record.body));
    const cli = join(__dirname, '../src/modules/experts/cli/verify-draw.ts');
    const run = (f: string) =>
      execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', cli, f], {
        cwd: join(__dirname, '..'),
        encoding: 'utf8',
      });
    expect(run(file)).toMatch(/^VALID: 1 round/);
    // A record whose selection differs from what the seed gives (here: the same experts in another order) fails.
    const forged = { ...record.body, rounds: record.body.rounds.map((r: { selected: string[] }) => ({ ...r, selected: [...r.selected].reverse() })) };
    writeFileSync(file, JSON.stringify(forged));
    expect(() => run(file)).toThrow(/INVALID|Command failed/);
  });
});
