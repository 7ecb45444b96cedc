/**
 * Parties and tenders for browser tests, built through the public API (test/factories) so the console meets the
 * same states a real user would. See web/CONSOLE_GUIDE.md "Browser tests".
 */
import { Role } from 'src/common/auth/role.enum';
import { plaintextOf, sealAndSubmit, type SubmittedBid } from '../factories/bid.factory';
import { type EvaluationTenderOptions, tenderInEvaluation } from '../factories/evaluation.factory';
import { registerParty, type TestParty } from '../factories/identity.factory';
import { createDraftTender, createPublishedTender, type TenderOptions, type TestTender } from '../factories/tender.factory';
import { type TestApp } from '../helpers/test-app';

export { createStaff, registerParty } from '../factories/identity.factory';
export type { TestParty } from '../factories/identity.factory';
export { Role };

export type FixtureState = 'DRAFT' | 'PUBLISHED' | 'OPENING' | 'EVALUATION';

export interface FixtureTender {
  id: string;
  owner: TestParty;
  tender?: TestTender;
  /** The bidders whose bids were sealed with the SDK and submitted (OPENING: one per price). */
  bidders: TestParty[];
  /** Per bidder: the submission (its receipt in `body`, the bid key in `sealed.key`). */
  bids: SubmittedBid[];
  /** EVALUATION: the ids of the opened bids. */
  bidIds: string[];
}

export interface FixtureOptions extends TenderOptions {
  /** OPENING: one bidder per price (at least 3, the legal minimum to open). */
  prices?: string[];
  /** OPENING: bidders to use (registered when missing). */
  bidders?: TestParty[];
  /** EVALUATION: options of test/factories/evaluation.factory.ts#tenderInEvaluation. */
  inEvaluation?: EvaluationTenderOptions;
  /** How long to wait for the tender to reach OPENING after its deadline (ms). */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function statusOf(t: TestApp, id: string): Promise<string> {
  const res = await t.http().get(`/api/v1/tenders/${id}`);
  return res.body.status;
}

/** Polls the public tender until its status is one of `want` (deadline `ms`). */
export async function waitForTenderStatus(t: TestApp, id: string, want: string[], ms = 60_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const s = await statusOf(t, id);
    if (want.includes(s)) return s;
    if (Date.now() > end) throw new Error(`tender ${id} is ${s}, not ${want.join('|')}`);
    await sleep(100);
  }
}

/**
 * A tender in `state`, driven through the API (the app runs with LEGAL_PERIODS=relaxed):
 * - DRAFT: created by a new procuring entity (or `owner`);
 * - PUBLISHED: with a tender document, published, deadline `deadlineInMs` ahead (default 1 hour);
 * - OPENING: published with no bid security and a deadline a few seconds ahead, one SDK-sealed bid per price
 *   (default 3), then waits until the platform opens it at the deadline; the bid keys are in `bids[i].sealed.key`;
 * - EVALUATION: the opening done (rows written as the opening module writes them), panel draw announced
 *   (evaluation.factory).
 */
export async function tenderInState(t: TestApp, state: FixtureState, o: FixtureOptions = {}): Promise<FixtureTender> {
  if (state === 'EVALUATION') {
    const e = await tenderInEvaluation(t, { owner: o.owner, ...(o.inEvaluation ?? {}) });
    return { id: e.id, owner: e.owner, bidders: e.bidders, bids: [], bidIds: e.bidIds };
  }
  if (state === 'DRAFT') {
    const d = await createDraftTender(t, o);
    return { id: d.id, owner: d.owner, tender: d, bidders: [], bids: [], bidIds: [] };
  }
  if (state === 'PUBLISHED') {
    const p = await createPublishedTender(t, o);
    return { id: p.id, owner: p.owner, tender: p, bidders: [], bids: [], bidIds: [] };
  }
  const prices = o.prices ?? ['36500000.00', '37200000.00', '37900000.00'];
  if (prices.length < 3) throw new Error('OPENING needs at least 3 bids (TBL Art. 28)');
  const bidders = o.bidders ?? [];
  while (bidders.length < prices.length) bidders.push(await registerParty(t, { role: Role.BIDDER }));
  // Time enough to seal and submit every bid before the deadline, even on a loaded machine.
  const p = await createPublishedTender(t, { bidSecurityAmount: '0.00', deadlineInMs: o.deadlineInMs ?? 3000 + 1500 * prices.length, ...o });
  const bids: SubmittedBid[] = [];
  for (const [i, price] of prices.entries()) {
    const r = await sealAndSubmit(t, p, bidders[i], plaintextOf(price, { durationDays: 365 }));
    if (r.status !== 201) throw new Error(`bid ${i} refused: ${r.status} ${JSON.stringify(r.body)}`);
    bids.push(r);
  }
  await waitForTenderStatus(t, p.id, ['OPENING'], o.timeoutMs ?? 30_000);
  return { id: p.id, owner: p.owner, tender: p, bidders, bids, bidIds: bids.map((b) => b.body.bidId) };
}

