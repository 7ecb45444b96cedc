import { createHash } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { FlagsService } from 'src/modules/supervision/flags/flags.service';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { insertBidders, type SqlParty } from './factories/supervision.factory';
import { insertAwardAt, insertBid, insertTenderAt } from './factories/transparency.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const api = '/api/v1';

/**
 * cardinal-rs R035/R036 from the real tables: an awarded tender whose evaluation report rejected every bid but the
 * winner's (the lowest among them), the history recomputed by FlagsService, read by a supervisor over HTTP.
 */
describe('transparency: cardinal-rs indicators as supervision flags (e2e)', () => {
  let t: TestApp;
  let supervisor: TestParty;
  let owner: SqlParty;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    supervisor = await createStaff(t, Role.SUPERVISOR);
    const pe = await registerParty(t, { role: Role.PROCURING_ENTITY });
    owner = { organizationId: pe.organizationId!, userId: pe.userId };
  });
  afterAll(() => t?.close());

  it('flags R035 and R036 on an awarded tender whose report rejected all but the winner, lowest bid included', async () => {
    const [w, x, y] = await insertBidders(t, 3);
    const tenderId = await insertTenderAt(t, owner, { publishedAt: '2026-03-01T00:00:00Z', status: 'AWARDED', openedAt: '2026-03-21T00:00:00Z' });
    const winBid = await insertBid(t, tenderId, w, { opened: true, price: '950000.00' });
    const lowBid = await insertBid(t, tenderId, x, { opened: true, price: '800000.00' });
    const midBid = await insertBid(t, tenderId, y, { opened: true, price: '900000.00' });
    const content = {
      rejectedBids: [
        { bidId: lowBid, groundsText: ['低于成本'], reasons: [] },
        { bidId: midBid, groundsText: ['未按要求提交'], reasons: [] },
      ],
    };
    await t.dataSource.query(`INSERT INTO evaluation_reports (tender_id, version, outcome, content, sha256) VALUES ($1, 1, 'CANDIDATES', $2, $3)`, [
      tenderId,
      JSON.stringify(content),
      createHash('sha256').update(JSON.stringify(content)).digest('hex'),
    ]);
    await insertAwardAt(t, tenderId, w, { price: '950000.00', noticeIssuedAt: '2026-04-10T00:00:00Z', bidId: winBid });

    await t.app.get(FlagsService).computeHistory();
    const res = await t.http().get(`${api}/tenders/${tenderId}/flags`).set(supervisor.auth).expect(200);
    const flags = res.body as Array<{ code: string; bidderIds: string[]; evidence: { indicator: string }; legalBasis: string }>;
    const r035 = flags.find((f) => f.code === 'ALL_EXCEPT_WINNER_DISQUALIFIED');
    const r036 = flags.find((f) => f.code === 'LOWEST_BID_DISQUALIFIED');
    expect(r035).toMatchObject({ evidence: { indicator: 'cardinal-rs R035' }, bidderIds: [w.organizationId, x.organizationId, y.organizationId].sort() });
    expect(r035!.legalBasis).toContain('第四十一条');
    expect(r036).toMatchObject({ evidence: { indicator: 'cardinal-rs R036' } });
    expect(flags.find((f) => f.code === 'LATE_BID_WON')).toBeUndefined();

    // R030: a winning bid recorded after the deadline (which the platform refuses) is an integrity alarm.
    const late = await insertTenderAt(t, owner, { publishedAt: '2026-05-01T00:00:00Z', status: 'AWARDED', openedAt: '2026-05-21T00:00:00Z' });
    const [{ bid_deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [late]);
    const lateBid = await insertBid(t, late, w, { opened: true, price: '700000.00', receivedAt: new Date(new Date(bid_deadline).getTime() + 1000).toISOString() });
    await insertBid(t, late, x, { opened: true, price: '710000.00' });
    await insertBid(t, late, y, { opened: true, price: '720000.00' });
    await insertAwardAt(t, late, w, { price: '700000.00', noticeIssuedAt: '2026-06-10T00:00:00Z', bidId: lateBid });
    await t.app.get(FlagsService).computeHistory();
    const lateFlags = (await t.http().get(`${api}/tenders/${late}/flags`).set(supervisor.auth).expect(200)).body as Array<{
      code: string;
      severity: string;
      evidence: { lateByMs: number };
    }>;
    expect(lateFlags.find((f) => f.code === 'LATE_BID_WON')).toMatchObject({ severity: 'HIGH', evidence: { lateByMs: 1000 } });
  });
});
