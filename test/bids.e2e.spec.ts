import { BidIdentitySealer } from 'src/modules/bids/bid-identity-sealer';
import { ModuleRef } from '@nestjs/core';
import { createHmac } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { PlatformKeyService } from 'src/modules/bids/platform-key.service';
import { generateReceiptKeyPair, keyCommitment, MAX_BID_REQUEST_BODY_BYTES, MAX_CIPHERTEXT_BYTES, MAX_PLAINTEXT_BYTES, sealBid, serializePlaintext, verifyReceipt } from 'src/sdk';
import { registerParty, type TestParty } from './factories/identity.factory';
import { plaintextOf, sealAndSubmit } from './factories/bid.factory';
import { createDraftTender, createPublishedTender, type TestTender } from './factories/tender.factory';
import { untilBidDeadlinePassed } from './helpers/poll';
import { createTestApp, type TestApp } from './helpers/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sealed bids: submission, receipts, versions, withdrawal', () => {
  let t: TestApp;
  let bidder: TestParty;
  let tender: TestTender;

  const rows = async (tenderId: string) => (await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1`, [tenderId]))[0].n as number;
  const versions = async (tenderId: string) => (await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_versions WHERE tender_id = $1`, [tenderId]))[0].n as number;
  /** Bid events sit in the bid's own audit stream, sealed until the opening (test/audit-sealing.e2e.spec.ts). */
  const audits = async (bidId: string, action: string) =>
    t.dataSource.query(`SELECT stream, actor_id, ip, tender_id, sealed_tender_id, data FROM audit_events WHERE object_id = $1 AND action = $2 ORDER BY id`, [bidId, action]);

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    bidder = await registerParty(t, { role: Role.BIDDER });
    tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
  });
  afterAll(() => t.close());

  it('refuses a bidder debarred by a supervision decision (TBR Art. 67) with 403 BIDDER_DEBARRED, storing nothing', async () => {
    const debarred = await registerParty(t, { role: Role.BIDDER });
    const [sup] = await t.dataSource.query(`SELECT id FROM users WHERE role = 'ADMIN' LIMIT 1`);
    const [c] = await t.dataSource.query(
      `INSERT INTO supervision_cases (tender_id, status, summary, findings, request_sha256, opened_by, decided_at, decided_by)
       VALUES ($1, 'DECIDED', '围标', '串通投标', repeat('a', 64), $2, clock_timestamp(), $2) RETURNING id`,
      [tender.id, sup.id],
    );
    const insertPenalty = (from: string, until: string) =>
      t.dataSource.query(
        `INSERT INTO supervision_penalties (case_id, position, organization_id, type, ground, debarment_months, effective_from, effective_until, legal_basis)
         VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM supervision_penalties WHERE case_id = $1), $2, 'DEBARMENT', 'COLLUSION', 12,
                 clock_timestamp() + $3::interval, clock_timestamp() + $4::interval, 'TBR Art. 67')`,
        [c.id, debarred.organizationId, from, until],
      );
    await insertPenalty('-2 years', '-1 year'); // an expired debarment does not bar
    const ok = await sealAndSubmit(t, tender, debarred, plaintextOf('10000000.00'));
    expect(ok.status).toBe(201);
    await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(debarred.auth).expect(200);
    await insertPenalty('-1 day', '1 year');
    const before = await versions(tender.id);
    const r = await sealAndSubmit(t, tender, debarred, plaintextOf('10000000.00'));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'BIDDER_DEBARRED', details: { legalBasis: 'TBR Art. 67' } });
    expect(await versions(tender.id)).toBe(before);
  });

  it('stores a bid sealed with the SDK and answers 201 with a receipt signed by the key at /platform/keys', async () => {
    const r = await sealAndSubmit(t, tender, bidder, plaintextOf('12345678.90', { durationDays: 365, extraBytes: 2000 }), {
      client: { deviceId: 'dev-A', macAddresses: ['02:00:00:00:00:0a', '02:00:00:00:00:0b'], toolVersion: 'bid-seal/0.1.0', documentAuthor: '李工' },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ version: 1, ciphertextSha256: r.sealed.ciphertextSha256 });
    expect(r.body.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const keys = await t.http().get('/api/v1/platform/keys');
    expect(keys.status).toBe(200);
    expect(keys.body.receiptPublicKey).toContain('BEGIN PUBLIC KEY');
    const verify = (receipt: unknown, commitment = r.sealed.request.keyCommitment) =>
      verifyReceipt({
        receipt: receipt as never,
        tenderId: tender.id,
        bidderOrganizationId: bidder.organizationId!,
        keyCommitment: commitment,
        receiptPublicKeyPem: keys.body.receiptPublicKey,
        ciphertext: r.sealed.request.ciphertext,
        iv: r.sealed.request.iv,
        escrowedKey: r.sealed.request.escrowedKey ?? null,
      });
    expect(verify(r.body)).toBe(true);
    // The v1 receipt extension covers the stored iv and escrowed key too (SEALED_BID_FORMAT.md §5.1).
    expect(r.body).toMatchObject({ envelopeSha256: expect.stringMatching(/^[0-9a-f]{64}$/), envelopeSignature: expect.any(String) });
    // Stored sealed until the opening (it is computed over the bidder's id, issue 17), in clear again from the opening.
    const [stored] = await t.dataSource.query(`SELECT envelope_sha256 FROM bids WHERE id = $1`, [r.body.bidId]);
    expect(stored.envelope_sha256).toMatch(/^sealed1:/);
    expect(t.app.get(BidIdentitySealer).receiptField(stored.envelope_sha256, r.body.bidId)).toBe(r.body.envelopeSha256);
    const mine = await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(bidder.auth).expect(200);
    expect(mine.body).toMatchObject({ envelopeSha256: r.body.envelopeSha256, envelopeSignature: r.body.envelopeSignature });
    expect(verify({ ...r.body, version: 2 })).toBe(false); // the signature covers every field
    expect(verify(r.body, keyCommitment(Buffer.alloc(32, 1)))).toBe(false);

    // The fingerprint the collusion screens compare (IP, device, MACs, tool, author) and who bid are sealed until the
    // opening (issue 17, sealed identities; unsealed into these columns at the deadline: sealed-identities.e2e.spec.ts).
    const [row] = await t.dataSource.query(
      `SELECT bidder_organization_id, submitted_by, ip, device_id, mac_addresses, tool_version, document_author, ciphertext_sha256,
              ciphertext_bytes, price, revealed_key, sealed_identity, bidder_blind_index
       FROM bids WHERE id = $1`,
      [r.body.bidId],
    );
    expect(row).toMatchObject({
      bidder_organization_id: null,
      submitted_by: null,
      ip: null,
      device_id: null,
      mac_addresses: [],
      tool_version: null,
      document_author: null,
      ciphertext_sha256: r.sealed.ciphertextSha256,
      price: null,
      revealed_key: null,
      bidder_blind_index: await t.app.get(BidIdentitySealer).blindIndex(tender.id, bidder.organizationId!),
    });
    expect(row.sealed_identity).not.toContain('dev-A');
    // The audit event names the bid, its version and hash — never a price, nor (before the opening) who sent it.
    const [ev] = await audits(r.body.bidId, 'BID_SUBMITTED');
    expect(ev).toMatchObject({ stream: `bid:${r.body.bidId}`, tender_id: tender.id, sealed_tender_id: tender.id });
    expect(ev.actor_id).toBe('sealed-bidder');
    expect(ev.ip).toBe('');
    expect(ev.data).toEqual({ bidId: r.body.bidId, version: 1, lotNo: 1, ciphertextSha256: r.sealed.ciphertextSha256, ciphertextBytes: row.ciphertext_bytes, escrowed: true });
  });

  it('a second submission replaces the first (version + 1); the same sealed bid again changes nothing', async () => {
    const b = await registerParty(t, { role: Role.BIDDER });
    const first = await sealAndSubmit(t, tender, b, '100.00');
    const second = await sealAndSubmit(t, tender, b, '99.00');
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ bidId: first.body.bidId, version: 2 });
    const again = await t.http().post(`/api/v1/tenders/${tender.id}/bids`).set(b.auth).send(second.sealed.request);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(second.body); // same receipt, same signature: idempotent
    const mine = await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.auth);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ bidId: first.body.bidId, version: 2, status: 'SUBMITTED', ciphertextSha256: second.sealed.ciphertextSha256, price: null });
    expect(mine.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const [row] = await t.dataSource.query(`SELECT version, ciphertext_sha256 FROM bids WHERE id = $1`, [first.body.bidId]);
    expect(row).toEqual({ version: 2, ciphertext_sha256: second.sealed.ciphertextSha256 });
  });

  it('concurrent first submissions of one bidder end as one bid with consecutive versions', async () => {
    const b = await registerParty(t, { role: Role.BIDDER });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => sealAndSubmit(t, tender, b, `${1000 + i}.00`)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.bidId)).size).toBe(1);
    expect(results.map((r) => r.body.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const [row] = await t.dataSource.query(`SELECT count(*)::int AS n, max(version) AS v FROM bids WHERE tender_id = $1 AND bidder_blind_index = $2`, [
      tender.id,
      await t.app.get(BidIdentitySealer).blindIndex(tender.id, b.organizationId!),
    ]);
    expect(row).toEqual({ n: 1, v: 6 });
  });

  it('withdraws before the deadline (idempotently), emits nothing twice, and may bid again', async () => {
    const b = await registerParty(t, { role: Role.BIDDER });
    const r = await sealAndSubmit(t, tender, b, '500.00');
    const w1 = await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.auth);
    expect(w1.status).toBe(200);
    expect(w1.body).toMatchObject({ bidId: r.body.bidId, status: 'WITHDRAWN' });
    const w2 = await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.auth);
    expect(w2.body).toEqual(w1.body);
    expect(await audits(r.body.bidId, 'BID_WITHDRAWN')).toHaveLength(1);
    const mine = await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.auth);
    expect(mine.body).toMatchObject({ status: 'WITHDRAWN', withdrawnAt: w1.body.withdrawnAt });
    const again = await sealAndSubmit(t, tender, b, '480.00');
    expect(again.body).toMatchObject({ bidId: r.body.bidId, version: 2, status: 'SUBMITTED' });
  });

  it("GET /bids/mine lists only the caller's own bids (我的投标): one per tender, an empty list where it has none", async () => {
    const a = await registerParty(t, { role: Role.BIDDER });
    const other = await registerParty(t, { role: Role.BIDDER });
    const r = await sealAndSubmit(t, tender, a, '321.00');
    await sealAndSubmit(t, tender, other, '322.00');
    const all = await t.http().get('/api/v1/bids/mine').set(a.auth);
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      total: 1,
      items: [expect.objectContaining({ bidId: r.body.bidId, tenderId: tender.id, version: 1, status: 'SUBMITTED' })],
    });
    expect(JSON.stringify(all.body)).not.toContain(other.organizationId);
    const one = await t.http().get('/api/v1/bids/mine').query({ tenderId: tender.id }).set(a.auth);
    expect(one.body.items.map((i: { bidId: string }) => i.bidId)).toEqual([r.body.bidId]);
    const none = await registerParty(t, { role: Role.BIDDER });
    expect((await t.http().get('/api/v1/bids/mine').query({ tenderId: tender.id }).set(none.auth)).body).toEqual({ items: [], total: 0 });
    expect((await t.http().get('/api/v1/bids/mine').query({ tenderId: 'not-a-uuid' }).set(a.auth)).body.code).toBe('VALIDATION_FAILED');
    // Sealed means sealed: no other role has a "mine" list that could enumerate bids.
    expect((await t.http().get('/api/v1/bids/mine').set(tender.owner.auth)).status).toBe(403);
    expect((await t.http().get('/api/v1/bids/mine')).status).toBe(401);
  });

  it('GET/DELETE bids/mine without a bid is 404', async () => {
    const b = await registerParty(t, { role: Role.BIDDER });
    expect((await t.http().get(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.auth)).body.code).toBe('NOT_FOUND');
    expect((await t.http().delete(`/api/v1/tenders/${tender.id}/bids/mine`).set(b.auth)).body.code).toBe('NOT_FOUND');
  });

  describe('bad input: 400 VALIDATION_FAILED and nothing stored', () => {
    const cases: Array<[string, (req: Record<string, unknown>) => void, string]> = [
      ['ciphertext not base64', (q) => (q.ciphertext = '!!not-base64!!'), 'ciphertext'],
      ['ciphertext with whitespace', (q) => (q.ciphertext = ` ${q.ciphertext}`), 'ciphertext'],
      ['iv of 16 bytes', (q) => (q.iv = Buffer.alloc(16).toString('base64')), 'iv'],
      ['commitment in upper case', (q) => (q.keyCommitment = String(q.keyCommitment).toUpperCase()), 'keyCommitment'],
      ['commitment missing', (q) => delete q.keyCommitment, 'keyCommitment'],
      ['escrowed key of 64 bytes', (q) => (q.escrowedKey = Buffer.alloc(64).toString('base64')), 'escrowedKey'],
      ['client missing', (q) => delete q.client, 'client'],
      ['bad MAC address', (q) => (q.client = { deviceId: 'd', macAddresses: ['not-a-mac'] }), 'client.macAddresses'],
      ['a plaintext price next to the envelope', (q) => (q.price = '100.00'), 'price'],
    ];
    it.each(cases)('%s', async (_name, mutate, field) => {
      const b = await registerParty(t, { role: Role.BIDDER });
      const before = await rows(tender.id);
      const r = await sealAndSubmit(t, tender, b, '1.00', { mutate });
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
      expect(r.body.details.map((d: { field: string }) => d.field)).toContain(field);
      expect(await rows(tender.id)).toBe(before);
    });

    it('a body that is not JSON', async () => {
      const r = await t.http().post(`/api/v1/tenders/${tender.id}/bids`).set(bidder.auth).set('Content-Type', 'application/json').send('{"ciphertext":');
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    });

    it('the largest sealed bid fits the default body limit exactly padded to it; one byte more is 413 PAYLOAD_TOO_LARGE', async () => {
      expect(t.config.bodyLimit).toBe(String(MAX_BID_REQUEST_BODY_BYTES));
      // A plaintext as close to the format's largest as base64 allows: its ciphertext is within 3 bytes of 20 MiB.
      const empty = { price: '1.00', currency: 'CNY' as const, attachments: [{ name: '投标文件.bin', contentBase64: '' }] };
      const room = Math.floor((MAX_PLAINTEXT_BYTES - serializePlaintext(empty).length) / 4) * 3;
      const big = { ...empty, attachments: [{ name: '投标文件.bin', contentBase64: Buffer.alloc(room, 0x5a).toString('base64') }] };
      const large = await registerParty(t, { role: Role.BIDDER });
      const sealed = sealBid({
        tenderId: tender.id,
        bidderOrganizationId: large.organizationId!,
        plaintext: big,
        escrowPublicKey: tender.escrowPublicKey!,
        client: { deviceId: 'big' },
      });
      expect(Buffer.from(sealed.request.ciphertext, 'base64').length).toBeGreaterThan(MAX_CIPHERTEXT_BYTES - 4);
      const json = JSON.stringify(sealed.request);
      const bytes = Buffer.byteLength(json);
      expect(bytes).toBeLessThan(MAX_BID_REQUEST_BODY_BYTES);
      const post = (body: string, who: TestParty) => t.http().post(`/api/v1/tenders/${tender.id}/bids`).set(who.auth).set('Content-Type', 'application/json').send(body);
      // JSON whitespace pads the body to the limit exactly: accepted, stored whole.
      const atLimit = await post(json + ' '.repeat(MAX_BID_REQUEST_BODY_BYTES - bytes), large);
      expect(atLimit.status).toBe(201);
      const [row] = await t.dataSource.query(`SELECT ciphertext_bytes, ciphertext_sha256 FROM bids WHERE id = $1`, [atLimit.body.bidId]);
      expect(row).toEqual({ ciphertext_bytes: Buffer.from(sealed.request.ciphertext, 'base64').length, ciphertext_sha256: sealed.ciphertextSha256 });
      // One byte over: refused before parsing, nothing stored.
      const other = await registerParty(t, { role: Role.BIDDER });
      const before = await rows(tender.id);
      const over = await post(json + ' '.repeat(MAX_BID_REQUEST_BODY_BYTES - bytes + 1), other);
      expect([over.status, over.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(await rows(tender.id)).toBe(before);
    }, 120_000);

    it('a tender id that is not a UUID', async () => {
      const r = await t.http().post(`/api/v1/tenders/not-a-uuid/bids`).set(bidder.auth).send({});
      expect(r.status).toBe(400);
      expect(r.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('decryption modes and the escrowed key (EB20 Art. 26)', () => {
    it('ESCROW mode refuses a bid without an escrowed key, and stores nothing', async () => {
      const esc = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
      const b = await registerParty(t, { role: Role.BIDDER });
      const r = await sealAndSubmit(t, esc, b, '1.00', { escrow: false });
      expect(r.status).toBe(400);
      expect(r.body.details[0].field).toBe('escrowedKey');
      expect(await rows(esc.id)).toBe(0);
      expect((await sealAndSubmit(t, esc, b, '1.00')).status).toBe(201);
    });

    it('BIDDER mode keeps no escrowed key: only the bidder can open its bid', async () => {
      const bm = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER' });
      const b = await registerParty(t, { role: Role.BIDDER });
      const r = await sealAndSubmit(t, bm, b, '1.00'); // the SDK wrapped the key for the escrow public key anyway
      expect(r.status).toBe(201);
      const [row] = await t.dataSource.query(`SELECT escrowed_key FROM bids WHERE id = $1`, [r.body.bidId]);
      expect(row.escrowed_key).toBeNull();
    });
  });

  describe('refusals: their code, and nothing stored', () => {
    it('a tender that does not exist, or is still a draft, is 404', async () => {
      const r1 = await sealAndSubmit(t, { id: '00000000-0000-4000-8000-000000000000', escrowPublicKey: tender.escrowPublicKey }, bidder, '1.00');
      expect(r1.status).toBe(404);
      const draft = await createDraftTender(t, { bidSecurityAmount: '0.00' });
      const r2 = await sealAndSubmit(t, { id: draft.id, escrowPublicKey: tender.escrowPublicKey }, bidder, '1.00');
      expect(r2.status).toBe(404);
      expect(await rows(draft.id)).toBe(0);
    });

    it('409 TENDER_NOT_OPEN_FOR_BIDS on a cancelled tender', async () => {
      const c = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
      const cancel = await t.http().post(`/api/v1/tenders/${c.id}/cancel`).set(c.owner.auth).send({ reason: '项目取消' });
      expect([200, 201]).toContain(cancel.status);
      const r = await sealAndSubmit(t, c, bidder, '1.00');
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('TENDER_NOT_OPEN_FOR_BIDS');
      expect(await rows(c.id)).toBe(0);
    });

    it('409 BID_SECURITY_MISSING until the bank reports the deposit, then 201 (TBR Art. 26)', async () => {
      const s = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '200000.00' });
      const b = await registerParty(t, { role: Role.BIDDER });
      const r = await sealAndSubmit(t, s, b, '1.00');
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('BID_SECURITY_MISSING');
      expect(await rows(s.id)).toBe(0);
      expect(await versions(s.id)).toBe(0);

      const account = await t.http().get(`/api/v1/tenders/${s.id}/bid-security/account`).set(b.auth);
      expect(account.status).toBe(200);
      const notification = JSON.stringify({
        txnId: `TXN${Date.now()}`,
        virtualAccountNo: account.body.virtualAccountNo,
        amount: '200000.00',
        payerAccountNo: (await t.dataSource.query(`SELECT basic_account_no FROM organizations WHERE id = $1`, [b.organizationId]))[0].basic_account_no,
        payerName: (await t.dataSource.query(`SELECT name FROM organizations WHERE id = $1`, [b.organizationId]))[0].name,
        paidAt: new Date().toISOString(),
      });
      const paid = await t
        .http()
        .post('/api/v1/bank/notifications')
        .set('Content-Type', 'application/json')
        .set('X-Bank-Signature', createHmac('sha256', t.config.bankWebhookSecret).update(notification).digest('hex'))
        .send(notification);
      expect(paid.status).toBe(200);
      expect((await sealAndSubmit(t, s, b, '1.00')).status).toBe(201);
    });

    it('409 BID_DEADLINE_PASSED after the deadline, nothing stored; withdrawal is refused too', async () => {
      const b = await registerParty(t, { role: Role.BIDDER });
      const d = await createPublishedTender(t, { deadlineInMs: 2500, bidSecurityAmount: '0.00' });
      const before = await sealAndSubmit(t, d, b, '1.00');
      expect(before.status).toBe(201);
      const [{ deadline }] = await t.dataSource.query(`SELECT bid_deadline AS deadline FROM tenders WHERE id = $1`, [d.id]);
      expect(new Date(before.body.receivedAt).getTime()).toBeLessThan(new Date(deadline).getTime());
      await untilBidDeadlinePassed(t.dataSource, d.id);
      const after = await sealAndSubmit(t, d, b, '2.00');
      expect(after.status).toBe(409);
      expect(after.body.code).toBe('BID_DEADLINE_PASSED');
      expect(JSON.stringify(after.body)).not.toContain(before.body.bidId);
      const w = await t.http().delete(`/api/v1/tenders/${d.id}/bids/mine`).set(b.auth);
      expect(w.status).toBe(409);
      expect(w.body.code).toBe('BID_DEADLINE_PASSED');
      const [row] = await t.dataSource.query(`SELECT version, status FROM bids WHERE id = $1`, [before.body.bidId]);
      expect(row.version).toBe(1);
      expect(row.status).not.toBe('WITHDRAWN');
      expect(await versions(d.id)).toBe(1);
    });
  });

  it('a burst that straddles the deadline: every bid is either received before it and opened, or refused and not stored', async () => {
    const bidders = await Promise.all(Array.from({ length: 8 }, () => registerParty(t, { role: Role.BIDDER })));
    // The burst starts 1.5 s before the deadline (a loaded machine needs the room for more than one round).
    const s = await createPublishedTender(t, { deadlineInMs: 4000, bidSecurityAmount: '0.00', decryptionMode: 'BIDDER' });
    const [{ deadline: d }] = await t.dataSource.query(`SELECT bid_deadline AS deadline FROM tenders WHERE id = $1`, [s.id]);
    const deadline = new Date(d).getTime();
    await sleep(Math.max(0, deadline - 1500 - Date.now()));
    const accepted = new Map<string, number>();
    const outcomes: Array<{ status: number; code?: string; receivedAt?: string }> = [];
    await Promise.all(
      bidders.map(async (b) => {
        for (;;) {
          const r = await sealAndSubmit(t, s, b, `${Math.floor(Math.random() * 1e6)}.00`);
          outcomes.push({ status: r.status, code: r.body.code, receivedAt: r.body.receivedAt });
          if (r.status === 201) accepted.set(b.organizationId!, r.body.version);
          else break;
        }
      }),
    );
    expect(outcomes.filter((o) => o.status === 201).length).toBeGreaterThan(8);
    // Every refusal is the deadline's, every acceptance was received before it (database clock).
    for (const o of outcomes) {
      if (o.status === 201) expect(new Date(o.receivedAt!).getTime()).toBeLessThan(deadline);
      else expect(o).toMatchObject({ status: 409, code: 'BID_DEADLINE_PASSED' });
    }
    // What is stored is exactly what was acknowledged: one version row per 201, none received at or after the deadline.
    expect(await versions(s.id)).toBe(outcomes.filter((o) => o.status === 201).length);
    const [{ late }] = await t.dataSource.query(`SELECT count(*)::int AS late FROM bid_versions WHERE tender_id = $1 AND received_at >= $2`, [s.id, new Date(deadline)]);
    expect(late).toBe(0);
    // And the opening counted exactly the last acknowledged version of every bidder.
    let opened: Array<{ bidderOrganizationId: string; version: number }> = [];
    for (const end = Date.now() + 10_000; Date.now() < end && !opened.length; await sleep(50)) {
      const [ev] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'BIDS_OPENED'`, [s.id]);
      opened = ev?.data.bids ?? [];
    }
    expect(new Map(opened.map((b) => [b.bidderOrganizationId, b.version]))).toEqual(accepted);
  });
});

describe('the platform receipt key', () => {
  it('is generated once, stored sealed, and concurrent first starts agree on one key', async () => {
    const t = await createTestApp({ workers: false });
    try {
      const first = (await t.http().get('/api/v1/platform/keys')).body.receiptPublicKey;
      const [row] = await t.dataSource.query(`SELECT public_key_pem, private_key_sealed FROM platform_keys`);
      expect(row.public_key_pem).toBe(first);
      expect(row.private_key_sealed).not.toMatch(/PRIVATE KEY/);
      expect(Buffer.from(row.private_key_sealed, 'base64').toString('latin1')).not.toMatch(/PRIVATE KEY/);
      // A restart reads the same key back.
      const refs = t.app.get(ModuleRef);
      const again = await refs.create(PlatformKeyService);
      await again.onModuleInit();
      expect(again.receiptPublicKeyPem).toBe(first);
      // Two processes starting on an empty table at once end with one key between them.
      await t.dataSource.query(`DELETE FROM platform_keys`);
      const [a, b] = await Promise.all([refs.create(PlatformKeyService), refs.create(PlatformKeyService)]);
      await Promise.all([a.onModuleInit(), b.onModuleInit()]);
      expect(a.receiptPublicKeyPem).toBe(b.receiptPublicKeyPem);
      expect(a.receiptPublicKeyPem).not.toBe(first);
      expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM platform_keys`))[0].n).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('comes from RECEIPT_SIGNING_KEY when configured, and signs the receipts', async () => {
    const pair = generateReceiptKeyPair();
    const t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', RECEIPT_SIGNING_KEY: pair.privateKeyPem } });
    try {
      const keys = await t.http().get('/api/v1/platform/keys');
      expect(keys.body.receiptPublicKey).toBe(pair.publicKeyPem);
      expect(await t.dataSource.query(`SELECT 1 FROM platform_keys`)).toHaveLength(0);
      const bidder = await registerParty(t, { role: Role.BIDDER });
      const tender = await createPublishedTender(t, { deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00' });
      const r = await sealAndSubmit(t, tender, bidder, '1.00');
      expect(
        verifyReceipt({
          receipt: r.body as never,
          tenderId: tender.id,
          bidderOrganizationId: bidder.organizationId!,
          keyCommitment: r.sealed.request.keyCommitment,
          receiptPublicKeyPem: pair.publicKeyPem,
          iv: r.sealed.request.iv,
          escrowedKey: r.sealed.request.escrowedKey ?? null,
        }),
      ).toBe(true);
    } finally {
      await t.close();
    }
  });
});
