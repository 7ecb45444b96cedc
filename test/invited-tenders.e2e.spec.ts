import { Role } from 'src/common/auth/role.enum';
import { randomUscc, registerParty, type TestParty } from './factories/identity.factory';
import { plaintextOf, sealAndSubmit } from './factories/bid.factory';
import { createDraftTender, createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('invited tenders (邀请招标): at least 3 invitees, and only they may bid (TBL Art. 17; GPL Art. 34)', () => {
  let t: TestApp;
  let owner: TestParty;
  let invited: TestParty[];
  let outsider: TestParty;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    invited = [await registerParty(t), await registerParty(t), await registerParty(t)];
    outsider = await registerParty(t);
  });
  afterAll(() => t.close());

  const bids = async (tenderId: string) => Number((await t.dataSource.query(`SELECT count(*) AS n FROM bids WHERE tender_id = $1`, [tenderId]))[0].n);

  it('takes bids from the invited bidders and refuses anyone else with 403 NOT_INVITED, storing nothing', async () => {
    const tender = await createPublishedTender(t, {
      owner,
      method: 'INVITED',
      bidSecurityAmount: '0.00',
      deadlineInMs: 3600_000,
      extra: { invitedBidders: invited.map((p) => p.uscc) },
    });
    const ok = await sealAndSubmit(t, tender, invited[0], plaintextOf('30000000.00'));
    expect(ok.status).toBe(201);
    const refused = await sealAndSubmit(t, tender, outsider, plaintextOf('29000000.00'));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('NOT_INVITED');
    expect(await bids(tender.id)).toBe(1);
  });

  it.each([
    ['two invitees (one fewer than the law asks)', (p: TestParty[]) => ({ method: 'INVITED', extra: { invitedBidders: p.slice(0, 2).map((x) => x.uscc) } })],
    ['three entries naming only two bidders', (p: TestParty[]) => ({ method: 'INVITED', extra: { invitedBidders: [p[0].uscc, p[0].uscc, p[1].uscc] } })],
    ['no invitees at all', () => ({ method: 'INVITED' })],
    ['an unregistered invitee', (p: TestParty[]) => ({ method: 'INVITED', extra: { invitedBidders: [p[0].uscc, p[1].uscc, randomUscc()] } })],
    ['invitees on an OPEN tender', (p: TestParty[]) => ({ method: 'OPEN', extra: { invitedBidders: p.map((x) => x.uscc) } })],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_, opts) => {
    const before = Number((await t.dataSource.query(`SELECT count(*) AS n FROM tenders`))[0].n);
    await expect(createDraftTender(t, { owner, ...(opts(invited) as object) })).rejects.toThrow(/create tender failed: 400 .*VALIDATION_FAILED.*invitedBidders/);
    expect(Number((await t.dataSource.query(`SELECT count(*) AS n FROM tenders`))[0].n)).toBe(before);
  });

  it('exactly three invitees is enough (the boundary)', async () => {
    const draft = await createDraftTender(t, { owner, method: 'INVITED', extra: { invitedBidders: invited.map((p) => p.uscc) } });
    const rows = await t.dataSource.query(`SELECT organization_id FROM tender_invitations WHERE tender_id = $1`, [draft.id]);
    expect(rows.map((r: { organization_id: string }) => r.organization_id).sort()).toEqual(invited.map((p) => p.organizationId).sort());
  });
});
