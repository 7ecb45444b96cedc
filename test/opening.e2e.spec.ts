import { createCipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, verify } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { type DomainEventMap, DomainEvents } from 'src/common/events/domain-events';
import { beijingTimeLabel } from 'src/common/time/beijing-time';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { BidsQueryService } from 'src/modules/bids/bids-query.service';
import { CloseDecryptionWindowUseCase } from 'src/modules/opening/use-cases/close-decryption-window.use-case';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { sealBid, sha256Hex, wrapEscrowKey } from 'src/sdk';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { plaintextOf, sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { createPublishedTender, type TenderOptions, type TestTender } from './factories/tender.factory';
import { ISO_INSTANT, pdfText } from './helpers/pdf-text';
import { createTestApp, type TestApp } from './helpers/test-app';
import { until } from './helpers/poll';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A bidder's own tool written from API.md with node:crypto only (no SDK): format v1 must interoperate. */
function independentSeal(tenderId: string, orgId: string, price: string, escrowPublicB64: string) {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(`${tenderId}|${orgId}`, 'utf8'));
  const plaintext = Buffer.from(JSON.stringify({ currency: 'CNY', price, durationDays: 180 }), 'utf8'); // any field order
  const ciphertext = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  const escrowPublic = Buffer.from(escrowPublicB64, 'base64');
  const eph = generateKeyPairSync('x25519');
  const ephPublic = Buffer.from(eph.publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const escrowKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: escrowPublic.toString('base64url') }, format: 'jwk' });
  const kek = Buffer.from(hkdfSync('sha256', diffieHellman({ privateKey: eph.privateKey, publicKey: escrowKey }), Buffer.concat([ephPublic, escrowPublic]), 'bid-escrow-v1', 32));
  const iv2 = randomBytes(12);
  const w = createCipheriv('aes-256-gcm', kek, iv2);
  const wrapped = Buffer.concat([w.update(key), w.final(), w.getAuthTag()]);
  return {
    key: key.toString('base64'),
    body: {
      ciphertext: ciphertext.toString('base64'),
      iv: iv.toString('base64'),
      keyCommitment: createHash('sha256')
        .update(Buffer.concat([Buffer.from('bid-key-v1', 'utf8'), key]))
        .digest('hex'),
      escrowedKey: Buffer.concat([ephPublic, iv2, wrapped]).toString('base64'),
      client: { deviceId: 'own-tool-1', toolVersion: 'own-tool/2.0' },
    },
    ciphertextSha256: createHash('sha256').update(ciphertext).digest('hex'),
  };
}