/**
 * Time passes: the bid deadline is now (the BID_DEADLINE event moves to now, as the clock would bring it), so the
 * platform opens the bids (or fails the tender) right away. Tests publish with a comfortable deadline, let the
 * browser seal and submit without hurry, then call this.
 */
export async function passDeadlineNow(t: TestApp, tenderId: string): Promise<void> {
  const { SchedulerService } = await import('src/modules/scheduling/scheduler.service');
  const { ScheduledEventKind } = await import('src/infra/queue/queue.constants');
  const { EscrowKeyService } = await import('src/modules/tenders/escrow-key.service');
  const { SYSTEM_ACTOR } = await import('src/common/auth/actor');
  await t.dataSource.transaction(async (m) => {
    const [{ now }] = await m
      .query(`UPDATE tenders SET bid_deadline = clock_timestamp() WHERE id = $1 RETURNING bid_deadline AS now`, [tenderId])
      .then((r: [Array<{ now: Date }>, number]) => r[0]);
    // The escrow custodians go by their own release instant (issue 17): the deadline is moved for them too, as an
    // amendment does (audited, and in each custodian's own log), or they would refuse to release at the opening.
    await t.app.get(EscrowKeyService).rescheduleRelease(m, tenderId, new Date(now), 'AMENDMENT', SYSTEM_ACTOR);
    await t.app.get(SchedulerService).plan(m, { kind: ScheduledEventKind.BidDeadline, subjectId: tenderId, tenderId, runAt: new Date() });
  });
}

export { plaintextOf, sealAndSubmit } from '../factories/bid.factory';
export { createPublishedTender, createDraftTender, uploadTenderDocument } from '../factories/tender.factory';
export { issueAccount, notification, pay } from '../factories/bid-security.factory';

/**
 * A tender whose evaluation report is signed (every step through the API, as test/evaluation.e2e.spec.ts does):
 * a pool of 6 experts of a fresh specialty, 3 bidders with SDK-sealed bids, the deadline brought to now, every bid
 * decrypted, the panel drawn, accepted, scored (all qualified) and signed. The report ranks the prices ascending.
 */
export async function tenderWithSignedReport(t: TestApp, o: { owner?: TestParty; title?: string; prices?: string[] } = {}): Promise<FixtureTender> {
  const f = await tenderAwaitingReport(t, o);
  await f.signReport();
  return f;
}

/**
 * The same tender one step before: in EVALUATION, its panel drawn and seated (every seat accepted), nothing scored
 * or signed — no evaluation report yet; `experts` are the seated members. `signReport()` scores (all qualified) and signs for every member, which
 * produces the report.
 */
