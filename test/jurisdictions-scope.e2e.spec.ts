import { Role } from 'src/common/auth/role.enum';
import { adminParty, createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { insertBidders, insertOpenedTender, type SqlParty } from './factories/supervision.factory';
import { tenderBody } from './factories/tender.factory';
import { JurisdictionsService } from 'src/modules/jurisdictions/jurisdictions.service';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';
const DONGTAI = '320981';
const BINHAI = '320922';

/**
 * Issue 19, jurisdictions and sector regulators: every tender belongs to the city or a county; a county supervisor
 * (and a county's sector regulator) sees only its county's (and trade's) flags, cases, complaints and figures; the
 * city's supervisors — and every SUPERVISOR without a scope (API.md v1) — see all.
 */
describe('jurisdictions: supervision scopes (e2e)', () => {
  let t: TestApp;
  let admin: TestParty;
  let city: TestParty;
  let dongtai: TestParty;
  let binhai: TestParty;
  let dongtaiWater: TestParty;
  let bidder: TestParty;
  let firms: SqlParty[];
  const tender = { dtWater: '', dtHousing: '', bhHousing: '' };

  const scope = (who: TestParty, body: object) => t.http().put(`${api}/admin/users/${who.userId}/supervision-scope`).set(admin.auth).send(body);

  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    admin = await adminParty(t);
    [city, dongtai, binhai, dongtaiWater] = await Promise.all([1, 2, 3, 4].map(() => createStaff(t, Role.SUPERVISOR)));
    bidder = await registerParty(t, { role: Role.BIDDER });
    firms = await insertBidders(t, 4);
    const owner = firms[3];
    const bids = firms.slice(0, 3).map((party, i) => ({ party, price: `${1_000_000 + i * 1000}.00` }));
    const make = async (jurisdiction: string, sector: string, subClass: string) => {
      const { tenderId } = await insertOpenedTender(t, owner, bids, { category: 'CONSTRUCTION_WORKS', regime: 'ENGINEERING', daysAgo: 1 });
      await t.dataSource.query(`UPDATE tenders SET jurisdiction_code = $2, sector = $3, sub_class = $4 WHERE id = $1`, [tenderId, jurisdiction, sector, subClass]);
      await t.dataSource.query(
        `INSERT INTO collusion_flags (scope, tender_id, code, severity, bidder_ids, evidence, legal_basis)
         VALUES ('TENDER', $1, 'SAME_DEVICE', 'HIGH', $2, '{}', 'TBR Art. 40(2)')`,
        [tenderId, [firms[0].organizationId, firms[1].organizationId]],
      );
      return tenderId;
    };
    tender.dtWater = await make(DONGTAI, 'WATER', 'WATER');
    tender.dtHousing = await make(DONGTAI, 'HOUSING', 'HOUSING_MUNICIPAL');
    tender.bhHousing = await make(BINHAI, 'HOUSING', 'HOUSING_MUNICIPAL');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('lists the city and its counties, and the classification', async () => {
    const j = await t.http().get(`${api}/jurisdictions`);
    expect(j.status).toBe(200);
    expect(j.body[0]).toEqual({ code: '320900', name: '盐城市', level: 'CITY', parentCode: null });
    expect(j.body).toEqual(expect.arrayContaining([{ code: DONGTAI, name: '东台市', level: 'COUNTY', parentCode: '320900' }]));
    const c = await t.http().get(`${api}/classification`);
    const works = c.body.classes.find((x: { code: string }) => x.code === 'CONSTRUCTION_WORKS');
    expect(works.subClasses.map((s: { code: string }) => s.code)).toEqual(expect.arrayContaining(['HOUSING_MUNICIPAL', 'TRANSPORT', 'WATER', 'WORKS_SUPERVISION']));
  });

  it('scopes supervisors; bad scopes are clear 4xx and store nothing', async () => {
    expect((await scope(dongtai, { jurisdiction: DONGTAI })).status).toBe(200);
    expect((await scope(binhai, { jurisdiction: BINHAI })).status).toBe(200);
    const w = await scope(dongtaiWater, { jurisdiction: DONGTAI, sectors: ['WATER'] });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ jurisdiction: { code: DONGTAI, level: 'COUNTY' }, sectors: ['WATER'], all: false });
    expect((await t.http().get(`${api}/admin/users/${dongtaiWater.userId}/supervision-scope`).set(admin.auth)).body).toMatchObject({ sectors: ['WATER'] });
    expect((await t.http().get(`${api}/admin/users/${bidder.userId}/supervision-scope`).set(admin.auth)).status).toBe(404);
    // Repeating it changes nothing (one audit event).
    expect((await scope(dongtaiWater, { jurisdiction: DONGTAI, sectors: ['WATER'] })).status).toBe(200);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'SUPERVISION_SCOPE_SET' AND object_id = $1`, [dongtaiWater.userId]);
    expect(n).toBe(1);

    const unknown = await scope(city, { jurisdiction: '999999' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('VALIDATION_FAILED');
    expect((await scope(city, { jurisdiction: '3209' })).status).toBe(400);
    expect((await scope(city, { jurisdiction: DONGTAI, sectors: ['POLICE'] })).status).toBe(400);
    const notSupervisor = await t.http().put(`${api}/admin/users/${bidder.userId}/supervision-scope`).set(admin.auth).send({ jurisdiction: DONGTAI });
    expect(notSupervisor.status).toBe(400);
    const nobody = await t.http().put(`${api}/admin/users/00000000-0000-4000-8000-000000000000/supervision-scope`).set(admin.auth).send({ jurisdiction: DONGTAI });
    expect(nobody.status).toBe(404);
    expect((await t.http().put(`${api}/admin/users/${city.userId}/supervision-scope`).set(dongtai.auth).send({ jurisdiction: '320900' })).status).toBe(403);
    // No scope row: a city supervisor of every trade (API.md v1).
    const mine = await t.http().get(`${api}/supervision/scope`).set(city.auth);
    expect(mine.body).toMatchObject({ jurisdiction: { code: '320900', level: 'CITY' }, sectors: null, all: true });
    const [{ rows }] = await t.dataSource.query(`SELECT count(*)::int AS rows FROM supervisor_scopes WHERE user_id = $1`, [city.userId]);
    expect(rows).toBe(0);
  });

  it('a tender is drafted in a jurisdiction and sub-class; without one it is the city’s', async () => {
    const pe = await registerParty(t, { role: Role.PROCURING_ENTITY });
    const dt = await t
      .http()
      .post(`${api}/tenders`)
      .set(pe.auth)
      .send(tenderBody({ extra: { jurisdiction: DONGTAI, subClass: 'WATER' } }));
    expect(dt.status).toBe(201);
    expect(dt.body).toMatchObject({ jurisdiction: { code: DONGTAI, name: '东台市', level: 'COUNTY' }, subClass: 'WATER', sector: 'WATER' });
    const plain = await t.http().post(`${api}/tenders`).set(pe.auth).send(tenderBody());
    expect(plain.body).toMatchObject({ jurisdiction: { code: '320900', level: 'CITY' }, subClass: null, sector: 'HOUSING' });
    const gp = await t
      .http()
      .post(`${api}/tenders`)
      .set(pe.auth)
      .send(tenderBody({ regime: 'GOV_PROCUREMENT', category: 'GOODS', panel: { size: 7, specialties: [{ code: 'A08', count: 7 }] }, extra: { subClass: 'GOODS' } }));
    expect(gp.status).toBe(201);
    expect(gp.body.sector).toBe('FINANCE'); // GPL Art. 13 (not in regulations.md; from the statute text)
    const wrong = await t
      .http()
      .post(`${api}/tenders`)
      .set(pe.auth)
      .send(tenderBody({ category: 'GOODS', extra: { subClass: 'WATER' } }));
    expect(wrong.status).toBe(400);
    expect(wrong.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'subClass' })]));
    const nowhere = await t
      .http()
      .post(`${api}/tenders`)
      .set(pe.auth)
      .send(tenderBody({ extra: { jurisdiction: '110101' } }));
    expect(nowhere.status).toBe(400);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM tenders WHERE procuring_entity_id = $1`, [pe.organizationId]);
    expect(n).toBe(3);
    const listed = await t.http().get(`${api}/tenders?jurisdiction=${DONGTAI}&mine=true`).set(pe.auth);
    expect(listed.body.items.map((x: { id: string }) => x.id)).toEqual([dt.body.id]);
  });

  it('flags: a county supervisor sees only its county, a sector regulator only its trade, the city all', async () => {
    const ids = async (who: TestParty) =>
      ((await t.http().get(`${api}/supervision/flags?pageSize=200`).set(who.auth)).body.items as Array<{ tenderId: string }>).map((f) => f.tenderId).sort();
    expect(await ids(city)).toEqual([tender.dtWater, tender.dtHousing, tender.bhHousing].sort());
    expect(await ids(dongtai)).toEqual([tender.dtWater, tender.dtHousing].sort());
    expect(await ids(binhai)).toEqual([tender.bhHousing]);
    expect(await ids(dongtaiWater)).toEqual([tender.dtWater]);
    const foreign = await t.http().get(`${api}/tenders/${tender.bhHousing}/flags`).set(dongtai.auth);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');
    expect((await t.http().get(`${api}/tenders/${tender.dtHousing}/flags`).set(dongtaiWater.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/flags.pdf`).set(dongtai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.dtHousing}/flags`).set(dongtai.auth)).status).toBe(200);
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/flags`).set(city.auth)).status).toBe(200);
  });

  it('cases: opened, listed, read and worked within the scope only', async () => {
    const open = (who: TestParty, tenderId: string) =>
      t
        .http()
        .post(`${api}/supervision/cases`)
        .set(who.auth)
        .send({
          tenderId,
          flagCodes: ['SAME_DEVICE'],
          subjects: [{ organizationId: firms[0].organizationId }],
          summary: '同一设备制作投标文件',
        });
    const bh = await open(binhai, tender.bhHousing);
    expect(bh.status).toBe(201);
    const dt = await open(dongtai, tender.dtHousing);
    expect(dt.status).toBe(201);
    const denied = await open(dongtai, tender.bhHousing);
    expect(denied.status).toBe(404);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM supervision_cases WHERE tender_id = $1`, [tender.bhHousing]);
    expect(n).toBe(1);

    const listed = (who: TestParty) => t.http().get(`${api}/supervision/cases`).set(who.auth);
    expect((await listed(dongtai)).body.items.map((c: { id: string }) => c.id)).toEqual([dt.body.id]);
    expect((await listed(binhai)).body.items.map((c: { id: string }) => c.id)).toEqual([bh.body.id]);
    expect((await listed(city)).body.total).toBe(2);
    expect((await listed(dongtaiWater)).body.total).toBe(0);
    expect((await t.http().get(`${api}/supervision/cases/${bh.body.id}`).set(dongtai.auth)).status).toBe(404);
    const patch = await t.http().patch(`${api}/supervision/cases/${bh.body.id}`).set(dongtai.auth).send({ status: 'INVESTIGATING' });
    expect(patch.status).toBe(404);
    const [{ status }] = await t.dataSource.query(`SELECT status FROM supervision_cases WHERE id = $1`, [bh.body.id]);
    expect(status).toBe('OPEN');
    expect((await t.http().patch(`${api}/supervision/cases/${bh.body.id}`).set(binhai.auth).send({ status: 'INVESTIGATING' })).status).toBe(200);
  });

  it('complaints: listed, read and handled within the scope only', async () => {
    const file = async (tenderId: string) => {
      const res = await t
        .http()
        .post(`${api}/tenders/${tenderId}/complaints`)
        .set(bidder.auth)
        .send({
          stage: 'OTHER',
          text: `投诉：评标过程存在违规 ${tenderId}`,
          knownAt: new Date(Date.now() - 3_600_000).toISOString(),
        });
      if (res.status !== 201) throw new Error(`complaint failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    };
    const dt = await file(tender.dtWater);
    const bh = await file(tender.bhHousing);
    const listed = async (who: TestParty) => ((await t.http().get(`${api}/supervision/complaints`).set(who.auth)).body.items as Array<{ id: string }>).map((c) => c.id);
    expect(await listed(dongtai)).toEqual([dt]);
    expect(await listed(binhai)).toEqual([bh]);
    expect((await listed(city)).sort()).toEqual([dt, bh].sort());
    expect(await listed(dongtaiWater)).toEqual([dt]);
    expect((await t.http().get(`${api}/supervision/complaints/${bh}`).set(dongtai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/complaints`).set(dongtai.auth)).status).toBe(404);
    const handle = await t.http().patch(`${api}/supervision/complaints/${bh}`).set(dongtai.auth).send({ status: 'ACCEPTED' });
    expect(handle.status).toBe(404);
    const [{ status }] = await t.dataSource.query(`SELECT status FROM complaints WHERE id = $1`, [bh]);
    expect(status).toBe('FILED');
    expect((await t.http().patch(`${api}/supervision/complaints/${dt}`).set(dongtai.auth).send({ status: 'ACCEPTED' })).status).toBe(200);
  });

  it('statistics: a scoped supervisor’s figures are its county’s; another county’s is 403 for it, public for all', async () => {
    const q = (extra = '') => {
      const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const from = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
      return `${api}/statistics?from=${from}&to=${to}${extra}`;
    };
    const all = await t.http().get(q());
    expect(all.status).toBe(200);
    expect(all.body.tenders).toBe(3);
    const mine = await t.http().get(q()).set(dongtai.auth);
    expect(mine.body.tenders).toBe(2);
    expect(mine.body.coverage.jurisdiction.code).toBe(DONGTAI);
    expect(mine.body.supervision.openedTenders).toBe(2);
    const water = await t.http().get(q()).set(dongtaiWater.auth);
    expect(water.body.tenders).toBe(1);
    expect(water.body.coverage.sectors).toEqual(['WATER']);
    const other = await t
      .http()
      .get(q(`&jurisdiction=${BINHAI}`))
      .set(dongtai.auth);
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('FORBIDDEN');
    const pub = await t.http().get(q(`&jurisdiction=${BINHAI}`));
    expect(pub.body.tenders).toBe(1);
    const cityView = await t.http().get(q()).set(city.auth);
    expect(cityView.body.supervision.openedTenders).toBe(3);
    expect((await t.http().get(q('&jurisdiction=123'))).status).toBe(400);
    expect((await t.http().get(q('&jurisdiction=999999'))).status).toBe(400);
  });

  it('audit log: a scoped supervisor reads its own tenders’ events only; the city reads all', async () => {
    const audit = (who: TestParty, query: string) => t.http().get(`${api}/audit${query}`).set(who.auth);
    expect((await audit(dongtai, `?tenderId=${tender.dtHousing}`)).status).toBe(200);
    expect((await audit(dongtai, `?tenderId=${tender.bhHousing}`)).status).toBe(404);
    const all = await audit(dongtai, '');
    expect(all.status).toBe(403);
    expect(all.body.code).toBe('FORBIDDEN');
    expect((await audit(city, '')).status).toBe(200);
    expect((await audit(city, `?tenderId=${tender.bhHousing}`)).status).toBe(200);
    expect((await t.http().get(`${api}/audit/verify?tenderId=${tender.bhHousing}`).set(dongtai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/audit/verify?tenderId=${tender.dtHousing}`).set(dongtai.auth)).status).toBe(200);
  });

  it('evaluation report: another county’s is 404 for a county supervisor', async () => {
    // No report exists for these tenders: the scope check answers first, as if the tender were unknown.
    const foreign = await t.http().get(`${api}/tenders/${tender.bhHousing}/evaluation-report`).set(dongtai.auth);
    expect(foreign.status).toBe(404);
    const own = await t.http().get(`${api}/tenders/${tender.dtHousing}/evaluation-report`).set(dongtai.auth);
    expect(own.status).not.toBe(404);
  });

  it('objections and notices to supervisors follow the scope', async () => {
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/objections`).set(dongtai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.dtHousing}/objections`).set(dongtai.auth)).status).toBe(200);
    const svc = t.app.get(JurisdictionsService);
    const ids = async (tenderId: string) => (await svc.supervisorsOf(t.dataSource.manager, tenderId)).map((u) => u.id);
    const dtWater = await ids(tender.dtWater);
    expect(dtWater).toEqual(expect.arrayContaining([city.userId, dongtai.userId, dongtaiWater.userId]));
    expect(dtWater).not.toContain(binhai.userId);
    const dtHousing = await ids(tender.dtHousing);
    expect(dtHousing).toContain(dongtai.userId);
    expect(dtHousing).not.toContain(dongtaiWater.userId);
    expect(await ids(tender.bhHousing)).toEqual(expect.arrayContaining([city.userId, binhai.userId]));
    expect(await ids(tender.bhHousing)).not.toContain(dongtai.userId);
  });

  it('panel and document downloads: a supervisor of another county has no supervisor’s view', async () => {
    // Before the award the panel is confidential: a supervisor of the tender passes the check (no draw here: 404);
    // to one of another county the tender is as if unknown (404 too, never the 403 that would confirm it).
    expect((await t.http().get(`${api}/tenders/${tender.dtHousing}/panel`).set(dongtai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.dtHousing}/panel`).set(binhai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/document-downloads`).set(dongtai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.dtHousing}/document-downloads`).set(dongtai.auth)).status).toBe(200);
  });

  it('bid security, guarantees, validity extensions, opening hall, record and objections, challenges: 404 outside the scope, the city sees all', async () => {
    const get = (who: TestParty, tenderId: string, path: string) => t.http().get(`${api}/tenders/${tenderId}/${path}`).set(who.auth);
    for (const path of [
      'bid-security',
      'bid-security/guarantees',
      'bid-security/reconciliation',
      'bid-validity-extensions',
      'opening-hall',
      'opening-objections',
      'opening-record',
      'challenges',
    ]) {
      const foreign = await get(dongtai, tender.bhHousing, path);
      expect({ path, status: foreign.status, code: foreign.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
      // Another trade in the same county: 404 as well.
      expect({ path, status: (await get(dongtaiWater, tender.dtHousing, path)).status }).toEqual({ path, status: 404 });
      // The supervisors of the tender, and the city's, get past the scope (the record is not filed yet: sealed).
      for (const who of [binhai, city]) {
        const res = await get(who, tender.bhHousing, path);
        if (path === 'opening-record') expect({ path, code: res.body.code }).toEqual({ path, code: 'SEALED_UNTIL_OPENING' });
        else expect({ path, status: res.status }).toEqual({ path, status: 200 });
      }
    }
  });

  it('evaluation status, clarifications and result objections: 404 outside the scope', async () => {
    for (const path of ['evaluation', 'evaluation/clarifications', 'result-objections']) {
      const foreign = await t.http().get(`${api}/tenders/${tender.bhHousing}/${path}`).set(dongtai.auth);
      expect({ path, status: foreign.status, code: foreign.body.code }).toEqual({ path, status: 404, code: 'NOT_FOUND' });
      for (const who of [binhai, city]) {
        const res = await t.http().get(`${api}/tenders/${tender.bhHousing}/${path}`).set(who.auth);
        expect({ path, notFound: res.status === 404 }).toEqual({ path, notFound: false });
      }
    }
  });

  it('opening record once public: another county’s supervisor reads the public record only, not the participants’ record', async () => {
    const record = { tenderId: tender.bhHousing, bids: [{ seq: 1, bidderName: '甲', attachments: [{ name: 'a.pdf' }] }] };
    await t.dataSource.query(
      `INSERT INTO opening_records (tender_id, record, record_sha256, window_closed_at, created_at) VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp())`,
      [tender.bhHousing, JSON.stringify(record), 'a'.repeat(64)],
    );
    try {
      const foreign = await t.http().get(`${api}/tenders/${tender.bhHousing}/opening-record`).set(dongtai.auth);
      const own = await t.http().get(`${api}/tenders/${tender.bhHousing}/opening-record`).set(binhai.auth);
      expect([foreign.status, own.status]).toEqual([200, 200]);
      expect(own.body.bids[0].attachments).toEqual([{ name: 'a.pdf' }]);
      expect(foreign.body.bids[0].attachments).toEqual([]);
    } finally {
      await t.dataSource.query(`DELETE FROM opening_records WHERE tender_id = $1`, [tender.bhHousing]);
    }
  });

  it('expert draws: draw record, alerts and redraw follow the scope', async () => {
    const draw = async (tenderId: string) => {
      const [d] = await t.dataSource.query(
        `INSERT INTO expert_draws (tender_id, procuring_entity_id, algorithm, seed_hex, seed_commitment, status)
         SELECT id, procuring_entity_id, 'test', $2, $3, 'INSUFFICIENT_EXPERTS' FROM tenders WHERE id = $1 RETURNING id`,
        [tenderId, 'b'.repeat(64), 'c'.repeat(64)],
      );
      await t.dataSource.query(`INSERT INTO expert_draw_alerts (tender_id, draw_id, kind, details) VALUES ($1, $2, 'INSUFFICIENT_EXPERTS', '{}')`, [tenderId, d.id]);
      return d.id as string;
    };
    await draw(tender.dtHousing);
    await draw(tender.bhHousing);
    const alerts = async (who: TestParty) => ((await t.http().get(`${api}/experts/draw-alerts`).set(who.auth)).body as Array<{ tenderId: string }>).map((a) => a.tenderId).sort();
    expect(await alerts(dongtai)).toEqual([tender.dtHousing]);
    expect(await alerts(binhai)).toEqual([tender.bhHousing]);
    expect(await alerts(dongtaiWater)).toEqual([]);
    expect(await alerts(city)).toEqual([tender.dtHousing, tender.bhHousing].sort());
    expect(await alerts(admin)).toEqual([tender.dtHousing, tender.bhHousing].sort());

    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/panel/draw-record`).set(dongtai.auth)).status).toBe(404);
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/panel`).set(dongtai.auth)).status).toBe(404);
    const own = await t.http().get(`${api}/tenders/${tender.bhHousing}/panel/draw-record`).set(binhai.auth);
    expect(own.status).toBe(200);
    expect(own.body.candidatesDisclosed).toBe(true);
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/panel/draw-record`).set(city.auth)).status).toBe(200);
    // Another party (no supervisor) is still refused as before: confidential (403).
    expect((await t.http().get(`${api}/tenders/${tender.bhHousing}/panel/draw-record`).set(bidder.auth)).status).toBe(403);

    const redraw = await t.http().post(`${api}/tenders/${tender.bhHousing}/panel/redraw`).set(dongtai.auth);
    expect(redraw.status).toBe(404);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND actor_id = $2`, [tender.bhHousing, dongtai.userId]);
    expect(n).toBe(0);
  });

  it('history flags: shown to a scoped supervisor only with its own tenders; the history recompute is the city’s', async () => {
    const rotation = {
      tendersTogether: 2,
      sequence: [
        { tenderId: tender.dtHousing, winner: firms[0].organizationId, ringWon: true },
        { tenderId: tender.bhHousing, winner: firms[1].organizationId, ringWon: true },
      ],
    };
    const members = [firms[0].organizationId, firms[1].organizationId];
    const [both] = await t.dataSource.query(
      `INSERT INTO collusion_flags (scope, tender_ids, code, severity, bidder_ids, evidence, legal_basis)
       VALUES ('HISTORY', $1, 'BID_ROTATION', 'MEDIUM', $2, $3, 'TBR Art. 39') RETURNING id`,
      [[tender.dtHousing, tender.bhHousing].sort(), members, JSON.stringify(rotation)],
    );
    const [binhaiOnly] = await t.dataSource.query(
      `INSERT INTO collusion_flags (scope, tender_ids, code, severity, bidder_ids, evidence, legal_basis)
       VALUES ('HISTORY', $1, 'SERIAL_LOSER', 'LOW', $2, '{"validBids": 5}', 'TBR Art. 39') RETURNING id`,
      [[tender.bhHousing], [firms[0].organizationId]],
    );
    try {
      type Flag = { id: string; tenderIds: string[]; evidence: { sequence?: Array<{ tenderId: string }> } };
      const history = (items: Flag[]) => items.filter((f) => f.id === both.id || f.id === binhaiOnly.id);
      // The Dongtai tender's flags: the rotation with its Dongtai tender only; the Binhai-only flag not at all,
      // although it names a bidder of the Dongtai tender.
      const dt = history((await t.http().get(`${api}/tenders/${tender.dtHousing}/flags`).set(dongtai.auth)).body);
      expect(dt.map((f) => f.id)).toEqual([both.id]);
      expect(dt[0].tenderIds).toEqual([tender.dtHousing]);
      expect(dt[0].evidence.sequence!.map((x) => x.tenderId)).toEqual([tender.dtHousing]);
      expect(JSON.stringify(dt)).not.toContain(tender.bhHousing);
      const listed = history((await t.http().get(`${api}/supervision/flags?pageSize=200`).set(dongtai.auth)).body.items);
      expect(listed.map((f) => f.id)).toEqual([both.id]);
      expect(JSON.stringify(listed)).not.toContain(tender.bhHousing);
      // The city sees both, whole.
      const all = history((await t.http().get(`${api}/tenders/${tender.dtHousing}/flags`).set(city.auth)).body);
      expect(all.map((f) => f.id).sort()).toEqual([both.id, binhaiOnly.id].sort());
      expect(all.find((f) => f.id === both.id)!.evidence.sequence).toHaveLength(2);
      expect(
        history((await t.http().get(`${api}/supervision/flags?pageSize=200`).set(binhai.auth)).body.items)
          .map((f) => f.id)
          .sort(),
      ).toEqual([both.id, binhaiOnly.id].sort());

      // A case the city opens on the rotation keeps the whole flag; Dongtai reads it with its own tender only.
      const opened = await t
        .http()
        .post(`${api}/supervision/cases`)
        .set(city.auth)
        .send({
          tenderId: tender.dtHousing,
          flagCodes: ['BID_ROTATION'],
          subjects: [{ organizationId: firms[0].organizationId }],
          summary: '围标轮流中标',
        });
      expect(opened.status).toBe(201);
      const evidenceOf = (body: { evidence: Flag[] }) => body.evidence.find((f) => f.id === both.id)!;
      expect(evidenceOf(opened.body).tenderIds).toHaveLength(2);
      const read = await t.http().get(`${api}/supervision/cases/${opened.body.id}`).set(dongtai.auth);
      expect(read.status).toBe(200);
      expect(evidenceOf(read.body).tenderIds).toEqual([tender.dtHousing]);
      expect(JSON.stringify(read.body)).not.toContain(tender.bhHousing);
      expect(evidenceOf((await t.http().get(`${api}/supervision/cases/${opened.body.id}`).set(city.auth)).body).tenderIds).toHaveLength(2);

      const denied = await t.http().post(`${api}/supervision/flags/history/recompute`).set(dongtai.auth);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('FORBIDDEN');
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'COLLUSION_HISTORY_RECOMPUTE_REQUESTED'`);
      expect(n).toBe(0);
      expect((await t.http().post(`${api}/tenders/${tender.bhHousing}/flags/recompute`).set(dongtai.auth)).status).toBe(404);
      expect((await t.http().post(`${api}/supervision/flags/history/recompute`).set(city.auth)).status).toBe(202);
    } finally {
      await t.dataSource.query(`DELETE FROM collusion_flags WHERE id = ANY($1::uuid[])`, [[both.id, binhaiOnly.id]]);
    }
  });

  it('statistics’ failed lots and the offline projects follow the scope', async () => {
    await t.dataSource.query(`INSERT INTO tender_lots (tender_id, lot_no, title, budget, status) VALUES ($1, 1, '一标段', '100.00', 'FAILED')`, [tender.bhHousing]);
    const project = await t
      .http()
      .post(`${api}/offline-projects`)
      .set(admin.auth)
      .send({
        projectNo: `BH-${Date.now().toString(36)}`,
        title: '滨海县道路工程施工监理',
        category: 'CONSTRUCTION_WORKS',
        subClass: 'WORKS_SUPERVISION',
        regime: 'ENGINEERING',
        jurisdiction: BINHAI,
        procuringEntityName: '滨海县交通建设有限公司',
        budget: '1200000.00',
        tradedOn: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
        offlineReason: '项目进场登记时平台尚未开通监理标段电子化交易',
      });
    expect(project.status).toBe(201);
    try {
      const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const from = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
      const failedLots = async (who: TestParty) => (await t.http().get(`${api}/statistics?from=${from}&to=${to}`).set(who.auth)).body.supervision.failedLots;
      expect(await failedLots(dongtai)).toBe(0);
      expect(await failedLots(binhai)).toBe(1);
      expect(await failedLots(city)).toBe(1);
      const offline = async (who: TestParty) => ((await t.http().get(`${api}/offline-projects?pageSize=100`).set(who.auth)).body.items as Array<{ id: string }>).map((x) => x.id);
      expect(await offline(dongtai)).not.toContain(project.body.id);
      expect(await offline(binhai)).toContain(project.body.id);
      expect(await offline(city)).toContain(project.body.id);
    } finally {
      await t.dataSource.query(`DELETE FROM tender_lots WHERE tender_id = $1`, [tender.bhHousing]);
    }
  });

  it('documents every new endpoint in OpenAPI', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body;
    for (const path of [
      '/api/v1/jurisdictions',
      '/api/v1/classification',
      '/api/v1/supervision/scope',
      '/api/v1/admin/users/{id}/supervision-scope',
      '/api/v1/offline-projects',
      '/api/v1/tenders/{id}/pending-approvals',
      '/api/v1/tenders/{id}/pending-approvals/{itemId}/supply',
      '/api/v1/tenders/{id}/pending-approvals/{itemId}/accept',
      '/api/v1/tenders/{id}/pending-approvals/{itemId}/reject',
    ]) {
      expect({ path, documented: !!doc.paths[path] }).toEqual({ path, documented: true });
    }
    const props = doc.components.schemas.CreateTenderDto.properties;
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['jurisdiction', 'subClass', 'preTender', 'qualificationCriteria']));
    expect(Object.keys(doc.components.schemas.StatisticsResponseDto.properties)).toEqual(expect.arrayContaining(['byClass', 'bySubClass', 'offlineProjects']));
  });
});