describe('opening (开标): the deadline, the decryption window, escrow, the record', () => {
  let t: TestApp;
  const events: Array<{ name: keyof DomainEventMap; payload: Record<string, string> }> = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    const bus = t.app.get(DomainEvents);
    for (const name of ['BidRevoked', 'BidWithdrawn', 'TenderFailed', 'TenderEnteredEvaluation'] as const) {
      bus.observe(name, async (_m, payload) => void events.push({ name, payload: payload as never }));
    }
  });
  afterAll(() => t.close());

  const status = async (tenderId: string) =>
    (await t.dataSource.query(`SELECT status, status_reason FROM tenders WHERE id = $1`, [tenderId]))[0] as { status: string; status_reason: string | null };
  const waitForStatus = async (tenderId: string, want: string[], ms = 15_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const s = await status(tenderId);
      if (want.includes(s.status)) return s;
      if (Date.now() > end) throw new Error(`tender ${tenderId} is ${s.status}, not ${want.join('|')}`);
      await sleep(50);
    }
  };
  const bidRow = async (bidId: string) =>
    (await t.dataSource.query(`SELECT status, status_reason, price, decrypted_by, opened_at, revealed_key FROM bids WHERE id = $1`, [bidId]))[0];

  /** A tender with `prices.length` bids, its deadline `deadlineInMs` ahead; waits for the deadline's outcome. */
  async function tenderWithBids(prices: string[], o: TenderOptions & { escrowFor?: boolean[] } = {}) {
    const bidders: TestParty[] = [];
    for (let i = 0; i < prices.length; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
    const tender = await createPublishedTender(t, { deadlineInMs: 3000, bidSecurityAmount: '0.00', ...o });
    const bids: SubmittedBid[] = [];
    for (const [i, price] of prices.entries()) {
      const b = bidders[i];
      const r = await sealAndSubmit(t, tender, b, plaintextOf(price, { durationDays: 300 + i, extraBytes: 64, attachmentName: `施工组织设计${i}.pdf` }), {
        escrow: o.escrowFor ? o.escrowFor[i] : true,
      });
      expect(r.status).toBe(201);
      bids.push(r);
    }
    return { tender, bidders, bids };
  }

  /** Time passes: the window ends now (the DECRYPTION_WINDOW_CLOSE event moves to now, as the clock would bring it). */
  async function closeWindowNow(tenderId: string) {
    await t.dataSource.transaction(async (m) => {
      await m.query(`UPDATE tenders SET decryption_window_ends_at = clock_timestamp() WHERE id = $1`, [tenderId]);
      await t.app.get(SchedulerService).plan(m, { kind: ScheduledEventKind.DecryptionWindowClose, subjectId: tenderId, tenderId, runAt: new Date() });
    });
  }

  const decrypt = (tender: TestTender, bidder: TestParty, bidId: string, key: string) =>
    t.http().post(`/api/v1/tenders/${tender.id}/bids/${bidId}/decryption`).set(bidder.auth).send({ key });

  describe('the minimum of 3 bids (TBL Art. 28; TBR Art. 44) — never relaxed', () => {
    it('2 bids: FAILED at the deadline, nothing opened or decrypted, no record', async () => {
      const { tender, bids } = await tenderWithBids(['100.00', '200.00']);
      const s = await waitForStatus(tender.id, ['FAILED', 'OPENING']);
      expect(s).toEqual({ status: 'FAILED', status_reason: 'FEWER_THAN_3_BIDS' });
      for (const b of bids) expect(await bidRow(b.body.bidId)).toMatchObject({ status: 'SUBMITTED', price: null, opened_at: null, revealed_key: null });
      expect(events).toContainEqual({ name: 'TenderFailed', payload: { tenderId: tender.id, reason: 'FEWER_THAN_3_BIDS' } });
      const rec = await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(tender.owner.auth);
      expect(rec.status).toBe(403);
      expect(rec.body.code).toBe('SEALED_UNTIL_OPENING');
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_KEY_UNSEALED'`, [tender.id]);
      expect(n).toBe(0);
    });

    it('2 bids and a withdrawn third: still FAILED (a withdrawn bid does not count)', async () => {
      const { tender, bidders } = await tenderWithBids(['100.00', '200.00', '300.00'], { deadlineInMs: 3000 });
      expect((await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidders[2].auth)).status).toBe(200);
      expect((await waitForStatus(tender.id, ['FAILED', 'OPENING'])).status).toBe('FAILED');
    });

    it('3 bids: OPENING with the window (the boundary itself opens)', async () => {
      const { tender, bids } = await tenderWithBids(['100.00', '200.00', '300.00'], { windowMinutes: 30 });
      expect((await waitForStatus(tender.id, ['FAILED', 'OPENING'])).status).toBe('OPENING');
      const [row] = await t.dataSource.query(`SELECT opened_at, decryption_window_ends_at, bid_deadline FROM tenders WHERE id = $1`, [tender.id]);
      expect(new Date(row.opened_at).getTime()).toBeGreaterThanOrEqual(new Date(row.bid_deadline).getTime());
      expect(new Date(row.decryption_window_ends_at).getTime() - new Date(row.opened_at).getTime()).toBe(30 * 60_000);
      for (const b of bids) expect(await bidRow(b.body.bidId)).toMatchObject({ status: 'OPENED', price: null });
    });
  });

  it('BIDDER_WITH_ESCROW_FALLBACK: bidders decrypt online; a wrong key is 422; the escrow opens the rest at the close', async () => {
    const { tender, bidders, bids } = await tenderWithBids(['38000000.00', '37500000.50', '36999999.99', '39000000.00'], {
      decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK',
      windowMinutes: 30,
    });
    // Before the deadline: the window is not open, even for the bid's own bidder.
    const early = await decrypt(tender, bidders[0], bids[0].body.bidId, bids[0].sealed.key);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('DECRYPTION_WINDOW_CLOSED');
    await waitForStatus(tender.id, ['OPENING']);

    const ok = await decrypt(tender, bidders[0], bids[0].body.bidId, bids[0].sealed.key);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ bidId: bids[0].body.bidId, price: '38000000.00', status: 'DECRYPTED', durationDays: 300 });
    expect((await decrypt(tender, bidders[0], bids[0].body.bidId, bids[0].sealed.key)).body).toEqual(ok.body); // idempotent

    const wrong = await decrypt(tender, bidders[1], bids[1].body.bidId, bids[2].sealed.key);
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('KEY_COMMITMENT_MISMATCH');
    expect(await bidRow(bids[1].body.bidId)).toMatchObject({ status: 'OPENED', price: null });
    const right = await decrypt(tender, bidders[1], bids[1].body.bidId, bids[1].sealed.key);
    expect(right.body.price).toBe('37500000.50');

    // Someone else's bid: 404, as for a bid that does not exist.
    const other = await decrypt(tender, bidders[2], bids[3].body.bidId, bids[3].sealed.key);
    const none = await decrypt(tender, bidders[2], '00000000-0000-4000-8000-000000000000', bids[3].sealed.key);
    expect([other.status, other.body.code]).toEqual([404, 'NOT_FOUND']);
    expect(other.body.message).toBe(none.body.message);
    expect(await bidRow(bids[3].body.bidId)).toMatchObject({ status: 'OPENED' });

    const bad = await decrypt(tender, bidders[2], bids[2].body.bidId, 'short');
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);

    // The opening record does not exist while the window is open: not for the owner, and not for the public (401
    // without a token, for the record and its PDF) — the boundary of EB20 Art. 32's publication.
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(tender.owner.auth)).body.code).toBe('SEALED_UNTIL_OPENING');
    for (const path of ['opening-record', 'opening-record.pdf']) {
      const anon = await t.http().get(`/api/v1/tenders/${tender.id}/${path}`);
      expect([path, anon.status, anon.body.code]).toEqual([path, 401, 'UNAUTHENTICATED']);
    }

    await closeWindowNow(tender.id);
    expect((await waitForStatus(tender.id, ['EVALUATION', 'FAILED'])).status).toBe('EVALUATION');
    expect(await bidRow(bids[2].body.bidId)).toMatchObject({ status: 'DECRYPTED', price: '36999999.99', decrypted_by: 'ESCROW' });
    expect(await bidRow(bids[0].body.bidId)).toMatchObject({ status: 'DECRYPTED', decrypted_by: 'BIDDER' });
    expect(events).toContainEqual({ name: 'TenderEnteredEvaluation', payload: { tenderId: tender.id } });
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_KEY_UNSEALED'`, [tender.id]);
    expect(n).toBe(1);

    // After the close: 409 for a bid still to decrypt; the decrypted one still answers the same.
    expect((await decrypt(tender, bidders[0], bids[0].body.bidId, bids[0].sealed.key)).status).toBe(200);

    // The record: every opened bid, in order of receipt, with its price; the PDF (rendered after the commit) with its hash.
    for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) {
      const [r] = await t.dataSource.query(`SELECT pdf_sha256 FROM opening_records WHERE tender_id = $1`, [tender.id]);
      if (r?.pdf_sha256) break;
    }
    const rec = await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(tender.owner.auth);
    expect(rec.status).toBe(200);
    expect(rec.body.bids.map((b: { bidId: string }) => b.bidId)).toEqual(bids.map((b) => b.body.bidId));
    expect(rec.body.bids.map((b: { price: string }) => b.price)).toEqual(['38000000.00', '37500000.50', '36999999.99', '39000000.00']);
    expect(rec.body.bids[0]).toMatchObject({ bidderName: expect.stringContaining('盐城'), status: 'DECRYPTED', receivedAt: bids[0].body.receivedAt });
    expect(rec.body.bids[0].attachments[0]).toMatchObject({ name: '施工组织设计0.pdf', sha256: sha256Hex(Buffer.alloc(64, 7)) });
    expect(rec.body.summary).toEqual({ received: 4, decrypted: 4, revoked: 0, withdrawn: 0 });
    expect(rec.body.recordSha256).toMatch(/^[0-9a-f]{64}$/);
    const pdf = await t
      .http()
      .get(`/api/v1/tenders/${tender.id}/opening-record.pdf`)
      .set(bidders[3].auth)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const body = pdf.body as Buffer;
    expect(body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(sha256Hex(body)).toBe(rec.body.pdfSha256);
    expect(pdf.headers['x-content-sha256']).toBe(rec.body.pdfSha256);
    // The filed document shows Beijing time; the JSON keeps ISO-8601 UTC.
    const text = pdfText(body);
    expect(text).toContain(beijingTimeLabel(rec.body.bidDeadline));
    expect(text).toContain('北京时间');
    expect(text).not.toMatch(ISO_INSTANT);
    expect(rec.body.bidDeadline).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // Once the window has closed the record is public (EB20 Art. 32, API.md "Additions"): participants, the owner and
    // supervisors get it whole; anyone else — an expert, another bidder or entity, an anonymous caller — gets what the
    // opening published, without the bids' attachment lists.
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const expert = await createStaff(t, Role.EXPERT);
    const admin = await createStaff(t, Role.ADMIN);
    const outsider = await registerParty(t, { role: Role.BIDDER });
    const otherEntity = await registerParty(t, { role: Role.PROCURING_ENTITY });
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(supervisor.auth)).body.bids[0].attachments).toHaveLength(1);
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(bidders[1].auth)).body.bids[0].attachments).toHaveLength(1);
    for (const p of [expert, admin, outsider, otherEntity, null]) {
      const r = p ? await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(p.auth) : await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`);
      expect(r.status).toBe(200);
      expect(r.body.bids.map((b: { price: string }) => b.price)).toEqual(['38000000.00', '37500000.50', '36999999.99', '39000000.00']);
      expect(r.body.bids.every((b: { attachments: unknown[] }) => b.attachments.length === 0)).toBe(true);
      expect(r.body.recordSha256).toBe(rec.body.recordSha256);
    }
    const anonPdf = await t.http().get(`/api/v1/tenders/${tender.id}/opening-record.pdf`);
    expect([anonPdf.status, anonPdf.headers['x-content-sha256']]).toEqual([200, rec.body.pdfSha256]);

    // The evaluation's read side.
    const opened = await t.app.get(BidsQueryService).openedBids(tender.id);
    expect(opened.map((b) => [b.price, b.status, b.durationDays])).toEqual([
      ['38000000.00', 'DECRYPTED', 300],
      ['37500000.50', 'DECRYPTED', 301],
      ['36999999.99', 'DECRYPTED', 302],
      ['39000000.00', 'DECRYPTED', 303],
    ]);
    expect(await t.app.get(BidsQueryService).bidderOrganizationIds(tender.id)).toEqual(bidders.map((b) => b.organizationId).sort());
    const full = await t.app.get(BidsQueryService).decryptedPlaintext(tender.id, bids[2].body.bidId);
    expect(full).toEqual(bids[2].plaintext); // attachments re-opened from the ciphertext with the stored key
  });

  it('BIDDER mode: a bid not decrypted in the window is REVOKED (EB20 Art. 31), the others go on to evaluation', async () => {
    const { tender, bidders, bids } = await tenderWithBids(['100.00', '200.00', '300.00', '400.00'], { decryptionMode: 'BIDDER', windowMinutes: 30 });
    await waitForStatus(tender.id, ['OPENING']);
    for (const i of [0, 1, 2]) expect((await decrypt(tender, bidders[i], bids[i].body.bidId, bids[i].sealed.key)).status).toBe(200);
    expect((await status(tender.id)).status).toBe('OPENING'); // one bid left: the window stays open
    await closeWindowNow(tender.id);
    expect((await waitForStatus(tender.id, ['EVALUATION', 'FAILED'])).status).toBe('EVALUATION');
    expect(await bidRow(bids[3].body.bidId)).toMatchObject({ status: 'REVOKED', status_reason: 'NOT_DECRYPTED_BY_BIDDER', price: null });
    expect(events).toContainEqual({
      name: 'BidRevoked',
      payload: { tenderId: tender.id, bidId: bids[3].body.bidId, bidderOrganizationId: bidders[3].organizationId },
    });
    // BIDDER mode never unseals the escrow key.
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_KEY_UNSEALED'`, [tender.id]);
    expect(n).toBe(0);
    const late = await decrypt(tender, bidders[3], bids[3].body.bidId, bids[3].sealed.key);
    expect([late.status, late.body.code]).toEqual([409, 'DECRYPTION_WINDOW_CLOSED']);
    const rec = await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(bidders[3].auth);
    expect(rec.body.bids[3]).toMatchObject({ status: 'REVOKED', price: null });
    // A PDF not rendered yet (its job lost) is rendered on the first request, once.
    await t.dataSource.query(`UPDATE opening_records SET pdf = NULL, pdf_sha256 = NULL WHERE tender_id = $1`, [tender.id]);
    const pdf = await t.http().get(`/api/v1/tenders/${tender.id}/opening-record.pdf`).set(tender.owner.auth);
    expect([pdf.status, pdf.headers['content-type']]).toEqual([200, 'application/pdf']);
    const [row] = await t.dataSource.query(`SELECT pdf_sha256 FROM opening_records WHERE tender_id = $1`, [tender.id]);
    expect(pdf.headers['x-content-sha256']).toBe(row.pdf_sha256);
  });

  it('the window closes early once every bid is decrypted', async () => {
    const { tender, bidders, bids } = await tenderWithBids(['1.00', '2.00', '3.00'], { decryptionMode: 'BIDDER', windowMinutes: 60 });
    await waitForStatus(tender.id, ['OPENING']);
    await Promise.all([0, 1, 2].map((i) => decrypt(tender, bidders[i], bids[i].body.bidId, bids[i].sealed.key)));
    expect((await waitForStatus(tender.id, ['EVALUATION'], 10_000)).status).toBe('EVALUATION');
    const [row] = await t.dataSource.query(`SELECT opened_at, decryption_window_ends_at FROM tenders WHERE id = $1`, [tender.id]);
    expect(new Date(row.decryption_window_ends_at).getTime() - new Date(row.opened_at).getTime()).toBeLessThan(60 * 60_000);
  });

  it('the decryption window boundary, on the database clock: open 1 instant before its end, closed at it', async () => {
    const { tender, bidders, bids } = await tenderWithBids(['1.00', '2.00', '3.00'], { decryptionMode: 'BIDDER', windowMinutes: 30 });
    await waitForStatus(tender.id, ['OPENING']);
    await t.dataSource.query(`UPDATE tenders SET decryption_window_ends_at = clock_timestamp() + interval '1 second' WHERE id = $1`, [tender.id]);
    expect((await decrypt(tender, bidders[0], bids[0].body.bidId, bids[0].sealed.key)).status).toBe(200);
    await t.dataSource.query(`UPDATE tenders SET decryption_window_ends_at = clock_timestamp() WHERE id = $1`, [tender.id]);
    const r = await decrypt(tender, bidders[1], bids[1].body.bidId, bids[1].sealed.key);
    expect([r.status, r.body.code]).toEqual([409, 'DECRYPTION_WINDOW_CLOSED']);
    expect(await bidRow(bids[1].body.bidId)).toMatchObject({ status: 'OPENED', price: null });
  });

  it("ESCROW mode opens everything at the deadline; a bidder's bad seal is REVOKED, a bid damaged by the platform is WITHDRAWN", async () => {
    const parties = [];
    for (let i = 0; i < 6; i++) parties.push(await registerParty(t, { role: Role.BIDDER }));
    const [cheat, sloppy, victim] = parties.slice(3);
    const tender = await createPublishedTender(t, { deadlineInMs: 4000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    const good = [];
    for (const [i, price] of ['10.00', '20.00', '30.00'].entries()) {
      good.push({ b: parties[i], r: await sealAndSubmit(t, tender, parties[i], price) });
    }
    // A bidder that escrowed a key other than the one it committed to (its own fault).
    const cheatBid = await sealAndSubmit(t, tender, cheat, '5.00', {
      mutate: (q) => (q.escrowedKey = wrapEscrowKey({ key: Buffer.alloc(32, 3), escrowPublicKey: tender.escrowPublicKey! })),
    });
    // A bidder that sealed with another organisation's id in the aad (GCM fails with its own, committed key).
    const wrongAad = sealBid({
      tenderId: tender.id,
      bidderOrganizationId: cheat.organizationId!,
      plaintext: plaintextOf('6.00'),
      escrowPublicKey: tender.escrowPublicKey!,
      client: { deviceId: 'x' },
    });
    const sloppyRes = await t.http().post(`/api/v1/tenders/${tender.id}/bids`).set(sloppy.auth).send(wrongAad.request);
    expect(sloppyRes.status).toBe(201);
    // A bid whose stored ciphertext the platform damages after receipt.
    const victimBid = await sealAndSubmit(t, tender, victim, '7.00');
    await t.dataSource.query(`UPDATE bids SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 255) WHERE id = $1`, [victimBid.body.bidId]);
    expect((await status(tender.id)).status).toBe('PUBLISHED'); // all of it before the deadline

    expect((await waitForStatus(tender.id, ['EVALUATION', 'FAILED'], 20_000)).status).toBe('EVALUATION');
    for (const g of good) expect(await bidRow(g.r.body.bidId)).toMatchObject({ status: 'DECRYPTED', decrypted_by: 'ESCROW' });
    expect(await bidRow(cheatBid.body.bidId)).toMatchObject({ status: 'REVOKED', status_reason: 'KEY_COMMITMENT_MISMATCH' });
    expect(await bidRow(sloppyRes.body.bidId)).toMatchObject({ status: 'REVOKED', status_reason: 'DECRYPTION_FAILED' });
    expect(await bidRow(victimBid.body.bidId)).toMatchObject({ status: 'WITHDRAWN', status_reason: 'CIPHERTEXT_DAMAGED' });
    expect(events).toContainEqual({ name: 'BidWithdrawn', payload: { tenderId: tender.id, bidId: victimBid.body.bidId, bidderOrganizationId: victim.organizationId } });
    expect(events).toContainEqual({ name: 'BidRevoked', payload: { tenderId: tender.id, bidId: cheatBid.body.bidId, bidderOrganizationId: cheat.organizationId } });
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM decryption_attempts WHERE tender_id = $1`, [tender.id]);
    expect(n).toBe(6);
  });

  it('a window-close event that fires twice changes nothing twice', async () => {
    const { tender } = await tenderWithBids(['1.00', '2.00', '3.00'], { decryptionMode: 'ESCROW' });
    await waitForStatus(tender.id, ['EVALUATION']);
    const [before] = await t.dataSource.query(`SELECT record_sha256, created_at FROM opening_records WHERE tender_id = $1`, [tender.id]);
    // The event planned again (a duplicate job), and the use case run directly twice at once.
    await closeWindowNow(tender.id);
    const close = t.app.get(CloseDecryptionWindowUseCase);
    await Promise.all([1, 2].map(() => t.dataSource.transaction((m) => close.execute({ manager: m, tenderId: tender.id }))));
    // The duplicate job has run too: no window-close event of the tender is still pending.
    await until(
      async () =>
        (
          await t.dataSource.query(`SELECT count(*)::int AS n FROM scheduled_events WHERE subject_id = $1 AND kind = $2 AND status = 'PENDING'`, [
            tender.id,
            ScheduledEventKind.DecryptionWindowClose,
          ])
        )[0].n === 0,
      'the duplicate window-close event to run',
    );
    const [after] = await t.dataSource.query(`SELECT record_sha256, created_at FROM opening_records WHERE tender_id = $1`, [tender.id]);
    expect(after).toEqual(before);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events WHERE tender_id = $1 AND action = 'DECRYPTION_WINDOW_CLOSED'`, [tender.id]);
    expect(n).toBe(1);
    expect((await status(tender.id)).status).toBe('EVALUATION');
  });

  it('an independent client (node:crypto only, from API.md) seals, verifies its receipt, decrypts online, and is escrow-opened', async () => {
    const parties = [];
    for (let i = 0; i < 3; i++) parties.push(await registerParty(t, { role: Role.BIDDER }));
    const tender = await createPublishedTender(t, { deadlineInMs: 3000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER_WITH_ESCROW_FALLBACK' });
    const receiptKey = createPublicKey((await t.http().get('/api/v1/platform/keys')).body.receiptPublicKey);
    const sealed = [];
    for (const [i, p] of parties.entries()) {
      const s = independentSeal(tender.id, p.organizationId!, `${5_000_000 + i}.00`, tender.escrowPublicKey!);
      const r = await t.http().post(`/api/v1/tenders/${tender.id}/bids`).set(p.auth).send(s.body);
      expect(r.status).toBe(201);
      expect(r.body.ciphertextSha256).toBe(s.ciphertextSha256);
      const message = [r.body.bidId, r.body.version, tender.id, p.organizationId, s.ciphertextSha256, s.body.keyCommitment, r.body.receivedAt].join('|');
      expect(verify(null, Buffer.from(message, 'utf8'), receiptKey, Buffer.from(r.body.signature, 'base64'))).toBe(true);
      sealed.push({ p, s, bidId: r.body.bidId as string });
    }
    await waitForStatus(tender.id, ['OPENING']);
    const d = await t.http().post(`/api/v1/tenders/${tender.id}/bids/${sealed[0].bidId}/decryption`).set(sealed[0].p.auth).send({ key: sealed[0].s.key });
    expect(d.body).toMatchObject({ price: '5000000.00', durationDays: 180 });
    await closeWindowNow(tender.id);
    await waitForStatus(tender.id, ['EVALUATION']);
    const rec = await t.http().get(`/api/v1/tenders/${tender.id}/opening-record`).set(tender.owner.auth);
    expect(rec.body.bids.map((b: { price: string }) => b.price)).toEqual(['5000000.00', '5000001.00', '5000002.00']);
  });
});
