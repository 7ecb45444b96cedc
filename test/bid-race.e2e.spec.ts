import { BidIdentitySealer } from 'src/modules/bids/bid-identity-sealer';
import { BidSecurityStore } from 'src/modules/bid-security/bid-security.store';
import { sealBid } from 'src/sdk';
import { sealAndSubmit, plaintextOf } from './factories/bid.factory';
import { bidderWithAccount, notification, pay } from './factories/bid-security.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * A withdrawal racing a resubmission of the same bidder: whatever order they end in, never a SUBMITTED bid whose
 * bid security was refunded (the security check runs after the (tender, bidder) lock).
 */
describe('race: withdrawal against resubmission', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  it('concurrent requests never leave a SUBMITTED bid with its security refunded', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 30 * 60_000, bidSecurityAmount: '50000.00' });
    const bidders = [];
    for (let i = 0; i < 8; i++) {
      const b = await bidderWithAccount(t, tender.id);
      await pay(t, notification({ virtualAccountNo: b.virtualAccountNo, payerAccountNo: b.basicAccountNo, amount: '50000.00' }));
      expect((await sealAndSubmit(t, tender, b.bidder, `${1_000_000 + i}.00`)).status).toBe(201);
      bidders.push(b);
    }
    // The resubmissions are sealed beforehand, so that both requests reach the server together.
    const resubmissions = bidders.map(
      (b, i) =>
        sealBid({
          tenderId: tender.id,
          bidderOrganizationId: b.bidder.organizationId!,
          plaintext: plaintextOf(`${2_000_000 + i}.00`),
          ...(tender.escrowPublicKey ? { escrowPublicKey: tender.escrowPublicKey } : {}),
          client: { deviceId: `device-${b.bidder.username}` },
        }).request,
    );
    await Promise.all(
      bidders.map((b, i) =>
        Promise.all([
          t.http().post(`/api/v1/tenders/${tender.id}/bids`).set(b.bidder.auth).send(resubmissions[i]),
          t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.bidder.auth),
        ]),
      ),
    );
    // Before the deadline neither a bid row nor a sub-account names its bidder (sealed identities, issue 17): each
    // is found by its blind index, as the platform finds them.
    const sealer = t.app.get(BidIdentitySealer);
    const store = t.app.get(BidSecurityStore);
    const rows: Array<{ bid: string; security: string }> = [];
    for (const { bidder } of bidders) {
      const [bid] = await t.dataSource.query(`SELECT status FROM bids WHERE tender_id = $1 AND bidder_blind_index = $2`, [
        tender.id,
        await sealer.blindIndex(tender.id, bidder.organizationId!),
      ]);
      const [acc] = await t.dataSource.query(`SELECT status FROM bid_security_accounts WHERE tender_id = $1 AND bidder_blind_index = $2`, [
        tender.id,
        await store.blindIndex(tender.id, bidder.organizationId!),
      ]);
      if (bid && acc) rows.push({ bid: bid.status, security: acc.status });
    }
    expect(rows).toHaveLength(8);
    for (const r of rows) {
      expect([
        ['SUBMITTED', 'HELD'],
        ['WITHDRAWN', 'REFUND_DUE'],
        ['WITHDRAWN', 'REFUNDED'],
      ]).toContainEqual([r.bid, r.security]);
    }
  });
});
