/**
 * A tender states which sealed-bid suites it accepts (docs/SEALED_BID_FORMAT.md v2.1): INTL-1 and/or GM-1 (国密,
 * 密码法 / GB/T 39786-2021). The procuring entity chooses them when drafting; bids sealed otherwise are refused with
 * a clear error and nothing stored.
 */
import { randomBytes } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { sealBidV2, type SuiteId } from 'src/sdk/v2';
import { nodeSuite } from 'src/sdk/v2/node';
import { sealAndSubmit } from './factories/bid.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender, tenderBody } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('the suites a tender accepts', () => {
  let t: TestApp;
  let owner: TestParty;
  let bidder: TestParty;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    bidder = await registerParty(t);
  });
  afterAll(async () => t?.close());

  const countRows = async (table: string) => (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

  it('both suites and the platform size limit by default; a draft may ask for GM-1 only and a smaller limit', async () => {
    const plain = await createPublishedTender(t, { owner });
    const a = (await t.http().get(`/api/v1/tenders/${plain.id}`).expect(200)).body.sealing;
    expect(a.acceptedSuites).toEqual(['INTL-1', 'GM-1']);
    const gm = await createPublishedTender(t, { owner, extra: { sealing: { acceptedSuites: ['GM-1'], maxBidFileBytes: 50 * 1024 * 1024 } } });
    const b = (await t.http().get(`/api/v1/tenders/${gm.id}`).expect(200)).body.sealing;
    expect(b).toMatchObject({ acceptedSuites: ['GM-1'], maxBidFileBytes: 50 * 1024 * 1024 });
    expect(b.escrowPublicKeySm2).toMatch(/^04[0-9a-f]{128}$/);
  });

  it.each([
    ['an unknown suite', { acceptedSuites: ['RSA-1'] }, 'sealing.acceptedSuites'],
    ['no suite at all', { acceptedSuites: [] }, 'sealing.acceptedSuites'],
    ['a suite twice', { acceptedSuites: ['GM-1', 'GM-1'] }, 'sealing.acceptedSuites'],
    ['a limit below 1 MiB', { maxBidFileBytes: 1000 }, 'sealing.maxBidFileBytes'],
    ['a limit above the platform’s', { maxBidFileBytes: 10 * 1024 * 1024 * 1024 }, 'sealing.maxBidFileBytes'],
  ])('refuses %s: 400 VALIDATION_FAILED naming the field, no draft stored', async (_what, sealing, field) => {
    const before = await countRows('tenders');
    const res = await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ extra: { sealing } }));
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(JSON.stringify(res.body.details)).toContain(field);
    expect(await countRows('tenders')).toBe(before);
  });

  it('a GM-1-only tender refuses an INTL-1 upload and a format v1 bid (INTL algorithms), storing nothing; a GM-1 upload is taken', async () => {
    const tender = await createPublishedTender(t, { owner, extra: { sealing: { acceptedSuites: ['GM-1'] } } });
    const sealing = (await t.http().get(`/api/v1/tenders/${tender.id}`).expect(200)).body.sealing;
    const seal = (suite: SuiteId) => {
      const data = randomBytes(100_000);
      return sealBidV2({
        suite: nodeSuite(suite),
        tenderId: tender.id,
        bidderOrganizationId: bidder.organizationId!,
        bid: { price: '12345678.90', currency: 'CNY', durationDays: 180 },
        attachments: [{ name: '投标文件.pdf', size: data.length, content: [data] }],
        escrowPublicKey: Buffer.from(suite === 'GM-1' ? sealing.escrowPublicKeySm2 : sealing.escrowPublicKey, suite === 'GM-1' ? 'hex' : 'base64'),
        segmentSize: 64 * 1024,
        write: () => undefined,
      });
    };
    const intl = await seal('INTL-1');
    const refused = await t
      .http()
      .post(`/api/v1/tenders/${tender.id}/bid-uploads`)
      .set(bidder.auth)
      .send({ ...intl.envelope, client: { deviceId: 'dev-1' } });
    expect([refused.status, refused.body.code]).toEqual([400, 'UNSUPPORTED_SUITE']);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_uploads WHERE tender_id = $1`, [tender.id]))[0].n).toBe(0);

    const v1 = await sealAndSubmit(t, tender, bidder, '12345678.90');
    expect([v1.status, v1.body.code]).toEqual([400, 'UNSUPPORTED_SUITE']);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [tender.id]))[0].n).toBe(0);

    const gm = await seal('GM-1');
    const created = await t
      .http()
      .post(`/api/v1/tenders/${tender.id}/bid-uploads`)
      .set(bidder.auth)
      .send({ ...gm.envelope, client: { deviceId: 'dev-1' } });
    expect(created.status).toBe(201);
  });

  it('a re-tender keeps the suites and the size limit of the failed tender', async () => {
    const tender = await createPublishedTender(t, { owner, deadlineInMs: 2000, extra: { sealing: { acceptedSuites: ['GM-1'], maxBidFileBytes: 8 * 1024 * 1024 } } });
    // No bid at the deadline: fewer than 3, the tender fails (TBL Art. 28) and may be tendered again.
    for (const until = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const status = (await t.http().get(`/api/v1/tenders/${tender.id}`).expect(200)).body.status;
      if (status === 'FAILED') break;
      if (Date.now() > until) throw new Error(`the tender did not fail at its deadline (${status})`);
    }
    const deadline = new Date(Date.now() + 3 * 3600_000).toISOString();
    const draft = await t.http().post(`/api/v1/tenders/${tender.id}/re-tender`).set(owner.auth).send({ bidDeadline: deadline }).expect(201);
    expect(draft.body.sealing).toMatchObject({ acceptedSuites: ['GM-1'], maxBidFileBytes: 8 * 1024 * 1024 });
  });
});