export async function tenderAwaitingReport(
  t: TestApp,
  o: { owner?: TestParty; title?: string; prices?: string[] } = {},
): Promise<FixtureTender & { experts: TestParty[]; signReport: () => Promise<void> }> {
  const { createExpert, membersOf, byUser } = await import('../factories/evaluation.factory');
  const code = `W${Date.now().toString(36).toUpperCase()}`;
  const pool = [];
  for (let i = 0; i < 6; i++) pool.push(await createExpert(t, { specialties: [code] }));
  const prices = o.prices ?? ['36800000.00', '37100000.00', '37500000.00'];
  const bidders = [];
  for (let i = 0; i < prices.length; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
  const p = await createPublishedTender(t, {
    owner: o.owner,
    title: o.title,
    deadlineInMs: 60 * 60_000,
    bidSecurityAmount: '0.00',
    panel: { size: 5, specialties: [{ code, count: 5 }] },
  });
  const bids: SubmittedBid[] = [];
  for (const [i, b] of bidders.entries()) bids.push(await sealAndSubmit(t, p, b, plaintextOf(prices[i], { durationDays: 365 })));
  await passDeadlineNow(t, p.id);
  await waitForTenderStatus(t, p.id, ['OPENING']);
  for (const [i, b] of bidders.entries()) {
    const r = await t.http().post(`/api/v1/tenders/${p.id}/bids/${bids[i].body.bidId}/decryption`).set(b.auth).send({ key: bids[i].sealed.key });
    if (r.status !== 200) throw new Error(`decryption ${i}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  await waitForTenderStatus(t, p.id, ['EVALUATION']);
  const end = Date.now() + 20_000;
  let seats = await membersOf(t, p.id);
  while (seats.length < 5) {
    if (Date.now() > end) throw new Error('the panel was not drawn');
    await sleep(100);
    seats = await membersOf(t, p.id);
  }
  const users = byUser(pool);
  const experts = seats.map((s) => users.get(s.user_id)!);
  for (const [i, s] of seats.entries()) await t.http().post(`/api/v1/expert/assignments/${s.id}/accept`).set(experts[i].auth).expect(200);
  const signReport = async () => {
    const opened = await t.http().get(`/api/v1/tenders/${p.id}/evaluation/bids`).set(experts[0].auth).expect(200);
    for (const e of experts) {
      for (const b of opened.body) await t.http().post(`/api/v1/tenders/${p.id}/evaluation/scores`).set(e.auth).send({ bidId: b.bidId, qualified: true }).expect(200);
      await t.http().post(`/api/v1/tenders/${p.id}/evaluation/sign`).set(e.auth).send({}).expect(200);
    }
  };
  return { id: p.id, owner: p.owner, tender: p, bidders, bids, bidIds: bids.map((b) => b.body.bidId), experts, signReport };
}

/** The running candidate publicity ends now (its end moved to now and its PUBLICITY_END event run). */
export async function endPublicityNow(t: TestApp, tenderId: string): Promise<void> {
  const { fireNow } = await import('../factories/evaluation.factory');
  const res: unknown[] = await t.dataSource.query(
    `UPDATE candidate_publicities SET starts_at = least(starts_at, clock_timestamp() - interval '2 seconds'), ends_at = clock_timestamp() - interval '1 second'
      WHERE tender_id = $1 AND status = 'RUNNING' RETURNING id`,
    [tenderId],
  );
  // An UPDATE … RETURNING answers [rows, count].
  const row = (Array.isArray(res[0]) ? res[0][0] : res[0]) as { id: string } | undefined;
  if (!row) throw new Error(`no running publicity for ${tenderId}`);
  await fireNow(t, 'PUBLICITY_END', row.id);
}

/**
 * A tender with two lots (标段), escrow decryption, three bids in each lot, evaluated by its one committee: every
 * bid qualified, signed, one report per lot. Nothing published yet (the tender is in EVALUATION).
 */
export async function lottedTenderWithSignedReports(t: TestApp, o: { owner?: TestParty; title?: string } = {}): Promise<FixtureTender> {
  const { createExpert, membersOf, byUser } = await import('../factories/evaluation.factory');
  const { sealBid } = await import('src/sdk');
  const code = `L${Date.now().toString(36).toUpperCase()}`;
  const pool = [];
  for (let i = 0; i < 6; i++) pool.push(await createExpert(t, { specialties: [code] }));
  const bidders: TestParty[] = [];
  for (let i = 0; i < 3; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
  const p = await createPublishedTender(t, {
    owner: o.owner,
    title: o.title,
    deadlineInMs: 60 * 60_000,
    decryptionMode: 'ESCROW',
    bidSecurityAmount: '0.00',
    panel: { size: 5, specialties: [{ code, count: 5 }] },
    extra: {
      lots: [
        { title: '第一标段', budget: '20000000.00' },
        { title: '第二标段', budget: '20000000.00' },
      ],
    },
  });
  const bidIds: string[] = [];
  for (const [i, b] of bidders.entries()) {
    const r = await sealAndSubmit(t, p, b, plaintextOf(`${19000000 + i * 100000}.00`, { durationDays: 365 })); // lot 1 (the v1 path)
    if (r.status !== 201) throw new Error(`lot 1 bid ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    bidIds.push(r.body.bidId);
  }
  for (const [i, b] of bidders.entries()) {
    const sealed = sealBid({
      tenderId: p.id,
      bidderOrganizationId: b.organizationId!,
      plaintext: plaintextOf(`${18000000 + i * 100000}.00`, { durationDays: 365 }),
      ...(p.escrowPublicKey ? { escrowPublicKey: p.escrowPublicKey } : {}),
      client: { deviceId: `device-${b.username}-2` },
    });
    const r = await t.http().post(`/api/v1/tenders/${p.id}/lots/2/bids`).set(b.auth).send(sealed.request);
    if (r.status !== 201) throw new Error(`lot 2 bid ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    bidIds.push(r.body.bidId);
  }
  await passDeadlineNow(t, p.id);
  await waitForTenderStatus(t, p.id, ['EVALUATION']);
  const end = Date.now() + 20_000;
  let seats = await membersOf(t, p.id);
  while (seats.length < 5) {
    if (Date.now() > end) throw new Error('the panel was not drawn');
    await sleep(100);
    seats = await membersOf(t, p.id);
  }
  const users = byUser(pool);
  const experts = seats.map((s) => users.get(s.user_id)!);
  for (const [i, s] of seats.entries()) await t.http().post(`/api/v1/expert/assignments/${s.id}/accept`).set(experts[i].auth).expect(200);
  const opened = await t.http().get(`/api/v1/tenders/${p.id}/evaluation/bids`).set(experts[0].auth).expect(200);
  for (const e of experts) {
    for (const b of opened.body) await t.http().post(`/api/v1/tenders/${p.id}/evaluation/scores`).set(e.auth).send({ bidId: b.bidId, qualified: true }).expect(200);
    await t.http().post(`/api/v1/tenders/${p.id}/evaluation/sign`).set(e.auth).send({}).expect(200);
  }
  return { id: p.id, owner: p.owner, tender: p, bidders, bids: [], bidIds };
}
