import { Role } from 'src/common/auth/role.enum';
import { sealAndSubmit } from './factories/bid.factory';
import { addDays, bidderWithAccount, guaranteeNotification, mine, notification, pay, postGuarantee, waitFor, waitForRefunds } from './factories/bid-security.factory';
import { tenderInEvaluation } from './factories/evaluation.factory';
import { createStaff, registerParty } from './factories/identity.factory';
import { createPublishedTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * 投标有效期 (TBR Art. 25): stated in the tender, counted from the deadline; the security runs as long (TBR Art. 26);
 * an extension request that each bidder accepts (its security extended) or refuses (the bid lapses, the security
 * comes back). Against the real services: bids sealed over HTTP, the opening at the deadline, the issuer's
 * signed extension of a guarantee, the refund job.
 */
describe('bid validity and its extension (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  const ext = (tenderId: string) => `/api/v1/tenders/${tenderId}/bid-validity-extensions`;
  const cstToday = async () => (await t.dataSource.query(`SELECT ((clock_timestamp() AT TIME ZONE 'Asia/Shanghai')::date)::text AS d`))[0].d as string;

  it('request → accept (guarantee extended first) / refuse (guarantee released; cash refunded): the real flow', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 6_000, extra: { bidValidityDays: 30 } });
    const endsOn = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.bidValidity.endsOn as string;
    const a = await registerParty(t);
    const b = await registerParty(t);
    const c = await bidderWithAccount(t, tender.id);
    // a's guarantee runs exactly to the end of the bid validity: enough today (TBR Art. 26), not for an extension.
    const aGuarantee = guaranteeNotification({ tenderId: tender.id, bidderUscc: a.uscc!, validUntil: endsOn });
    await postGuarantee(t, aGuarantee).expect(200);
    await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: b.uscc! })).expect(200);
    await pay(t, notification({ virtualAccountNo: c.virtualAccountNo, payerAccountNo: c.basicAccountNo }));
    for (const [who, price] of [
      [a, '1000000.00'],
      [b, '1100000.00'],
      [c.bidder, '1200000.00'],
    ] as const) {
      expect((await sealAndSubmit(t, tender, who, price)).status).toBe(201);
    }
    // Before the opening there is nothing to extend.
    expect(
      (
        await t
          .http()
          .post(ext(tender.id))
          .set(tender.owner.auth)
          .send({ extendTo: addDays(endsOn, 30), reason: '评标延期' })
      ).body.code,
    ).toBe('BID_VALIDITY_NOT_EXTENDABLE');
    await waitFor(async () => (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.status === 'OPENING', 30_000, 'the opening');

    // Only the owner asks.
    expect(
      (
        await t
          .http()
          .post(ext(tender.id))
          .set((await registerParty(t, { role: Role.PROCURING_ENTITY })).auth)
          .send({ extendTo: addDays(endsOn, 30), reason: 'x' })
      ).status,
    ).toBe(403);
    expect(
      (
        await t
          .http()
          .post(ext(tender.id))
          .set(a.auth)
          .send({ extendTo: addDays(endsOn, 30), reason: 'x' })
      ).status,
    ).toBe(403);
    const extendTo = addDays(endsOn, 30);
    const req = await t.http().post(ext(tender.id)).set(tender.owner.auth).send({ extendTo, reason: '投诉处理期间暂停评标' }).expect(201);
    expect(req.body).toMatchObject({ previousEndsOn: endsOn, extendTo, responses: [] });
    expect(req.body.pendingBidIds).toHaveLength(3);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.bidValidity).toMatchObject({ endsOn: extendTo, extended: true });
    // The same request again answers the first; another one while it is open is a conflict.
    expect((await t.http().post(ext(tender.id)).set(tender.owner.auth).send({ extendTo, reason: '投诉处理期间暂停评标' }).expect(201)).body.id).toBe(req.body.id);
    expect(
      (
        await t
          .http()
          .post(ext(tender.id))
          .set(tender.owner.auth)
          .send({ extendTo: addDays(extendTo, 1), reason: 'x' })
      ).status,
    ).toBe(409);

    const respond = (who: { auth: Record<string, string> }, decision: string) =>
      t
        .http()
        .post(`${ext(tender.id)}/${req.body.id}/response`)
        .set(who.auth)
        .send({ decision });
    // a agrees, but its guarantee ends before the new day: it must be extended first (TBR Arts. 25, 26).
    const short = await respond(a, 'ACCEPT');
    expect(short.status).toBe(409);
    expect(short.body.code).toBe('GUARANTEE_VALIDITY_INSUFFICIENT');
    expect((await postGuarantee(t, { ...aGuarantee, validUntil: extendTo }).expect(200)).body.status).toBe('EXTENDED');
    expect((await respond(a, 'ACCEPT').expect(200)).body).toMatchObject({ decision: 'ACCEPT', bidValidUntil: extendTo });
    await respond(a, 'ACCEPT').expect(200);
    expect((await respond(a, 'REFUSE')).status).toBe(409);
    expect((await respond(a, 'MAYBE')).body.code).toBe('VALIDATION_FAILED');

    // b refuses: its bid lapses and its guarantee is released (TBR Art. 25 ¶2).
    expect((await respond(b, 'REFUSE').expect(200)).body).toMatchObject({ decision: 'REFUSE', bidStatus: 'LAPSED' });
    expect(await mine(t, tender.id, b)).toMatchObject({ status: 'REFUNDED', guarantees: [{ status: 'RELEASED', settlementReason: 'VALIDITY_REFUSED' }] });
    const bBid = (await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.auth)).body;
    expect(bBid.status).toBe('LAPSED');

    // c refuses: its cash comes back, on the refund job.
    await respond(c.bidder, 'REFUSE').expect(200);
    await waitForRefunds(t);
    const cView = await mine(t, tender.id, c.bidder);
    expect(cView.status).toBe('REFUNDED');
    expect(cView.refunds[0]).toMatchObject({ reason: 'VALIDITY_REFUSED', principal: '200000.00' });
    expect(cView.refunds[0].legalBasis).toContain('第二十五条');

    // The owner and supervisors see every answer; a bidder sees its own.
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const all = await t.http().get(ext(tender.id)).set(supervisor.auth).expect(200);
    expect(all.body.items[0].responses).toHaveLength(3);
    expect(all.body.items[0].pendingBidIds).toEqual([]);
    const own = await t.http().get(ext(tender.id)).set(a.auth).expect(200);
    expect(own.body.items[0].responses.map((r: { decision: string }) => r.decision)).toEqual(['ACCEPT']);
    expect(own.body.items[0].pendingBidIds).toBeUndefined();
    expect(
      (
        await t
          .http()
          .get(ext(tender.id))
          .set((await registerParty(t)).auth)
      ).status,
    ).toBe(403);
    const audit = await t.dataSource.query(`SELECT action FROM audit_events WHERE tender_id = $1 AND action LIKE 'BID_VALIDITY_%'`, [tender.id]);
    expect(audit.map((e: { action: string }) => e.action).sort()).toEqual(
      ['BID_VALIDITY_EXTENSION_ACCEPTED', 'BID_VALIDITY_EXTENSION_REFUSED', 'BID_VALIDITY_EXTENSION_REQUESTED', 'BID_VALIDITY_EXTENSION_REFUSED'].sort(),
    );
  });

  it('asked before the validity expires (TBR Art. 25): the day after refused, the last day and the day before taken', async () => {
    const today = await cstToday();
    const tryOn = async (endsOn: string) => {
      const tender = await tenderInEvaluation(t);
      await t.dataSource.query(`UPDATE tenders SET bid_validity_ends_on = $2 WHERE id = $1`, [tender.id, endsOn]);
      return t
        .http()
        .post(ext(tender.id))
        .set(tender.owner.auth)
        .send({ extendTo: addDays(today, 30), reason: '评标延期' });
    };
    const expired = await tryOn(addDays(today, -1));
    expect(expired.status).toBe(409);
    expect(expired.body.code).toBe('BID_VALIDITY_EXPIRED');
    expect((await tryOn(today)).status).toBe(201);
    expect((await tryOn(addDays(today, 1))).status).toBe(201);
  });

  it('bad requests change nothing: extendTo not after the current end, respondBy outside the period, a bad day', async () => {
    const tender = await tenderInEvaluation(t);
    const endsOn = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.bidValidity.endsOn as string;
    const post = (body: Record<string, unknown>) =>
      t
        .http()
        .post(ext(tender.id))
        .set(tender.owner.auth)
        .send({ reason: '评标延期', ...body });
    for (const body of [
      { extendTo: endsOn },
      { extendTo: addDays(endsOn, -1) },
      { extendTo: '2027-02-30' },
      { extendTo: addDays(endsOn, 10), respondBy: new Date(Date.now() - 60_000).toISOString() },
      { extendTo: addDays(endsOn, 10), respondBy: `${addDays(endsOn, 1)}T00:00:01+08:00` },
      { extendTo: addDays(endsOn, 10), reason: '' },
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_validity_extensions WHERE tender_id = $1`, [tender.id]))[0].n).toBe(0);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}`)).body.bidValidity.extended).toBe(false);
    // respondBy on the last instant of the period is taken.
    await post({ extendTo: addDays(endsOn, 10), respondBy: `${endsOn}T23:59:59+08:00` }).expect(201);
  });

  it('answers after respondBy are refused (409 EXTENSION_RESPONSE_CLOSED); a bidder without a bid gets 404', async () => {
    const tender = await tenderInEvaluation(t);
    const endsOn = (await t.http().get(`/api/v1/tenders/${tender.id}`)).body.bidValidity.endsOn as string;
    const req = await t
      .http()
      .post(ext(tender.id))
      .set(tender.owner.auth)
      .send({ extendTo: addDays(endsOn, 20), reason: '评标延期' })
      .expect(201);
    await t.dataSource.query(`UPDATE bid_validity_extensions SET respond_by = clock_timestamp() - interval '1 second' WHERE id = $1`, [req.body.id]);
    const late = await t
      .http()
      .post(`${ext(tender.id)}/${req.body.id}/response`)
      .set(tender.bidders[0].auth)
      .send({ decision: 'REFUSE' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('EXTENSION_RESPONSE_CLOSED');
    expect((await t.dataSource.query(`SELECT status FROM bids WHERE id = $1`, [tender.bidIds[0]]))[0].status).toBe('DECRYPTED');
    const stranger = await registerParty(t);
    expect(
      (
        await t
          .http()
          .post(`${ext(tender.id)}/${req.body.id}/response`)
          .set(stranger.auth)
          .send({ decision: 'REFUSE' })
      ).status,
    ).toBe(404);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/tenders/{id}/bid-validity-extensions', '/api/v1/tenders/{id}/bid-validity-extensions/{extensionId}/response']),
    );
  });
});
