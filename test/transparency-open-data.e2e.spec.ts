import { Role } from 'src/common/auth/role.enum';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { plaintextOf, sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { waitUntil } from './factories/supervision.factory';
import { createDraftTender, createPublishedTender, type TestTender } from './factories/tender.factory';
import { insertAwardAt } from './factories/transparency.factory';
import { type OcdsKind, ocdsErrors } from './helpers/ocds-schema';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';

/**
 * OCDS open data over the real flow: tenders published, sealed bids submitted with the SDK, opened at the deadline
 * by the platform. The award and contract of the first tender are written with SQL (the evaluation flow is the
 * evaluation module's test). Every document served is validated against the official OCDS 1.1.5 schema + bid
 * extension; the export of a tender before its opening record is public is scanned for anything of its bids.
 */
describe('transparency: OCDS open data (e2e)', () => {
  let t: TestApp;
  let owner: TestParty;
  let bidders: TestParty[];
  const prices = ['36880000.50', '37120000.00', '37990000.99'];

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', OCDS_PREFIX: 'ocds-t3st15', TRADING_CENTRE_CODE: '32090001' } });
    owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    bidders = [];
    for (let i = 0; i < 3; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
  });
  afterAll(() => t?.close());

  const valid = (kind: OcdsKind, doc: unknown) => expect({ kind, errors: ocdsErrors(kind, doc) }).toEqual({ kind, errors: [] });
  const releasesOf = async (tenderId: string) => {
    const res = await t.http().get(`${api}/ocds/releases`).query({ tenderId });
    expect(res.status).toBe(200);
    valid('releasePackage', res.body);
    return res.body;
  };
  const recordOf = async (ocid: string) => {
    const res = await t.http().get(`${api}/ocds/records/${ocid}`);
    expect(res.status).toBe(200);
    valid('recordPackage', res.body);
    return res.body;
  };
  const jsonl = async () => {
    const [d] = await t.dataSource.query(`SELECT to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d`);
    const res = await t
      .http()
      .get(`${api}/ocds/compiled-releases.jsonl`)
      .query({ from: d.d, to: d.d })
      .buffer(true)
      .parse((r, cb) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => cb(null, s));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = (res.body as string)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    for (const l of lines) valid('release', l);
    return lines;
  };

  /** Nothing of the bids: no bidder (name, USCC, id), bid id, price, count or bid section anywhere in the text. */
  function expectNothingSealed(doc: unknown, bids: SubmittedBid[], who: TestParty[]) {
    const text = JSON.stringify(doc);
    for (const b of bids) expect(text).not.toContain(b.body.bidId);
    for (const p of who) {
      expect(text).not.toContain(p.organizationId!);
      expect(text).not.toContain(p.uscc!);
    }
    for (const p of prices) expect(text).not.toContain(String(Number(p)));
    for (const key of ['"bids"', '"numberOfTenderers"', '"tenderers"', '"tenderer"', '"awards"']) expect(text).not.toContain(key);
  }

  async function tenderWithBids(mode: 'ESCROW' | 'BIDDER', deadlineInMs: number): Promise<{ tender: TestTender; bids: SubmittedBid[] }> {
    const tender = await createPublishedTender(t, { owner, deadlineInMs, bidSecurityAmount: '0.00', decryptionMode: mode, budget: '40000000.00', priceCeiling: '38000000.00' });
    const bids: SubmittedBid[] = [];
    for (const [i, b] of bidders.entries()) {
      const r = await sealAndSubmit(t, tender, b, plaintextOf(prices[i], { durationDays: 300 }), { escrow: mode === 'ESCROW' });
      expect(r.status).toBe(201);
      bids.push(r);
    }
    return { tender, bids };
  }
  const statusOf = async (id: string) => (await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [id]))[0].status as string;

  it('a tender through opening, award and contract: valid OCDS at every step; bids only once the opening record is public', async () => {
    const { tender, bids } = await tenderWithBids('ESCROW', 5000);

    // Before the deadline: a tender release and nothing else — in the package, the record and the JSON Lines export.
    const before = await releasesOf(tender.id);
    expect(before.releases.map((r: { tag: string[] }) => r.tag)).toEqual([['tender']]);
    const ocid: string = before.releases[0].ocid;
    const [{ transaction_no }] = await t.dataSource.query(`SELECT transaction_no::text FROM tenders WHERE id = $1`, [tender.id]);
    expect(ocid).toBe(`ocds-t3st15-32090001-${transaction_no.padStart(8, '0')}`);
    expect(before.releases[0]).toMatchObject({
      initiationType: 'tender',
      buyer: { id: expect.stringMatching(/^CN-USCC-/) },
      tender: { id: tender.id, status: 'active', value: { amount: 40000000, currency: 'CNY' }, procurementMethod: 'open', submissionMethod: ['electronicSubmission'] },
    });
    const [doc] = await t.dataSource.query(`SELECT id, name FROM tender_documents WHERE tender_id = $1`, [tender.id]);
    expect(before.releases[0].tender.documents).toEqual([
      expect.objectContaining({
        id: doc.id,
        documentType: 'biddingDocuments',
        title: doc.name,
        url: `http://localhost:${t.config.port}/api/v1/tenders/${tender.id}/documents/${doc.id}/content`,
      }),
    ]);
    expectNothingSealed(before, bids, bidders);
    const recBefore = await recordOf(ocid);
    expectNothingSealed(recBefore, bids, bidders);
    const lineBefore = (await jsonl()).find((l) => l.ocid === ocid);
    expect(lineBefore).toBeDefined();
    expectNothingSealed(lineBefore, bids, bidders);

    // The deadline passes; ESCROW opens everything at once and the record is written: the bids appear.
    await waitUntil(async () => (await t.dataSource.query(`SELECT 1 FROM opening_records WHERE tender_id = $1`, [tender.id])).length > 0, 30_000, 'the opening record');
    const opened = await releasesOf(tender.id);
    expect(opened.releases.map((r: { tag: string[] }) => r.tag)).toEqual([['tender'], ['tenderUpdate']]);
    const update = opened.releases[1];
    expect(update.tender.numberOfTenderers).toBe(3);
    expect(update.bids.details.map((d: { id: string }) => d.id).sort()).toEqual(bids.map((b) => b.body.bidId).sort());
    expect(update.bids.details.map((d: { value: { amount: number } }) => d.value.amount).sort()).toEqual(prices.map(Number).sort());
    expect(update.bids.details.every((d: { status: string }) => d.status === 'pending')).toBe(true);
    expect(update.bids.details[0].tenderers[0].id).toMatch(/^CN-USCC-/);
    expect(JSON.stringify(opened)).not.toMatch(/203\.0\.113|device-|keyCommitment|revealed|escrowedKey|"ip"/);

    // Award (and its contract) to the lowest bid: award and contract releases, the bids evaluated.
    const lowest = bids[0];
    await insertAwardAt(
      t,
      tender.id,
      { organizationId: bidders[0].organizationId!, userId: bidders[0].userId },
      { price: prices[0], noticeIssuedAt: new Date().toISOString(), bidId: lowest.body.bidId },
    );
    await t.dataSource.query(
      `UPDATE awards SET status = 'CONTRACTED', contract_signed_at = clock_timestamp(), contract_no = 'HT-2026-001', contract_amount = $2, contract_recorded_at = clock_timestamp() WHERE tender_id = $1`,
      [tender.id, prices[0]],
    );
    const done = await releasesOf(tender.id);
    expect(done.releases.map((r: { tag: string[] }) => r.tag[0])).toEqual(['tender', 'tenderUpdate', 'award', 'contract']);
    const rec = await recordOf(ocid);
    const compiled = rec.records[0].compiledRelease;
    expect(compiled.tag).toEqual(['compiled']);
    expect(compiled.tender.status).toBe('complete');
    expect(compiled.awards).toEqual([expect.objectContaining({ status: 'active', value: { amount: Number(prices[0]), currency: 'CNY' }, relatedBids: [lowest.body.bidId] })]);
    expect(compiled.contracts).toEqual([expect.objectContaining({ id: 'HT-2026-001', status: 'active' })]);
    expect(compiled.bids.details.every((d: { status: string }) => d.status === 'valid')).toBe(true);
    const supplier = compiled.parties.find((p: { id: string }) => p.id === `CN-USCC-${bidders[0].uscc}`);
    expect([...supplier.roles].sort()).toEqual(['supplier', 'tenderer']);
    expect(rec.records[0].releases).toHaveLength(4);
    const line = (await jsonl()).find((l) => l.ocid === ocid);
    expect(line).toEqual(compiled);

    // The validator can fail: money as a string, an unknown bid status, a release without ocid, a versioned release.
    const broken = JSON.parse(JSON.stringify(compiled));
    broken.tender.value.amount = '40000000.00';
    broken.bids.details[0].status = 'sealed';
    expect(ocdsErrors('release', broken).map((e) => e.instancePath)).toEqual(expect.arrayContaining(['/tender/value/amount', '/bids/details/0/status']));
    const { ocid: _o, ...noOcid } = compiled;
    expect(ocdsErrors('release', noOcid)).not.toEqual([]);
    expect(ocdsErrors('recordPackage', { ...rec, records: [{ ...rec.records[0], versionedRelease: {} }] })).not.toEqual([]);
  });

  it('BIDDER mode: after the deadline, while the decryption window is open, still nothing of the bids; then they appear', async () => {
    const { tender, bids } = await tenderWithBids('BIDDER', 4000);
    await waitUntil(async () => (await statusOf(tender.id)) === 'OPENING', 30_000, 'the opening');
    const during = await releasesOf(tender.id);
    expectNothingSealed(during, bids, bidders);
    expectNothingSealed(await recordOf(during.releases[0].ocid), bids, bidders);
    expectNothingSealed(
      (await jsonl()).find((l) => l.ocid === during.releases[0].ocid),
      bids,
      bidders,
    );

    // The window closes with no bidder having decrypted: the bids are published as withdrawn, without prices.
    await t.dataSource.transaction(async (m) => {
      await m.query(`UPDATE tenders SET decryption_window_ends_at = clock_timestamp() WHERE id = $1`, [tender.id]);
      await t.app.get(SchedulerService).plan(m, { kind: ScheduledEventKind.DecryptionWindowClose, subjectId: tender.id, tenderId: tender.id, runAt: new Date() });
    });
    await waitUntil(async () => (await t.dataSource.query(`SELECT 1 FROM opening_records WHERE tender_id = $1`, [tender.id])).length > 0, 30_000, 'the opening record');
    const after = await releasesOf(tender.id);
    const details = after.releases.find((r: { bids?: unknown }) => r.bids).bids.details;
    expect(details).toHaveLength(3);
    expect(details.every((d: { status: string; value?: unknown }) => d.status === 'withdrawn' && d.value === undefined)).toBe(true);
  });

  it('amendment, cancellation and failure releases are valid OCDS too, and still carry nothing of the bids', async () => {
    // Amended (the deadline moved and a clarification), then cancelled before its deadline, with a bid in.
    const amended = await createPublishedTender(t, { owner, deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    const sealedBid = await sealAndSubmit(t, amended, bidders[0], plaintextOf(prices[0]));
    expect(sealedBid.status).toBe(201);
    const newDeadline = new Date(Date.now() + 2 * 60 * 60_000).toISOString();
    await t.http().post(`${api}/tenders/${amended.id}/amendments`).set(owner.auth).send({ text: '投标截止时间顺延。', bidDeadline: newDeadline }).expect(201);
    await t.http().post(`${api}/tenders/${amended.id}/amendments`).set(owner.auth).send({ text: '第3.2条所称"类似工程"指市政道路工程。', kind: 'CLARIFICATION' }).expect(201);
    const pkg = await releasesOf(amended.id);
    expect(pkg.releases.map((r: { tag: string[] }) => r.tag[0])).toEqual(['tender', 'tenderAmendment', 'tenderAmendment']);
    expect(pkg.releases[0].tender.tenderPeriod.endDate).toBe(amended.body.bidDeadline);
    expect(pkg.releases[2].tender.tenderPeriod.endDate).toBe(newDeadline);
    expect(pkg.releases[2].tender.amendments.map((a: { rationale: string }) => a.rationale)).toEqual(['修改', '澄清']);
    expectNothingSealed(pkg, [sealedBid], [bidders[0]]);
    await t
      .http()
      .post(`${api}/tenders/${amended.id}/cancel`)
      .set(owner.auth)
      .send({ reason: '项目资金未落实，终止招标。' })
      .expect((r) => expect([200, 201]).toContain(r.status));
    const cancelled = await releasesOf(amended.id);
    expect(cancelled.releases.at(-1)).toMatchObject({ tag: ['tenderCancellation'], tender: { status: 'cancelled' } });
    expectNothingSealed(await recordOf(cancelled.releases[0].ocid), [sealedBid], [bidders[0]]);

    // Two bids at the deadline: FAILED without opening (TBL Art. 28) — unsuccessful, and no bid count published.
    const failed = await createPublishedTender(t, { owner, deadlineInMs: 3000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    const two = [await sealAndSubmit(t, failed, bidders[1], plaintextOf(prices[1])), await sealAndSubmit(t, failed, bidders[2], plaintextOf(prices[2]))];
    await waitUntil(async () => (await statusOf(failed.id)) === 'FAILED', 30_000, 'the failure');
    const f = await releasesOf(failed.id);
    expect(f.releases.at(-1)).toMatchObject({ tag: ['tenderUpdate'], tender: { status: 'unsuccessful' } });
    expectNothingSealed(f, two, [bidders[1], bidders[2]]);
    expectNothingSealed(
      (await jsonl()).find((l) => l.ocid === f.releases[0].ocid),
      two,
      [bidders[1], bidders[2]],
    );
  });

  it('answers 404 for drafts, unknown tenders and foreign ocids, 400 for bad input', async () => {
    const draft = await createDraftTender(t, { owner });
    expect((await t.http().get(`${api}/ocds/releases`).query({ tenderId: draft.id })).status).toBe(404);
    expect((await t.http().get(`${api}/ocds/releases`).query({ tenderId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    const bad = await t.http().get(`${api}/ocds/releases`).query({ tenderId: 'x' });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await t.http().get(`${api}/ocds/records/ocds-other1-32090001-00000001`)).status).toBe(404);
    expect((await t.http().get(`${api}/ocds/records/ocds-t3st15-32090001-99999999`)).status).toBe(404);
    const [{ transaction_no }] = await t.dataSource.query(`SELECT transaction_no::text FROM tenders WHERE id = $1`, [draft.id]);
    expect((await t.http().get(`${api}/ocds/records/ocds-t3st15-32090001-${transaction_no.padStart(8, '0')}`)).status).toBe(404);
    expect((await t.http().get(`${api}/ocds/compiled-releases.jsonl`).query({ from: '2026-05-02', to: '2026-05-01' })).status).toBe(400);
  });
});
