import { createPrivateKey, createPublicKey } from 'crypto';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { EscrowKeyService } from 'src/modules/tenders/escrow-key.service';
import { DomainEvents } from 'src/common/events/domain-events';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { createDraftTender, createPublishedTender, tenderBody } from './factories/tender.factory';
import { untilBidDeadlinePassed } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tenders: drafting, publication, reading (e2e, LEGAL_PERIODS=relaxed)', () => {
  let t: TestApp;
  let owner: TestParty;
  const fired: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    t.app.get(DomainEvents).observe('BidDeadlineReached', async (_m, { tenderId }) => void fired.push(tenderId));
  });
  afterAll(() => t.close());

  const count = async (table: string) => Number((await t.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

  it('drafts a tender with the API.md body and returns it as DRAFT', async () => {
    const body = tenderBody({ deadlineInMs: 3600_000 });
    const res = await t.http().post('/api/v1/tenders').set(owner.auth).send(body).expect(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      status: 'DRAFT',
      title: body.title,
      category: 'CONSTRUCTION_WORKS',
      regime: 'ENGINEERING',
      method: 'OPEN',
      budget: '40000000.00',
      priceCeiling: '38000000.00',
      bidDeadline: new Date(body.bidDeadline as string).toISOString(),
      bidSecurityAmount: '200000.00',
      decryption: { mode: 'BIDDER_WITH_ESCROW_FALLBACK', windowMinutes: 30 },
      evaluation: { method: 'LOWEST_EVALUATED_PRICE', priceWeight: null, factors: [] },
      panel: { size: 5, specialties: [{ code: 'A08', count: 5 }] },
      procuringEntityId: owner.organizationId,
      publishedAt: null,
      sealing: { version: 'v1', escrowPublicKey: null },
    });
    const [audit] = await t.dataSource.query(`SELECT action FROM audit_events WHERE tender_id = $1`, [res.body.id]);
    expect(audit.action).toBe('TENDER_CREATED');
  });

  it('publishes: escrow key created, private key sealed at rest, BID_DEADLINE planned at the deadline', async () => {
    const draft = await createDraftTender(t, { owner, deadlineInMs: 3600_000 });
    const res = await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(owner.auth).send({}).expect(200);
    expect(res.body.status).toBe('PUBLISHED');
    expect(res.body.publishedAt).toEqual(expect.any(String));
    const pub = Buffer.from(res.body.sealing.escrowPublicKey, 'base64');
    expect(pub).toHaveLength(32);
    const [row] = await t.dataSource.query(`SELECT escrow_public_key, escrow_private_key_sealed FROM tenders WHERE id = $1`, [draft.id]);
    expect(row.escrow_public_key).toBe(res.body.sealing.escrowPublicKey);
    expect(row.escrow_private_key_sealed).toBeNull(); // split among the custodians (issue 17, threshold escrow)
    const shares = await t.dataSource.query(`SELECT custodian FROM escrow_custody_shares WHERE tender_id = $1 AND secret_id = 'escrow-key'`, [draft.id]);
    expect(shares).toEqual([{ custodian: 'platform' }]);
    const [ev] = await t.dataSource.query(`SELECT kind, run_at, status FROM scheduled_events WHERE subject_id = $1`, [draft.id]);
    expect(ev).toMatchObject({ kind: ScheduledEventKind.BidDeadline, status: 'PENDING' });
    expect(new Date(ev.run_at).toISOString()).toBe(res.body.bidDeadline);
    // Anyone reads it without a token.
    const got = await t.http().get(`/api/v1/tenders/${draft.id}`).expect(200);
    expect(got.body.sealing).toEqual({
      version: 'v1',
      escrowPublicKey: res.body.sealing.escrowPublicKey,
      // format v2 (additive): the suites accepted, the SM2 escrow key of GM-1, the bid-file size limit
      acceptedSuites: ['INTL-1', 'GM-1'],
      escrowPublicKeySm2: expect.stringMatching(/^04[0-9a-f]{128}$/),
      maxBidFileBytes: 629145600,
    });
  });

  it('the escrow key unseals only from the deadline on, matches the public key, and every unsealing is audited', async () => {
    const tender = await createPublishedTender(t, { owner, deadlineInMs: 1500 });
    const escrow = t.app.get(EscrowKeyService);
    await expect(t.dataSource.transaction((m) => escrow.unseal(m, tender.id, SYSTEM_ACTOR))).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
    await untilBidDeadlinePassed(t.dataSource, tender.id);
    const key = await t.dataSource.transaction((m) => escrow.unseal(m, tender.id, SYSTEM_ACTOR));
    expect(key).toHaveLength(32);
    const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), key]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
    expect(spki.subarray(12).toString('base64')).toBe(tender.escrowPublicKey);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_KEY_UNSEALED'`, [tender.id]);
    expect(n).toBe(1);
  });

  it('the deadline job announces BidDeadlineReached on time, once', async () => {
    const before = Date.now();
    const tender = await createPublishedTender(t, { owner, deadlineInMs: 1200 });
    const deadline = new Date(tender.body.bidDeadline as string).getTime();
    const end = Date.now() + 8000;
    while (!fired.includes(tender.id) && Date.now() < end) await sleep(25);
    expect(fired.filter((id) => id === tender.id)).toHaveLength(1);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
    expect(Date.now() - before).toBeLessThan(8000);
    // The handlers run inside the event's transaction: the row says DONE once it commits (poll, never read once).
    let status = '';
    for (const until = Date.now() + 8000; status !== 'DONE' && Date.now() < until; await sleep(25)) {
      [{ status }] = await t.dataSource.query(`SELECT status FROM scheduled_events WHERE subject_id = $1`, [tender.id]);
    }
    expect(status).toBe('DONE');
  });

  it('two concurrent publications of one draft: one succeeds, one 409 CONFLICT', async () => {
    const draft = await createDraftTender(t, { owner, deadlineInMs: 3600_000 });
    const [a, b] = await Promise.all([
      t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(owner.auth).send({}),
      t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(owner.auth).send({}),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((a.status === 409 ? a : b).body.code).toBe('CONFLICT');
    const events = await t.dataSource.query(`SELECT id FROM scheduled_events WHERE subject_id = $1`, [draft.id]);
    expect(events).toHaveLength(1);
    const published = await t.dataSource.query(`SELECT 1 FROM audit_events WHERE tender_id = $1 AND action = 'TENDER_PUBLISHED'`, [draft.id]);
    expect(published).toHaveLength(1);
  });

  it('drafts are visible to their procuring entity only: others get 404, also on publish', async () => {
    const draft = await createDraftTender(t, { owner });
    const other = await registerParty(t, { role: Role.PROCURING_ENTITY });
    const bidder = await registerParty(t);
    await t.http().get(`/api/v1/tenders/${draft.id}`).set(owner.auth).expect(200);
    for (const auth of [{}, other.auth, bidder.auth]) {
      const res = await t.http().get(`/api/v1/tenders/${draft.id}`).set(auth).expect(404);
      expect(res.body.code).toBe('NOT_FOUND');
    }
    expect((await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(other.auth).send({}).expect(404)).body.code).toBe('NOT_FOUND');
    const list = await t.http().get('/api/v1/tenders?pageSize=200').expect(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(draft.id);
    const mine = await t.http().get('/api/v1/tenders?mine=true&pageSize=200').set(owner.auth).expect(200);
    expect(mine.body.items.map((i: { id: string }) => i.id)).toContain(draft.id);
  });

  it('lists published tenders publicly, paged { items, total }', async () => {
    await createPublishedTender(t, { owner, title: '盐城市第一人民医院医疗设备采购', deadlineInMs: 3600_000 });
    const page = await t.http().get('/api/v1/tenders?page=1&pageSize=1').expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    expect(page.body.items[0].status).not.toBe('DRAFT');
    const found = await t
      .http()
      .get(`/api/v1/tenders?q=${encodeURIComponent('医疗设备')}`)
      .expect(200);
    expect(found.body.items.map((i: { title: string }) => i.title)).toEqual(['盐城市第一人民医院医疗设备采购']);
    await t.http().get('/api/v1/tenders?pageSize=0').expect(400);
    await t.http().get('/api/v1/tenders?status=OPENISH').expect(400);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    for (const path of [
      '/api/v1/tenders',
      '/api/v1/tenders/{id}/publish',
      '/api/v1/tenders/{id}/amendments',
      '/api/v1/tenders/{id}/cancel',
      '/api/v1/tenders/{id}/objections',
      '/api/v1/admin/holidays/{year}',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
  });

  describe('roles', () => {
    it('only a procuring entity drafts; a bidder, an expert, a supervisor, nobody: 403/401, nothing stored', async () => {
      const before = await count('tenders');
      const bidder = await registerParty(t);
      const expert = await createStaff(t, Role.EXPERT);
      const supervisor = await createStaff(t, Role.SUPERVISOR);
      for (const p of [bidder, expert, supervisor]) {
        expect((await t.http().post('/api/v1/tenders').set(p.auth).send(tenderBody()).expect(403)).body.code).toBe('FORBIDDEN');
      }
      expect((await t.http().post('/api/v1/tenders').send(tenderBody()).expect(401)).body.code).toBe('UNAUTHENTICATED');
      expect(await count('tenders')).toBe(before);
    });

    it('a bidder cannot publish (403); another procuring entity cannot publish a published tender (403)', async () => {
      const draft = await createDraftTender(t, { owner });
      const bidder = await registerParty(t);
      await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(bidder.auth).send({}).expect(403);
      await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(owner.auth).send({}).expect(200);
      const other = await registerParty(t, { role: Role.PROCURING_ENTITY });
      expect((await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(other.auth).send({}).expect(403)).body.code).toBe('FORBIDDEN');
      expect((await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(owner.auth).send({}).expect(409)).body.code).toBe('CONFLICT');
    });
  });

  describe('bad input: 400 VALIDATION_FAILED naming the field, nothing stored', () => {
    const base = () => tenderBody({ deadlineInMs: 3600_000 });
    const cases: Array<[string, (b: Record<string, unknown>) => unknown, string]> = [
      ['a price floor (TBR Art. 27)', (b) => ({ ...b, priceFloor: '1000.00' }), 'priceFloor'],
      ['an unknown field', (b) => ({ ...b, secretDiscount: true }), 'secretDiscount'],
      ['budget as a float', (b) => ({ ...b, budget: 40000000.5 }), 'budget'],
      ['budget with 3 decimals', (b) => ({ ...b, budget: '1.005' }), 'budget'],
      ['a zero budget', (b) => ({ ...b, budget: '0.00' }), 'budget'],
      ['an unknown regime', (b) => ({ ...b, regime: 'PRIVATE' }), 'regime'],
      ['an unknown category', (b) => ({ ...b, category: 'SPACE' }), 'category'],
      ['an unknown method', (b) => ({ ...b, method: 'DIRECT' }), 'method'],
      ['a deadline without a time zone', (b) => ({ ...b, bidDeadline: '2031-01-01T09:00:00' }), 'bidDeadline'],
      ['a deadline that is not a date', (b) => ({ ...b, bidDeadline: 'tomorrow' }), 'bidDeadline'],
      ['a deadline in the past', (b) => ({ ...b, bidDeadline: new Date(Date.now() - 60_000).toISOString() }), 'bidDeadline'],
      ['a missing decryption', (b) => ({ ...b, decryption: undefined }), 'decryption'],
      ['an unknown decryption mode', (b) => ({ ...b, decryption: { mode: 'NONE', windowMinutes: 30 } }), 'decryption.mode'],
      ['a zero decryption window', (b) => ({ ...b, decryption: { mode: 'BIDDER', windowMinutes: 0 } }), 'decryption.windowMinutes'],
      ['bid security above 2% of the budget (TBR Art. 26)', (b) => ({ ...b, budget: '10000000.00', priceCeiling: undefined, bidSecurityAmount: '200000.01' }), 'bidSecurityAmount'],
      [
        'bid security above ¥800,000 for works (BID30 Art. 37)',
        (b) => ({ ...b, budget: '100000000.00', priceCeiling: undefined, bidSecurityAmount: '800000.01' }),
        'bidSecurityAmount',
      ],
      ['a ceiling above the budget', (b) => ({ ...b, priceCeiling: '40000000.01' }), 'priceCeiling'],
      ['a panel of 3 (TBL Art. 37)', (b) => ({ ...b, panel: { size: 3, specialties: [{ code: 'A08', count: 3 }] } }), 'panel.size'],
      ['an even panel (TBL Art. 37)', (b) => ({ ...b, panel: { size: 6, specialties: [{ code: 'A08', count: 6 }] } }), 'panel.size'],
      [
        'specialty counts above the panel size',
        (b) => ({
          ...b,
          panel: {
            size: 5,
            specialties: [
              { code: 'A08', count: 4 },
              { code: 'B01', count: 2 },
            ],
          },
        }),
        'panel.specialties',
      ],
      ['an unknown evaluation method', (b) => ({ ...b, evaluation: { method: 'AUCTION' } }), 'evaluation.method'],
      ['scoring without weights', (b) => ({ ...b, evaluation: { method: 'COMPREHENSIVE_SCORING' } }), 'evaluation.priceWeight'],
      ['a price weight on lowest price', (b) => ({ ...b, evaluation: { method: 'LOWEST_EVALUATED_PRICE', priceWeight: '0.30' } }), 'evaluation.priceWeight'],
      [
        'factors not adding up to 100 × (1 − priceWeight)',
        (b) => ({ ...b, evaluation: { method: 'COMPREHENSIVE_SCORING', priceWeight: '0.40', factors: [{ code: 'TECH', name: '技术', maxScore: 50 }] } }),
        'evaluation.factors',
      ],
      [
        'a price weight above 1',
        (b) => ({ ...b, evaluation: { method: 'COMPREHENSIVE_SCORING', priceWeight: '1.5', factors: [{ code: 'T', name: '技术', maxScore: 50 }] } }),
        'evaluation.priceWeight',
      ],
      [
        'lots not adding up to the budget',
        (b) => ({
          ...b,
          lots: [
            { title: '一标段', budget: '10000000.00' },
            { title: '二标段', budget: '10000000.00' },
          ],
        }),
        'lots',
      ],
      ['an empty title', (b) => ({ ...b, title: '   ' }), 'title'],
    ];
    it.each(cases)('%s', async (_name, mutate, field) => {
      const before = await count('tenders');
      const res = await t
        .http()
        .post('/api/v1/tenders')
        .set(owner.auth)
        .send(mutate(base()) as object)
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await count('tenders')).toBe(before);
    });

    it('a bad id is a 400, an unknown one a 404', async () => {
      await t.http().get('/api/v1/tenders/not-a-uuid').expect(400);
      await t.http().get('/api/v1/tenders/00000000-0000-4000-8000-000000000000').expect(404);
      await t.http().post('/api/v1/tenders/not-a-uuid/publish').set(owner.auth).send({}).expect(400);
    });

    it('publish needs no body at all', async () => {
      const draft = await createDraftTender(t, { owner });
      const res = await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(owner.auth).expect(200);
      expect(res.body.status).toBe('PUBLISHED');
    });

    it('publish refuses a body with fields', async () => {
      const draft = await createDraftTender(t, { owner });
      await t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(owner.auth).send({ status: 'AWARDED' }).expect(400);
      expect((await t.http().get(`/api/v1/tenders/${draft.id}`).set(owner.auth)).body.status).toBe('DRAFT');
    });
  });
});
