import { Role } from 'src/common/auth/role.enum';
import { plaintextOf, sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /tenders/{id}/opening-hall (开标大厅): the live opening for its participants, nothing sealed before. */
describe('the opening hall (开标大厅) endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  const hall = (id: string, who?: TestParty) => {
    const r = t.http().get(`/api/v1/tenders/${id}/opening-hall`);
    return who ? r.set(who.auth) : r;
  };
  const waitFor = async <T>(probe: () => Promise<T | null>, what: string, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };

  it('sealed before the opening; then bidders and statuses live, a price only to its own bidder until 唱标', async () => {
    const bidders = [await registerParty(t), await registerParty(t), await registerParty(t)];
    const outsider = await registerParty(t);
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const tender = await createPublishedTender(t, { deadlineInMs: 6000, bidSecurityAmount: '0.00', windowMinutes: 30 });
    const bids: SubmittedBid[] = [];
    for (const [i, b] of bidders.entries()) bids.push(await sealAndSubmit(t, tender, b, plaintextOf(`${100 + i}.00`)));
    expect(bids.map((b) => b.status)).toEqual([201, 201, 201]);

    // Before the deadline: nothing, for anyone (not even the count).
    for (const who of [bidders[0], tender.owner, supervisor]) {
      const r = await hall(tender.id, who);
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('SEALED_UNTIL_OPENING');
    }
    expect((await hall(tender.id)).status).toBe(401);

    const opened = await waitFor(async () => {
      const r = await hall(tender.id, tender.owner);
      return r.status === 200 ? r.body : null;
    }, 'the opening');
    expect(opened).toMatchObject({ phase: 'DECRYPTING', status: 'OPENING', windowClosedAt: null, summary: { received: 3, pending: 3 } });
    expect(Date.parse(opened.serverTime)).toBeGreaterThan(0);
    expect(opened.bids.map((b: { status: string; price: unknown }) => [b.status, b.price])).toEqual([
      ['OPENED', null],
      ['OPENED', null],
      ['OPENED', null],
    ]);
    // A tender without lots: no lotNo, the view exactly as before lots.
    expect(opened.bids.some((b: object) => 'lotNo' in b)).toBe(false);
    expect((await hall(tender.id, outsider)).status).toBe(403);
    expect((await hall(tender.id, supervisor)).status).toBe(200);

    // Bidder 0 decrypts: it sees its price; the others and the owner see only the status.
    const dec = await t.http().post(`/api/v1/tenders/${tender.id}/bids/${bids[0].body.bidId}/decryption`).set(bidders[0].auth).send({ key: bids[0].sealed.key });
    expect(dec.status).toBe(200);
    const own = (await hall(tender.id, bidders[0])).body;
    expect(own.bids.find((b: { mine: boolean }) => b.mine)).toMatchObject({ status: 'DECRYPTED', price: '100.00' });
    for (const who of [bidders[1], tender.owner, supervisor]) {
      const v = (await hall(tender.id, who)).body;
      expect(v.phase).toBe('DECRYPTING');
      expect(v.bids.find((b: { bidId: string }) => b.bidId === bids[0].body.bidId)).toMatchObject({ status: 'DECRYPTED', price: null });
      expect(v.bids.every((b: { price: unknown; mine: boolean }) => b.price === null || b.mine)).toBe(true);
    }

    // The others decrypt: the window closes early, 唱标 — every price, for every participant.
    for (const i of [1, 2]) {
      const r = await t.http().post(`/api/v1/tenders/${tender.id}/bids/${bids[i].body.bidId}/decryption`).set(bidders[i].auth).send({ key: bids[i].sealed.key });
      expect(r.status).toBe(200);
    }
    const announced = await waitFor(async () => {
      const r = await hall(tender.id, bidders[1]);
      return r.body.phase === 'ANNOUNCED' ? r.body : null;
    }, '唱标');
    expect(announced.windowClosedAt).not.toBeNull();
    expect(announced.bids.map((b: { price: string }) => b.price)).toEqual(['100.00', '101.00', '102.00']);
    expect(announced.summary).toMatchObject({ received: 3, decrypted: 3, pending: 0 });
  });
});
