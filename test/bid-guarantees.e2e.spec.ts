import { Role } from 'src/common/auth/role.enum';
import { sealAndSubmit } from './factories/bid.factory';
import {
  addDays,
  emit,
  GUARANTEE_ISSUER_USCC,
  guaranteeNotification,
  insertTender,
  issueAccount,
  mine,
  openTender,
  postGuarantee,
  postGuaranteeStatus,
  setDeadline,
} from './factories/bid-security.factory';
import { createStaff, registerParty } from './factories/identity.factory';
import { createPublishedTender, tenderBody } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * 电子保函 (electronic guarantees) beside cash (GPR Art. 33; TBR Arts. 25, 26), against the real services: the issuer's
 * signed notification, the checks against the tender, amount and validity, the secrecy before opening, the gate
 * of the sealed bids, and release or claim where cash is refunded or forfeited.
 */
describe('electronic guarantees (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
  });
  afterAll(() => t.close());

  const count = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_guarantees`))[0].n as number;
  const validityEnd = async (tenderId: string) => (await t.http().get(`/api/v1/tenders/${tenderId}`).expect(200)).body.bidValidity.endsOn as string;

  it('a tender states its bid validity and the accepted forms; procurement may not require cash (GPR Art. 33)', async () => {
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    const created = await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ extra: { bidValidityDays: 60 } }))
      .expect(201);
    expect(created.body.bidSecurityForms).toEqual(['CASH', 'E_GUARANTEE']);
    const deadlineDay = new Date(Date.parse(created.body.bidDeadline) + 8 * 3600_000).toISOString().slice(0, 10);
    // TBR Art. 25: counted from the deadline's day.
    expect(created.body.bidValidity).toEqual({ days: 60, endsOn: addDays(deadlineDay, 60), extended: false });

    const gov = { regime: 'GOV_PROCUREMENT' as const, category: 'GOODS', budget: '5000000.00', bidSecurityAmount: '100000.00', priceCeiling: null };
    const cashOnly = await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ ...gov, extra: { bidSecurityForms: ['CASH'] } }));
    expect(cashOnly.status).toBe(400);
    expect(JSON.stringify(cashOnly.body.details)).toContain('GPR Art. 33');
    await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ ...gov, extra: { bidSecurityForms: ['E_GUARANTEE'] } }))
      .expect(201);
    for (const bad of [{ bidSecurityForms: [] }, { bidSecurityForms: ['CHEQUE'] }, { bidValidityDays: 0 }, { bidValidityDays: 367 }, { bidValidityDays: '90' }]) {
      const res = await t
        .http()
        .post('/api/v1/tenders')
        .set(owner.auth)
        .send(tenderBody({ extra: bad }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    // The boundaries of the platform bound: 1 and 366 days are taken.
    await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ extra: { bidValidityDays: 1 } }))
      .expect(201);
    await t
      .http()
      .post('/api/v1/tenders')
      .set(owner.auth)
      .send(tenderBody({ extra: { bidValidityDays: 366 } }))
      .expect(201);
  });

  it('a bad signature or a bad body stores nothing (401 / 400)', async () => {
    const tender = await insertTender(t);
    const bidder = await registerParty(t);
    const body = guaranteeNotification({ tenderId: tender.id, bidderUscc: bidder.uscc! });
    const before = await count();
    expect((await postGuarantee(t, body, null)).status).toBe(401);
    expect((await postGuarantee(t, body, 'ab'.repeat(32))).body.code).toBe('INVALID_SIGNATURE');
    for (const bad of [
      { ...body, amount: '-1.00' },
      { ...body, amount: 100 },
      { ...body, validUntil: '2027-02-30' },
      { ...body, validFrom: '2027-01-02', validUntil: '2027-01-01' },
      { ...body, issuerType: 'FRIEND' },
      { ...body, bidderUscc: '91320900MA1MXXXXX9' },
      { ...body, tenderId: 'not-a-uuid' },
    ]) {
      const res = await postGuarantee(t, bad);
      expect([400]).toContain(res.status);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await postGuarantee(t, { ...body, bidderUscc: (await registerParty(t, { role: Role.PROCURING_ENTITY })).uscc })).body.code).toBe('GUARANTEE_BIDDER_UNKNOWN');
    expect((await postGuarantee(t, { ...body, tenderId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    expect(await count()).toBe(before);
  });

  it('the amount is at least the required security: 199999.99 refused, 200000.00 and 200000.01 taken', async () => {
    const tender = await insertTender(t, { amount: '200000.00' });
    const [a, b, c] = [await registerParty(t), await registerParty(t), await registerParty(t)];
    const low = await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: a.uscc!, amount: '199999.99' }));
    expect(low.status).toBe(422);
    expect(low.body.code).toBe('GUARANTEE_AMOUNT_INSUFFICIENT');
    expect((await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: b.uscc!, amount: '200000.00' })).expect(200)).body.status).toBe('REGISTERED');
    expect((await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: c.uscc!, amount: '200000.01' })).expect(200)).body.status).toBe('REGISTERED');
  });

  it('the validity runs through the end of the bid validity (TBR Art. 26): the day before refused, the day of and after taken', async () => {
    const tender = await insertTender(t);
    const end = await validityEnd(tender.id);
    const reg = async (validUntil: string) => postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: (await registerParty(t)).uscc!, validUntil }));
    const before = await reg(addDays(end, -1));
    expect(before.status).toBe(422);
    expect(before.body.code).toBe('GUARANTEE_VALIDITY_INSUFFICIENT');
    expect(before.body.message).toContain('TBR Arts. 25, 26');
    expect((await reg(end)).status).toBe(200);
    expect((await reg(addDays(end, 1))).status).toBe(200);

    // In force on the deadline's day: starting the day after is refused, the day of is taken.
    const deadlineDay = new Date(Date.now() + 3_600_000 + 8 * 3600_000).toISOString().slice(0, 10);
    const late = await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: (await registerParty(t)).uscc!, validFrom: addDays(deadlineDay, 1) }));
    expect(late.body.code).toBe('GUARANTEE_VALIDITY_INSUFFICIENT');
    expect((await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: (await registerParty(t)).uscc!, validFrom: deadlineDay }))).status).toBe(200);
  });

  it('idempotent by issuer and number: the same body → DUPLICATE; a later validUntil → EXTENDED; other terms → 409', async () => {
    const tender = await insertTender(t);
    const bidder = await registerParty(t);
    const body = guaranteeNotification({ tenderId: tender.id, bidderUscc: bidder.uscc! });
    const first = await postGuarantee(t, body).expect(200);
    expect(first.body.status).toBe('REGISTERED');
    expect((await postGuarantee(t, body).expect(200)).body).toEqual({ status: 'DUPLICATE', guaranteeId: first.body.guaranteeId });
    const conflict = await postGuarantee(t, { ...body, amount: '300000.00' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('GUARANTEE_CONFLICT');
    expect((await postGuarantee(t, { ...body, validUntil: addDays(body.validUntil, -1) })).status).toBe(409);
    const extended = await postGuarantee(t, { ...body, validUntil: addDays(body.validUntil, 30), issuedAt: new Date().toISOString() }).expect(200);
    expect(extended.body.status).toBe('EXTENDED');
    expect((await mine(t, tender.id, bidder)).guarantees[0].validUntil).toBe(addDays(body.validUntil, 30));
  });

  it('the tender states the forms: no guarantee where only cash is accepted, no sub-account where only guarantees are', async () => {
    const cashOnly = await insertTender(t);
    await t.dataSource.query(`UPDATE tenders SET bid_security_forms = '{CASH}' WHERE id = $1`, [cashOnly.id]);
    const bidder = await registerParty(t);
    const refused = await postGuarantee(t, guaranteeNotification({ tenderId: cashOnly.id, bidderUscc: bidder.uscc! }));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('BID_SECURITY_FORM_NOT_ACCEPTED');

    const guaranteeOnly = await insertTender(t, { regime: 'GOV_PROCUREMENT' });
    await t.dataSource.query(`UPDATE tenders SET bid_security_forms = '{E_GUARANTEE}' WHERE id = $1`, [guaranteeOnly.id]);
    const res = await t.http().get(`/api/v1/tenders/${guaranteeOnly.id}/bid-security/account`).set(bidder.auth);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('BID_SECURITY_FORM_NOT_ACCEPTED');
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_security_accounts WHERE tender_id = $1`, [guaranteeOnly.id]))[0].n).toBe(0);
  });

  it('after the deadline a guarantee is refused (409 BID_DEADLINE_PASSED), nothing stored', async () => {
    const tender = await insertTender(t);
    await setDeadline(t, tender.id, -1000);
    const res = await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: (await registerParty(t)).uscc! }));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('BID_DEADLINE_PASSED');
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_guarantees WHERE tender_id = $1`, [tender.id]))[0].n).toBe(0);
  });

  it('a guarantee secures a sealed bid; it is secret before opening; withdrawing releases it', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '200000.00' });
    const bidder = await registerParty(t);
    expect((await sealAndSubmit(t, tender, bidder, '1000000.00')).body.code).toBe('BID_SECURITY_MISSING');
    await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: bidder.uscc! })).expect(200);
    expect((await sealAndSubmit(t, tender, bidder, '1000000.00')).status).toBe(201);
    expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'PAID', form: 'E_GUARANTEE', guarantees: [{ status: 'VALID', issuerType: 'BANK' }] });

    // Sealed: neither the owner nor a supervisor learns of it before the opening (CQ Arts. 16, 42(7)).
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    for (const who of [tender.owner, supervisor]) {
      const res = await t.http().get(`/api/v1/tenders/${tender.id}/bid-security/guarantees`).set(who.auth);
      expect(res.body.code).toBe('SEALED_UNTIL_OPENING');
    }
    const other = await registerParty(t);
    expect((await mine(t, tender.id, other)).guarantees).toEqual([]);

    // 撤回 before the deadline: released like cash is refunded (TBR Art. 35).
    await t
      .http()
      .delete(`/api/v1/tenders/${tender.id}/bids/mine`)
      .set(bidder.auth)
      .expect((r) => expect([200, 204]).toContain(r.status));
    const after = await mine(t, tender.id, bidder);
    expect(after).toMatchObject({ status: 'REFUNDED', guarantees: [{ status: 'RELEASED', settlementReason: 'WITHDRAWAL' }] });
    expect(after.guarantees[0].legalBasis).toContain('第三十五条');
  });

  it('claimed where cash is forfeited (revoked bid, TBR Art. 35); released on termination; listed after opening', async () => {
    const tender = await insertTender(t);
    const [a, b] = [await registerParty(t), await registerParty(t)];
    await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: a.uscc! })).expect(200);
    await postGuarantee(t, guaranteeNotification({ tenderId: tender.id, bidderUscc: b.uscc! })).expect(200);
    await openTender(t, tender.id);
    await emit(t, 'BidRevoked', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000001', bidderOrganizationId: a.organizationId! });
    await emit(t, 'BidRevoked', { tenderId: tender.id, bidId: '00000000-0000-4000-8000-000000000001', bidderOrganizationId: a.organizationId! });
    expect(await mine(t, tender.id, a)).toMatchObject({ status: 'FORFEITED', guarantees: [{ status: 'CLAIMED', settlementReason: 'BID_REVOKED' }] });
    await emit(t, 'TenderFailed', { tenderId: tender.id, reason: 'fewer than 3 bids' });
    expect(await mine(t, tender.id, b)).toMatchObject({ status: 'REFUNDED', guarantees: [{ status: 'RELEASED', settlementReason: 'TERMINATION' }] });
    // The claimed one stays claimed.
    expect((await mine(t, tender.id, a)).guarantees[0].status).toBe('CLAIMED');

    // The issuer reads the outcome (signed like its notifications): claimed, with the article.
    const aNo = (await mine(t, tender.id, a)).guarantees[0].guaranteeNo;
    const status = await postGuaranteeStatus(t, { issuerUscc: GUARANTEE_ISSUER_USCC, guaranteeNo: aNo }).expect(200);
    expect(status.body).toMatchObject({ guaranteeNo: aNo, status: 'CLAIMED', settlementReason: 'BID_REVOKED' });
    expect(status.body.legalBasis).toContain('第三十五条');
    expect((await postGuaranteeStatus(t, { issuerUscc: GUARANTEE_ISSUER_USCC, guaranteeNo: aNo }, 'ab'.repeat(32))).status).toBe(401);
    expect((await postGuaranteeStatus(t, { issuerUscc: GUARANTEE_ISSUER_USCC, guaranteeNo: 'NOPE' })).status).toBe(404);

    const list = await t.http().get(`/api/v1/tenders/${tender.id}/bid-security/guarantees`).set(tender.owner.auth).expect(200);
    expect(list.body.items.map((i: { bidderOrganizationId: string; status: string }) => [i.bidderOrganizationId, i.status]).sort()).toEqual(
      [
        [a.organizationId, 'CLAIMED'],
        [b.organizationId, 'RELEASED'],
      ].sort(),
    );
    const events = await t.dataSource.query(`SELECT action FROM audit_events WHERE sealed_tender_id = $1 AND action LIKE 'BID_GUARANTEE_%' ORDER BY id`, [tender.id]);
    expect(events.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['BID_GUARANTEE_REGISTERED', 'BID_GUARANTEE_CLAIMED', 'BID_GUARANTEE_RELEASED']));
  });

  it('cash still works beside guarantees (API.md v1 unchanged)', async () => {
    const tender = await insertTender(t);
    const bidder = await registerParty(t);
    const account = await issueAccount(t, tender.id, bidder);
    expect(account.amount).toBe('200000.00');
    expect(await mine(t, tender.id, bidder)).toMatchObject({ status: 'UNPAID', form: null, acceptedForms: ['CASH', 'E_GUARANTEE'] });
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/guarantees/notifications', '/api/v1/guarantees/status', '/api/v1/tenders/{id}/bid-security/guarantees']),
    );
  });
});
