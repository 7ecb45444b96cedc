import { sealBid } from 'src/sdk';
import { plaintextOf, sealAndSubmit } from './factories/bid.factory';
import { notification, pay, waitFor, waitForRefunds } from './factories/bid-security.factory';
import { byUser, createExpert, membersOf, type TestExpert } from './factories/evaluation.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { untilDatabaseClockPasses } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * 标段 (lots) from the opening to the contracts, against the real services: one committee (drawn once for the
 * tender) evaluates every lot and signs once; each lot is its own competition — its bids only, its budget as its
 * ceiling — with its own report, candidates, publicity, award and contract, and its securities go back with its own
 * award (procurement, NOT_AWARDED) or contract (CONTRACT_SIGNED). A failed lot is skipped. The v1 paths are lot 1.
 */
describe('lots (标段) — evaluation, candidates, award and contract per lot (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  const api = '/api/v1';
  const status = async (id: string) => (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [id]))[0].status as string;
  const lotPath = (tenderId: string, lotNo: number, rest: string) => `${api}/tenders/${tenderId}/lots/${lotNo}/${rest}`;

  /** Pays each bidder's security of its lot (cash), then submits its sealed bid to the lot. */
  async function bidIn(tender: TestTender, who: TestParty, lotNo: number, price: string): Promise<string> {
    const acc = (
      await t
        .http()
        .get(lotPath(tender.id, lotNo, 'bid-security/account'))
        .set(who.auth)
        .expect(200)
    ).body;
    await pay(t, notification({ virtualAccountNo: acc.virtualAccountNo, amount: acc.amount }));
    if (lotNo === 1) {
      const r = await sealAndSubmit(t, tender, who, price); // the v1 path is lot 1
      expect(r.status).toBe(201);
      return r.body.bidId;
    }
    const sealed = sealBid({
      tenderId: tender.id,
      bidderOrganizationId: who.organizationId!,
      plaintext: plaintextOf(price),
      ...(tender.escrowPublicKey ? { escrowPublicKey: tender.escrowPublicKey } : {}),
      client: { deviceId: `device-${who.username}-${lotNo}` },
    });
    const res = await t
      .http()
      .post(lotPath(tender.id, lotNo, 'bids'))
      .set(who.auth)
      .send(sealed.request);
    expect(res.status).toBe(201);
    return res.body.bidId;
  }

  /** The panel drawn for the tender: every seat accepts; returns the experts sitting. */
  async function seatPanel(tenderId: string, pool: TestExpert[]): Promise<TestExpert[]> {
    const seats = await waitFor(async () => (await membersOf(t, tenderId)).length === 5, 30_000, 'the panel draw').then(() => membersOf(t, tenderId));
    const users = byUser(pool);
    const experts = seats.map((s) => users.get(s.user_id)!);
    for (const [i, s] of seats.entries()) await t.http().post(`${api}/expert/assignments/${s.id}/accept`).set(experts[i].auth).expect(200);
    return experts;
  }

  /** Each expert scores every opened bid (all lots, one committee) and signs once. */
  async function evaluateAll(
    tenderId: string,
    experts: TestExpert[],
    criteria?: Array<{ code: string; met: boolean; reason: string }>,
  ): Promise<Array<{ bidId: string; lotNo?: number; price: string; aboveCeiling: boolean }>> {
    const opened = (await t.http().get(`${api}/tenders/${tenderId}/evaluation/bids`).set(experts[0].auth).expect(200)).body;
    for (const e of experts) {
      for (const b of opened) {
        await t
          .http()
          .post(`${api}/tenders/${tenderId}/evaluation/scores`)
          .set(e.auth)
          .send({ bidId: b.bidId, qualified: true, ...(criteria ? { criteria } : {}) })
          .expect(200);
      }
      await t.http().post(`${api}/tenders/${tenderId}/evaluation/sign`).set(e.auth).send({}).expect(200);
    }
    return opened;
  }

  const lotSecurity = async (tenderId: string, who: TestParty, lotNo: number) =>
    (
      await t
        .http()
        .get(lotPath(tenderId, lotNo, 'bid-security/mine'))
        .set(who.auth)
        .expect(200)
    ).body as { status: string; refunds: Array<{ reason: string }> };

  it('engineering, two lots, one committee: per-lot scores, reports, publicity, awards, contracts and refunds', async () => {
    const code = `L${Date.now().toString(36).toUpperCase()}`;
    const pool = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
    const [a, b, c, d] = await Promise.all([registerParty(t), registerParty(t), registerParty(t), registerParty(t)]);
    const tender = await createPublishedTender(t, {
      deadlineInMs: 12_000,
      decryptionMode: 'ESCROW',
      bidSecurityAmount: '200000.00',
      priceCeiling: '38000000.00',
      panel: { size: 5, specialties: [{ code, count: 5 }] },
      extra: {
        lots: [
          { title: '第一标段', budget: '20000000.00' },
          { title: '第二标段', budget: '20000000.00' },
        ],
        // 资格后审 with published criteria (TBR Art. 20): the same criteria, reviewed in each lot's report
        qualificationCriteria: [{ code: 'Q1', type: 'QUALIFICATION_CERTIFICATE', requirement: '市政公用工程施工总承包二级及以上资质', evidence: '资质证书副本扫描件' }],
      },
    });
    const bids = {
      a1: await bidIn(tender, a, 1, '19000000.00'),
      b1: await bidIn(tender, b, 1, '19100000.00'),
      c1: await bidIn(tender, c, 1, '19200000.00'),
      // Above lot 2's budget (its ceiling), far below the tender's 38m ceiling: rejected in lot 2.
      a2: await bidIn(tender, a, 2, '20500000.00'),
      b2: await bidIn(tender, b, 2, '18000000.00'),
      c2: await bidIn(tender, c, 2, '18500000.00'),
      d2: await bidIn(tender, d, 2, '19900000.00'),
    };
    await waitFor(async () => (await status(tender.id)) === 'EVALUATION', 60_000, 'the evaluation');
    const experts = await seatPanel(tender.id, pool);

    // The committee sees each lot's bids, each with its lot and its lot's ceiling.
    const lot2 = (
      await t
        .http()
        .get(lotPath(tender.id, 2, 'evaluation/bids'))
        .set(experts[0].auth)
        .expect(200)
    ).body;
    expect(lot2.map((x: { bidId: string; lotNo: number; aboveCeiling: boolean }) => [x.bidId, x.lotNo, x.aboveCeiling]).sort()).toEqual(
      [
        [bids.a2, 2, true],
        [bids.b2, 2, false],
        [bids.c2, 2, false],
        [bids.d2, 2, false],
      ].sort(),
    );
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 3, 'evaluation/bids'))
          .set(experts[0].auth)
      ).status,
    ).toBe(404);
    const all = await evaluateAll(tender.id, experts, [{ code: 'Q1', met: true, reason: '符合' }]);
    expect(all).toHaveLength(7);
    expect(all.find((x) => x.bidId === bids.a1)).toMatchObject({ lotNo: 1, aboveCeiling: false });

    // One report per lot: scores compare only the bids of the lot (lot 2's 18m does not outrank lot 1's bids).
    const report1 = (await t.http().get(`${api}/tenders/${tender.id}/evaluation-report`).set(tender.owner.auth).expect(200)).body; // v1 = lot 1
    expect(report1.lot).toEqual({ lotNo: 1, title: '第一标段', budget: '20000000.00' });
    expect(report1.candidates.map((x: { rank: number; bidId: string }) => [x.rank, x.bidId])).toEqual([
      [1, bids.a1],
      [2, bids.b1],
      [3, bids.c1],
    ]);
    expect(report1.openingRecord).toHaveLength(3);
    expect(report1.basicData.priceCeiling).toBe('20000000.00');
    const report2 = (
      await t
        .http()
        .get(lotPath(tender.id, 2, 'evaluation-report'))
        .set(tender.owner.auth)
        .expect(200)
    ).body;
    expect(report2.candidates.map((x: { rank: number; bidId: string }) => [x.rank, x.bidId])).toEqual([
      [1, bids.b2],
      [2, bids.c2],
      [3, bids.d2],
    ]);
    expect(report2.rejectedBids.map((x: { bidId: string; grounds: string[] }) => [x.bidId, x.grounds])).toEqual([[bids.a2, ['TBR51_5_PRICE_ABOVE_CEILING']]]);
    expect(report2.sha256).not.toBe(report1.sha256);
    // each lot's qualification review lists its own bids only
    const reviewed = (r: { criteria: { qualificationReview: { bids: Array<{ bidId: string }> } } }) => r.criteria.qualificationReview.bids.map((x) => x.bidId).sort();
    expect(reviewed(report1)).toEqual([bids.a1, bids.b1, bids.c1].sort());
    expect(reviewed(report2)).toEqual([bids.a2, bids.b2, bids.c2, bids.d2].sort());
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 1, 'evaluation-report'))
          .set(tender.owner.auth)
          .expect(200)
      ).body.sha256,
    ).toBe(report1.sha256);
    const pdf = await t
      .http()
      .get(lotPath(tender.id, 2, 'evaluation-report.pdf'))
      .set(tender.owner.auth)
      .expect(200);
    expect(pdf.headers['x-report-sha256']).toBe(report2.sha256);
    const signed = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'EVALUATION_REPORT_SIGNED' ORDER BY id`, [tender.id]);
    expect(signed.map((e: { data: { lotNo: number } }) => e.data.lotNo)).toEqual([1, 2]);

    // Publicity per lot: the tender is in PUBLICITY from the first lot's.
    const soon = () => ({ endsAt: new Date(Date.now() + 500).toISOString() });
    const pub1 = (await t.http().post(`${api}/tenders/${tender.id}/publicity`).set(tender.owner.auth).send(soon()).expect(200)).body;
    expect(pub1.lotNo).toBe(1);
    expect(await status(tender.id)).toBe('PUBLICITY');
    // each lot says whether it has a public notice (GET …/lots/{n}/candidates: 200, or 404 while null)
    const published = (await t.http().get(`${api}/tenders/${tender.id}/lots/results`).expect(200)).body;
    expect(published.map((x: { lotNo: number; publicity: unknown }) => [x.lotNo, x.publicity])).toEqual([
      [1, { kind: 'CANDIDATE_PUBLICITY', status: 'RUNNING', endsAt: pub1.endsAt }],
      [2, null],
    ]);
    expect((await t.http().get(lotPath(tender.id, 2, 'candidates'))).status).toBe(404);
    // lot 2 is not published yet: it cannot be awarded
    expect(
      (
        await t
          .http()
          .post(lotPath(tender.id, 2, 'award'))
          .set(tender.owner.auth)
          .send({ bidId: bids.b2 })
      ).status,
    ).toBe(409);
    const pub2Period = soon(); // ends after lot 1's
    const pub2 = (
      await t
        .http()
        .post(lotPath(tender.id, 2, 'publicity'))
        .set(tender.owner.auth)
        .send(pub2Period)
        .expect(200)
    ).body;
    expect(pub2.content.candidates.map((x: { price: string }) => x.price)).toEqual(['18000000.00', '18500000.00', '19900000.00']);
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 2, 'candidates'))
          .expect(200)
      ).body.id,
    ).toBe(pub2.id);
    expect((await t.http().get(`${api}/tenders/${tender.id}/candidates`).expect(200)).body.id).toBe(pub1.id);
    await untilDatabaseClockPasses(t.dataSource, pub2Period.endsAt);

    // Award per lot; the tender is AWARDED with its last lot. A lot's award refunds nothing in engineering (TBR Art. 57).
    const award1 = (
      await t
        .http()
        .post(lotPath(tender.id, 1, 'award'))
        .set(tender.owner.auth)
        .send({ bidId: bids.a1 })
        .expect(200)
    ).body;
    expect(award1).toMatchObject({ lotNo: 1, bidId: bids.a1, awardeeOrganizationId: a.organizationId, price: '19000000.00', rank: 1 });
    expect(await status(tender.id)).toBe('PUBLICITY');
    // a candidate of another lot is not a candidate of this one
    expect(
      (
        await t
          .http()
          .post(lotPath(tender.id, 2, 'award'))
          .set(tender.owner.auth)
          .send({ bidId: bids.a1 })
      ).status,
    ).toBe(422);
    const rankRule = await t
      .http()
      .post(lotPath(tender.id, 2, 'award'))
      .set(tender.owner.auth)
      .send({ bidId: bids.c2 });
    expect(rankRule.status).toBe(422); // state-funded: the best-ranked candidate of the lot (TBR Art. 55)
    const results = (await t.http().get(`${api}/tenders/${tender.id}/lots/results`).expect(200)).body;
    expect(results.map((x: { lotNo: number; status: string }) => [x.lotNo, x.status])).toEqual([
      [1, 'NOTIFIED'],
      [2, 'REPORT_CANDIDATES'],
    ]);
    const award2 = (
      await t
        .http()
        .post(lotPath(tender.id, 2, 'award'))
        .set(tender.owner.auth)
        .send({ bidId: bids.b2 })
        .expect(200)
    ).body;
    expect(award2).toMatchObject({ lotNo: 2, bidId: bids.b2, awardeeOrganizationId: b.organizationId, price: '18000000.00' });
    // repeated: the same award
    expect(
      (
        await t
          .http()
          .post(lotPath(tender.id, 2, 'award'))
          .set(tender.owner.auth)
          .send({ bidId: bids.b2 })
          .expect(200)
      ).body,
    ).toEqual(award2);
    expect(await status(tender.id)).toBe('AWARDED');
    expect((await t.http().get(`${api}/tenders/${tender.id}/award`).expect(200)).body.bidId).toBe(bids.a1); // v1 = lot 1
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 2, 'award'))
          .expect(200)
      ).body.bidId,
    ).toBe(bids.b2);

    // Each bidder's result, lot by lot: b lost lot 1 (rank 2) and won lot 2.
    const bLot1 = (await t.http().get(`${api}/tenders/${tender.id}/result-notice`).set(b.auth).expect(200)).body;
    expect(bLot1).toMatchObject({ lotNo: 1, bidId: bids.b1, kind: 'RESULT_NOTICE', awarded: false, ownRank: 2 });
    const bLot2 = (
      await t
        .http()
        .get(lotPath(tender.id, 2, 'result-notice'))
        .set(b.auth)
        .expect(200)
    ).body;
    expect(bLot2).toMatchObject({ lotNo: 2, bidId: bids.b2, kind: 'NOTICE_OF_AWARD', awarded: true });
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 1, 'result-notice'))
          .set(d.auth)
      ).status,
    ).toBe(404);

    // Contract per lot: lot 1's securities go back with lot 1's contract, lot 2's are still held.
    expect((await lotSecurity(tender.id, b, 2)).status).toBe('PAID');
    await t
      .http()
      .post(lotPath(tender.id, 1, 'contract'))
      .set(tender.owner.auth)
      .send({})
      .expect(200);
    expect(await status(tender.id)).toBe('AWARDED');
    await waitForRefunds(t);
    for (const who of [a, b, c]) expect((await lotSecurity(tender.id, who, 1)).refunds.map((r) => r.reason)).toEqual(['CONTRACT_SIGNED']);
    for (const who of [a, b, c, d]) {
      const s = await lotSecurity(tender.id, who, 2);
      expect(s.status).toBe('PAID');
      expect(s.refunds).toEqual([]);
    }
    // the contract amount is the lot's winning price (TBR Art. 57)
    expect(
      (
        await t
          .http()
          .post(lotPath(tender.id, 2, 'contract'))
          .set(tender.owner.auth)
          .send({ amount: '19000000.00' })
      ).status,
    ).toBe(422);
    const contract2 = (
      await t
        .http()
        .post(lotPath(tender.id, 2, 'contract'))
        .set(tender.owner.auth)
        .send({ amount: '18000000.00' })
        .expect(200)
    ).body;
    expect(contract2).toMatchObject({ lotNo: 2, status: 'CONTRACTED', contract: { amount: '18000000.00' } });
    expect(await status(tender.id)).toBe('CONTRACTED');
    await waitForRefunds(t);
    for (const who of [a, b, c, d]) expect((await lotSecurity(tender.id, who, 2)).refunds.map((r) => r.reason)).toEqual(['CONTRACT_SIGNED']);
  });

  it('procurement: a lot that failed at the deadline is skipped; the other lot is awarded and refunds its own losers', async () => {
    const code = `P${Date.now().toString(36).toUpperCase()}`;
    const pool = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
    const [a, b, c, d] = await Promise.all([registerParty(t), registerParty(t), registerParty(t), registerParty(t)]);
    const tender = await createPublishedTender(t, {
      deadlineInMs: 10_000,
      decryptionMode: 'ESCROW',
      regime: 'GOV_PROCUREMENT',
      category: 'GOODS',
      budget: '5000000.00',
      priceCeiling: null,
      bidSecurityAmount: '50000.00',
      panel: { size: 5, specialties: [{ code, count: 5 }] },
      extra: {
        lots: [
          { title: '采购包1', budget: '3000000.00' },
          { title: '采购包2', budget: '2000000.00' },
        ],
      },
    });
    const bids = {
      a1: await bidIn(tender, a, 1, '2800000.00'),
      b1: await bidIn(tender, b, 1, '2750000.00'),
      c1: await bidIn(tender, c, 1, '2900000.00'),
      // lot 2 gets only two bids: it fails alone at the deadline (TBL Art. 28)
      a2: await bidIn(tender, a, 2, '1900000.00'),
      d2: await bidIn(tender, d, 2, '1950000.00'),
    };
    await waitFor(async () => (await status(tender.id)) === 'EVALUATION', 60_000, 'the evaluation');
    expect((await t.http().get(`${api}/tenders/${tender.id}`)).body.lots.map((l: { status: string }) => l.status)).toEqual(['ACTIVE', 'FAILED']);
    const experts = await seatPanel(tender.id, pool);
    const opened = await evaluateAll(tender.id, experts);
    expect(opened.map((x) => x.bidId).sort()).toEqual([bids.a1, bids.b1, bids.c1].sort());

    const report1 = (
      await t
        .http()
        .get(lotPath(tender.id, 1, 'evaluation-report'))
        .set(tender.owner.auth)
        .expect(200)
    ).body;
    expect(report1.candidates.map((x: { bidId: string }) => x.bidId)).toEqual([bids.b1, bids.a1, bids.c1]);
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 2, 'evaluation-report'))
          .set(tender.owner.auth)
      ).status,
    ).toBe(409);
    expect(
      (
        await t
          .http()
          .post(lotPath(tender.id, 2, 'award'))
          .set(tender.owner.auth)
          .send({ bidId: bids.a2 })
      ).status,
    ).toBe(409);

    // Procurement: the award of lot 1 (no publicity) completes the tender — lot 2 failed and is skipped.
    const award = (
      await t
        .http()
        .post(lotPath(tender.id, 1, 'award'))
        .set(tender.owner.auth)
        .send({ bidId: bids.b1 })
        .expect(200)
    ).body;
    expect(award).toMatchObject({ lotNo: 1, awardeeOrganizationId: b.organizationId, price: '2750000.00' });
    expect(award.announcementEndsAt).not.toBeNull();
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 1, 'candidates'))
          .expect(200)
      ).body,
    ).toMatchObject({ kind: 'AWARD_ANNOUNCEMENT', lotNo: 1 });
    expect(await status(tender.id)).toBe('AWARDED');
    const results = (await t.http().get(`${api}/tenders/${tender.id}/lots/results`).expect(200)).body;
    expect(results.map((x: { lotNo: number; status: string }) => [x.lotNo, x.status])).toEqual([
      [1, 'NOTIFIED'],
      [2, 'FAILED'],
    ]);
    expect(results.map((x: { lotNo: number; publicity: { kind: string } | null }) => [x.lotNo, x.publicity?.kind ?? null])).toEqual([
      [1, 'AWARD_ANNOUNCEMENT'],
      [2, null],
    ]);

    // NOT_AWARDED (MOF87 Art. 38): lot 1's unsuccessful bidders; the awardee's is held until the contract.
    await waitForRefunds(t);
    for (const who of [a, c]) expect((await lotSecurity(tender.id, who, 1)).refunds.map((r) => r.reason)).toEqual(['NOT_AWARDED']);
    expect((await lotSecurity(tender.id, b, 1)).refunds).toEqual([]);
    // lot 2's went back at the deadline, once
    for (const who of [a, d]) expect((await lotSecurity(tender.id, who, 2)).refunds.map((r) => r.reason)).toEqual(['TERMINATION']);

    await t.http().post(`${api}/tenders/${tender.id}/contract`).set(tender.owner.auth).send({}).expect(200); // v1 = lot 1
    expect(await status(tender.id)).toBe('CONTRACTED');
    await waitForRefunds(t);
    expect((await lotSecurity(tender.id, b, 1)).refunds.map((r) => r.reason)).toEqual(['CONTRACT_SIGNED']);
  });

  it('a lot whose bids are all rejected fails alone at evaluation; the other lot goes on', async () => {
    const code = `F${Date.now().toString(36).toUpperCase()}`;
    const pool = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
    const [a, b, c] = await Promise.all([registerParty(t), registerParty(t), registerParty(t)]);
    const tender = await createPublishedTender(t, {
      deadlineInMs: 10_000,
      decryptionMode: 'ESCROW',
      bidSecurityAmount: '200000.00',
      priceCeiling: '38000000.00',
      panel: { size: 5, specialties: [{ code, count: 5 }] },
      extra: {
        lots: [
          { title: '第一标段', budget: '20000000.00' },
          { title: '第二标段', budget: '20000000.00' },
        ],
      },
    });
    for (const [i, who] of [a, b, c].entries()) {
      await bidIn(tender, who, 1, `${19000000 + i * 100000}.00`);
      // every lot-2 price is above lot 2's budget (its ceiling): all rejected (TBR Art. 51(5))
      await bidIn(tender, who, 2, `${20100000 + i * 100000}.00`);
    }
    await waitFor(async () => (await status(tender.id)) === 'EVALUATION', 60_000, 'the evaluation');
    await evaluateAll(tender.id, await seatPanel(tender.id, pool));

    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 2, 'evaluation-report'))
          .set(tender.owner.auth)
          .expect(200)
      ).body,
    ).toMatchObject({ outcome: 'FAILED', candidates: [] });
    expect(
      (
        await t
          .http()
          .get(lotPath(tender.id, 1, 'evaluation-report'))
          .set(tender.owner.auth)
          .expect(200)
      ).body.outcome,
    ).toBe('CANDIDATES');
    expect(await status(tender.id)).toBe('EVALUATION'); // the tender goes on with lot 1
    expect((await t.http().get(`${api}/tenders/${tender.id}`)).body.lots.map((l: { status: string }) => l.status)).toEqual(['ACTIVE', 'FAILED']);
    const failed = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'LOT_FAILED'`, [tender.id]);
    expect(failed.map((e: { data: { lotNo: number; stage: string } }) => [e.data.lotNo, e.data.stage])).toEqual([[2, 'EVALUATION']]);
    // lot 2's securities go back now; lot 1's are held for lot 1's contract
    await waitForRefunds(t);
    for (const who of [a, b, c]) {
      expect((await lotSecurity(tender.id, who, 2)).refunds.map((r) => r.reason)).toEqual(['TERMINATION']);
      expect((await lotSecurity(tender.id, who, 1)).status).toBe('PAID');
    }
    expect(
      (
        await t
          .http()
          .post(lotPath(tender.id, 2, 'publicity'))
          .set(tender.owner.auth)
          .send({})
      ).status,
    ).toBe(409);
    await t
      .http()
      .post(lotPath(tender.id, 1, 'publicity'))
      .set(tender.owner.auth)
      .send({ endsAt: new Date(Date.now() + 300).toISOString() })
      .expect(200);
  });

  it('an upheld objection sends every lot back to the one committee: each lot’s publicity is withdrawn, each lot gets a new report version', async () => {
    const code = `O${Date.now().toString(36).toUpperCase()}`;
    const pool = await Promise.all(Array.from({ length: 6 }, () => createExpert(t, { specialties: [code] })));
    const [a, b, c, d] = await Promise.all([registerParty(t), registerParty(t), registerParty(t), registerParty(t)]);
    const tender = await createPublishedTender(t, {
      deadlineInMs: 10_000,
      decryptionMode: 'ESCROW',
      bidSecurityAmount: '200000.00',
      priceCeiling: '38000000.00',
      panel: { size: 5, specialties: [{ code, count: 5 }] },
      extra: {
        lots: [
          { title: '第一标段', budget: '20000000.00' },
          { title: '第二标段', budget: '20000000.00' },
        ],
      },
    });
    const lot1 = [await bidIn(tender, a, 1, '19000000.00'), await bidIn(tender, b, 1, '19100000.00'), await bidIn(tender, c, 1, '19200000.00')];
    const lot2 = [
      await bidIn(tender, a, 2, '18000000.00'),
      await bidIn(tender, b, 2, '18100000.00'),
      await bidIn(tender, c, 2, '18200000.00'),
      await bidIn(tender, d, 2, '18300000.00'),
    ];
    await waitFor(async () => (await status(tender.id)) === 'EVALUATION', 60_000, 'the evaluation');
    const experts = await seatPanel(tender.id, pool);
    await evaluateAll(tender.id, experts);
    const later = { endsAt: new Date(Date.now() + 120_000).toISOString() };
    await t
      .http()
      .post(lotPath(tender.id, 1, 'publicity'))
      .set(tender.owner.auth)
      .send(later)
      .expect(200);
    await t
      .http()
      .post(lotPath(tender.id, 2, 'publicity'))
      .set(tender.owner.auth)
      .send(later)
      .expect(200);

    const o = await t.http().post(`${api}/tenders/${tender.id}/result-objections`).set(d.auth).send({ text: '第二标段第一名业绩造假' }).expect(201);
    await t.http().post(`${api}/tenders/${tender.id}/result-objections/${o.body.id}/answer`).set(tender.owner.auth).send({ answer: '异议成立', upheld: true }).expect(200);
    expect(await status(tender.id)).toBe('EVALUATION');
    for (const lotNo of [1, 2]) expect((await t.http().get(lotPath(tender.id, lotNo, 'candidates'))).status).toBe(404);
    const withdrawn = (await t.http().get(`${api}/tenders/${tender.id}/lots/results`).expect(200)).body;
    expect(withdrawn.map((x: { publicity: unknown }) => x.publicity)).toEqual([null, null]); // a withdrawn notice is none

    // the committee rejects lot 2's first bid and signs again: both lots get version 2
    for (const e of experts) {
      await t
        .http()
        .post(`${api}/tenders/${tender.id}/evaluation/scores`)
        .set(e.auth)
        .send({ bidId: lot2[0], qualified: false, reasons: ['业绩证明材料虚假'], grounds: ['TBR51_7_COLLUSION_OR_FRAUD'] })
        .expect(200);
      await t.http().post(`${api}/tenders/${tender.id}/evaluation/sign`).set(e.auth).send({}).expect(200);
    }
    const r1 = (
      await t
        .http()
        .get(lotPath(tender.id, 1, 'evaluation-report'))
        .set(tender.owner.auth)
        .expect(200)
    ).body;
    const r2 = (
      await t
        .http()
        .get(lotPath(tender.id, 2, 'evaluation-report'))
        .set(tender.owner.auth)
        .expect(200)
    ).body;
    expect([r1.version, r2.version]).toEqual([2, 2]);
    expect(r1.candidates.map((x: { bidId: string }) => x.bidId)).toEqual(lot1);
    expect(r2.candidates.map((x: { bidId: string }) => x.bidId)).toEqual(lot2.slice(1));
    // the lots are published again on the new reports
    const again = (
      await t
        .http()
        .post(lotPath(tender.id, 2, 'publicity'))
        .set(tender.owner.auth)
        .send(later)
        .expect(200)
    ).body;
    expect(again.reportVersion).toBe(2);
    // lot 2 published first: the tender is in PUBLICITY while lot 1 has no notice yet (its candidates: 404)
    expect(await status(tender.id)).toBe('PUBLICITY');
    const lot2First = (await t.http().get(`${api}/tenders/${tender.id}/lots/results`).expect(200)).body;
    expect(lot2First.map((x: { publicity: { status: string } | null }) => x.publicity?.status ?? null)).toEqual([null, 'RUNNING']);
    expect((await t.http().get(lotPath(tender.id, 1, 'candidates'))).status).toBe(404);
  });

  it('the per-lot routes are in the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(
        [
          'lots/results',
          'lots/{lotNo}/evaluation/bids',
          'lots/{lotNo}/evaluation-report',
          'lots/{lotNo}/evaluation-report.pdf',
          'lots/{lotNo}/publicity',
          'lots/{lotNo}/candidates',
          'lots/{lotNo}/award',
          'lots/{lotNo}/result-notice',
          'lots/{lotNo}/contract',
        ].map((p) => `${api}/tenders/{id}/${p}`),
      ),
    );
  });
});
