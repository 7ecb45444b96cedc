import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { checkResponse, H_NONCE, H_RESPONSE_MAC, signRequest } from 'src/modules/custody/custodian-protocol';
import { type ShareRelease } from 'src/modules/custody/escrow-custodian';
import { HttpEscrowCustodian } from 'src/modules/custody/http-escrow-custodian';
import { verifyRelease } from 'src/modules/custody/threshold-escrow.service';
import { CloseDecryptionWindowUseCase } from 'src/modules/opening/use-cases/close-decryption-window.use-case';
import { OpenBidsAtDeadlineUseCase } from 'src/modules/opening/use-cases/open-bids-at-deadline.use-case';
import { EscrowKeyService } from 'src/modules/tenders/escrow-key.service';
import { x25519PublicFromPrivate } from 'src/sdk/x25519';
import { sealAndSubmit } from './factories/bid.factory';
import { registerParty, type TestParty } from './factories/identity.factory';
import { createDraftTender, createPublishedTender, uploadTenderDocument } from './factories/tender.factory';
import { type RunningCustodian, startCustodian } from './helpers/custodian-server';
import { untilBidDeadlinePassed } from './helpers/poll';
import { withFailingPublication } from './helpers/failing-trigger';
import { custodianShareFile, custodianShareFiles, depositIdOfFile } from './helpers/custodian-files';
import { createTestApp, type TestApp } from './helpers/test-app';
import { BLIND_INDEX_ORACLE, type BlindIndexOracle, RemoteBlindIndexOracle } from 'src/modules/custody/blind-index-oracle';
import { BlindIndexAudit } from 'src/modules/custody/blind-index-audit';

/**
 * Issue 17, threshold escrow across a process boundary (docs/SECURITY.md, "Remote custodians"): the supervision
 * authority and the notary office run as custodian servers (src/custodian/, `npm run custodian`) — separate processes
 * with their own folders, keys and clocks — and the platform reaches them with HttpEscrowCustodian
 * (ESCROW_CUSTODIAN_URLS, ESCROW_CUSTODIAN_AUTH_KEYS). Same protocol as the in-process custodians
 * (threshold-escrow.int.spec.ts), now over HTTP, authenticated.
 */
describe('threshold escrow with remote custodian servers (integration)', () => {
  let t: TestApp;
  let root: string;
  let localDir: string;
  const authKeys = { 'supervision-authority': randomBytes(32), 'notary-office': randomBytes(32) };
  const servers: Partial<Record<keyof typeof authKeys, RunningCustodian>> = {};
  const keyFile = (name: keyof typeof authKeys) => join(root, `${name}.auth.key`);
  const start = async (name: keyof typeof authKeys, port?: number) => (servers[name] = await startCustodian({ name, dir: join(root, name), authKeyFile: keyFile(name), port }));
  let sa: RunningCustodian;
  let no: RunningCustodian;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ebid-remote-custodians-'));
    localDir = mkdtempSync(join(tmpdir(), 'ebid-custodians-unused-'));
    for (const [name, key] of Object.entries(authKeys)) writeFileSync(join(root, `${name}.auth.key`), key.toString('base64'), { mode: 0o600 });
    [sa, no] = await Promise.all([start('supervision-authority'), start('notary-office')]);
    t = await createTestApp({
      env: {
        LEGAL_PERIODS: 'relaxed',
        ESCROW_CUSTODIANS_DIR: localDir, // the in-process custodians' folder: must stay empty
        ESCROW_CUSTODIAN_URLS: `supervision-authority=${sa.url},notary-office=${no.url}`,
        ESCROW_CUSTODIAN_AUTH_KEYS: Object.entries(authKeys)
          .map(([n, k]) => `${n}=${k.toString('base64')}`)
          .join(','),
        // One key pinned at registration, the other fetched at start-up.
        ESCROW_CUSTODIAN_PUBLIC_KEYS: `supervision-authority=${sa.publicKey}`,
      },
      workers: false,
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await Promise.all(Object.values(servers).map((s) => s?.stop()));
    rmSync(root, { recursive: true, force: true });
    rmSync(localDir, { recursive: true, force: true });
  });

  const unseal = (tenderId: string) => t.dataSource.transaction((m) => t.app.get(EscrowKeyService).unseal(m, tenderId, SYSTEM_ACTOR));
  const shareFile = (name: keyof typeof authKeys, tenderId: string, secretId = 'escrow-key') => custodianShareFile(join(root, name), tenderId, secretId);
  const releasedBy = async (tenderId: string) =>
    (
      await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARE_RELEASED' AND data->>'secretId' = 'escrow-key' ORDER BY id`, [
        tenderId,
      ])
    ).map((e: { data: Record<string, string | number> }) => e.data);
  let notYetTender: string;
  let openedTender: string;
  let biddenTender: string;

  it('publication deposits one share of each secret with each custodian server, in its own folder, announced with its key', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    notYetTender = tender.id;
    for (const name of ['supervision-authority', 'notary-office'] as const) {
      for (const secretId of ['escrow-key', 'escrow-key-sm2', 'identity-key', 'draw-seed']) expect(existsSync(shareFile(name, tender.id, secretId))).toBe(true);
    }
    expect(readdirSync(localDir)).toEqual([]); // nothing went to the in-process custodians
    const [ev] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = 'escrow-key'`, [
      tender.id,
    ]);
    expect(ev.data.custodians.map((c: { custodian: string; publicKey: string }) => [c.custodian, c.publicKey])).toEqual([
      ['platform', expect.any(String)],
      ['supervision-authority', sa.publicKey],
      ['notary-office', no.publicKey],
    ]);
  });

  it("before the deadline both refuse by their own clocks — also when the DBA moves the platform's deadline back, or asks them to move theirs into the past", async () => {
    await expect(unseal(notYetTender)).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
    await t.dataSource.query(`UPDATE tenders SET bid_deadline = clock_timestamp() - interval '1 minute' WHERE id = $1`, [notYetTender]);
    await t.dataSource.query(`UPDATE escrow_custody_shares SET not_before = clock_timestamp() - interval '1 minute' WHERE tender_id = $1`, [notYetTender]);
    await expect(unseal(notYetTender)).rejects.toMatchObject({
      code: 'SEALED_UNTIL_OPENING',
      details: {
        released: ['platform'],
        refused: [
          { custodian: 'supervision-authority', reason: 'NOT_YET' },
          { custodian: 'notary-office', reason: 'NOT_YET' },
        ],
      },
    });
    // The platform's reschedule (what an amendment does) into the past: the custodian servers refuse it.
    const before = JSON.parse(readFileSync(shareFile('supervision-authority', notYetTender), 'utf8')).notBefore;
    const past = new Date(Date.now() - 60_000);
    await expect(t.dataSource.transaction((m) => t.app.get(EscrowKeyService).rescheduleRelease(m, notYetTender, past, 'AMENDMENT', SYSTEM_ACTOR))).rejects.toMatchObject({
      code: 'ESCROW_RESCHEDULE_REFUSED',
      status: 409,
      details: { custodian: 'supervision-authority', reason: 'REFUSED' },
    });
    expect(JSON.parse(readFileSync(shareFile('supervision-authority', notYetTender), 'utf8')).notBefore).toBe(before);
    await expect(unseal(notYetTender)).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
    expect(await releasedBy(notYetTender)).toHaveLength(0);
  });

  it('after the deadline k = 2 release over HTTP: the key is rebuilt, each release signed by the server and audited; the server logs it', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 1500, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    openedTender = tender.id;
    await untilBidDeadlinePassed(t.dataSource, tender.id);
    const key = await unseal(tender.id);
    expect(x25519PublicFromPrivate(key).toString('base64')).toBe(tender.escrowPublicKey);
    const events = await releasedBy(tender.id);
    expect(events.map((e: Record<string, unknown>) => e.custodian)).toEqual(['platform', 'supervision-authority']);
    const remote = events[1];
    expect(remote.publicKey).toBe(sa.publicKey);
    const r = { ...remote, tenderId: tender.id, share: Buffer.alloc(0) } as unknown as ShareRelease;
    expect(verifyRelease(r, remote.shareSha256 as string)).toBe(true);
    expect(verifyRelease({ ...r, releasedAt: new Date(0).toISOString() }, remote.shareSha256 as string)).toBe(false);
    const log = readFileSync(join(sa.dir, 'releases.log'), 'utf8');
    expect(log).toContain(`"tenderId":"${tender.id}","secretId":"escrow-key"`);
    expect(log).toContain(`"signature":"${remote.signature}"`);
  });

  it('the opening itself goes through them: OpenBidsAtDeadline unseals who bid, the window close opens the escrowed bids (k = 2 over HTTP)', async () => {
    const bidders: TestParty[] = [];
    for (let i = 0; i < 3; i++) bidders.push(await registerParty(t, { role: Role.BIDDER }));
    const tender = await createPublishedTender(t, { deadlineInMs: 4000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    biddenTender = tender.id;
    const bids = [];
    for (const [i, price] of ['100.00', '200.00', '300.00'].entries()) {
      const r = await sealAndSubmit(t, tender, bidders[i], price);
      expect(r.status).toBe(201);
      bids.push(r.body.bidId as string);
    }
    await untilBidDeadlinePassed(t.dataSource, tender.id);
    // What the BID_DEADLINE and DECRYPTION_WINDOW_CLOSE events run (no workers in this app).
    await t.dataSource.transaction((m) => t.app.get(OpenBidsAtDeadlineUseCase).execute({ manager: m, tenderId: tender.id }));
    await t.dataSource.transaction((m) => t.app.get(CloseDecryptionWindowUseCase).execute({ manager: m, tenderId: tender.id }));
    const rows = await t.dataSource.query(`SELECT status, decrypted_by, price, bidder_organization_id FROM bids WHERE tender_id = $1 ORDER BY price`, [tender.id]);
    expect(rows).toEqual(
      ['100.00', '200.00', '300.00'].map((price, i) => ({ status: 'DECRYPTED', decrypted_by: 'ESCROW', price, bidder_organization_id: bidders[i].organizationId })),
    );
    const released = await t.dataSource.query(
      `SELECT data->>'secretId' AS secret, data->>'custodian' AS custodian FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARE_RELEASED' ORDER BY id`,
      [tender.id],
    );
    expect(released).toEqual([
      { secret: 'identity-key', custodian: 'platform' },
      { secret: 'identity-key', custodian: 'supervision-authority' },
      { secret: 'escrow-key', custodian: 'platform' },
      { secret: 'escrow-key', custodian: 'supervision-authority' },
    ]);
  });

  it("the blind-index oracle is the notary office's server: the bids' indexes were asked of it over HTTP, logged in its folder (counts only), published in the audit; unauthenticated calls refused", async () => {
    const oracle = t.app.get<BlindIndexOracle>(BLIND_INDEX_ORACLE);
    expect(oracle).toBeInstanceOf(RemoteBlindIndexOracle);
    expect(oracle.name).toBe('notary-office');
    const logged = await oracle.lookups(biddenTender);
    expect(logged.byPurpose['bid-bidder']).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(no.dir, 'blind-index-oracle', 'lookups', `${biddenTender}.log`))).toBe(true);
    expect(existsSync(join(sa.dir, 'blind-index-oracle', 'lookups'))).toBe(false);
    expect(existsSync(join(localDir, 'blind-index-oracle'))).toBe(false); // no in-process oracle, no key in the platform's folders
    await t.dataSource.transaction((m) => t.app.get(BlindIndexAudit).publish(m, biddenTender));
    const [ev] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'BLIND_INDEX_LOOKUPS'`, [biddenTender]);
    expect(ev.data.oracle).toEqual({ total: logged.total, byPurpose: logged.byPurpose });
    expect(ev.data.platform.total).toBe(logged.total); // nothing asked but what the platform asked
    const body = JSON.stringify({ queries: [{ purpose: 'bid-bidder', tenderId: biddenTender, ids: ['00000000-0000-0000-0000-000000000001'] }] });
    const res = await fetch(`${no.url}/v1/blind-indexes`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([401, 'UNAUTHENTICATED']);
    const forged = await fetch(`${no.url}/v1/blind-indexes`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signRequest(randomBytes(32), 'POST', '/v1/blind-indexes', body) },
    });
    expect(forged.status).toBe(401);
    expect((await oracle.lookups(biddenTender)).total).toBe(logged.total);
  });

  it('a request without the right authentication is refused (none, a wrong key, a replay, a stale timestamp)', async () => {
    const path = '/v1/release';
    const [{ id: depositId }] = await t.dataSource.query(
      `SELECT data->>'depositId' AS id FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = 'escrow-key'`,
      [notYetTender],
    );
    const body = JSON.stringify({ tenderId: notYetTender, secretId: 'escrow-key', depositId, recipientPublicKey: randomBytes(32).toString('base64') });
    const post = (headers: Record<string, string>) => fetch(`${sa.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const code = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];
    expect(await code(await post({}))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await code(await post(signRequest(randomBytes(32), 'POST', path, body)))).toEqual([401, 'BAD_MAC']);
    expect(await code(await post(signRequest(authKeys['supervision-authority'], 'POST', path, body, new Date(Date.now() - 10 * 60_000))))).toEqual([401, 'STALE_REQUEST']);
    // A valid request is answered (here: not yet), its answer MACed for this nonce; the same request again is a replay.
    const headers = signRequest(authKeys['supervision-authority'], 'POST', path, body);
    const first = await post(headers);
    const text = await first.text();
    expect([first.status, JSON.parse(text).code]).toEqual([409, 'NOT_YET']);
    expect(checkResponse(authKeys['supervision-authority'], headers[H_NONCE], first.status, text, first.headers.get(H_RESPONSE_MAC))).toBe(true);
    expect(await code(await post(headers))).toEqual([401, 'REPLAYED_REQUEST']);
    // The platform's side with a wrong registered key: the custodian is unavailable to it, whatever the deadline.
    const wrong = new HttpEscrowCustodian('supervision-authority', { url: sa.url, authKey: randomBytes(32), publicKey: sa.publicKey });
    await expect(wrong.release(openedTender, 'escrow-key')).rejects.toMatchObject({ reason: 'UNAVAILABLE', message: expect.stringContaining('401') });
    expect(readFileSync(join(sa.dir, 'releases.log'), 'utf8').match(new RegExp(`"tenderId":"${notYetTender}"`, 'g'))).toBeNull();
  });

  it('a publication rolled back after the deposits (a later step fails) is published again: new deposits, the orphans stay with the servers, the opening rebuilds the committed keys', async () => {
    const bidders: TestParty[] = [];
    for (let i = 0; i < 3; i++) bidders.push(await registerParty(t, { role: Role.BIDDER })); // an opening needs three bids
    const draft = await createDraftTender(t, { deadlineInMs: 12_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    await uploadTenderDocument(t, draft);
    const publish = () => t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(draft.owner.auth).send({});
    // The last step of the publication (the draw-seed commitment, after every deposit) fails, once: the transaction rolls back.
    await withFailingPublication(t.dataSource, draft.id, async () => expect((await publish()).status).toBeGreaterThanOrEqual(500));
    const [row] = await t.dataSource.query(`SELECT status, escrow_public_key FROM tenders WHERE id = $1`, [draft.id]);
    expect(row).toEqual({ status: 'DRAFT', escrow_public_key: null });
    const deposits = async () =>
      t.dataSource.query(`SELECT data->>'secretId' AS secret, data->>'depositId' AS id FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED'`, [draft.id]);
    expect(await deposits()).toEqual([]);
    // The servers kept the rolled-back shares (they are outside the transaction).
    const orphans = custodianShareFiles(join(root, 'notary-office'), draft.id, 'escrow-key');
    expect(orphans).toHaveLength(1);

    // The retry publishes (no ALREADY_DEPOSITED): each secret deposited anew under a new id.
    expect((await publish()).status).toBe(200);
    const committed: Array<{ secret: string; id: string }> = await deposits();
    expect(committed.map((d) => d.secret).sort()).toEqual(['draw-seed', 'escrow-key', 'escrow-key-sm2', 'identity-key']);
    for (const name of ['supervision-authority', 'notary-office'] as const) {
      for (const d of committed) {
        const files = custodianShareFiles(join(root, name), draft.id, d.secret);
        expect(files).toHaveLength(2); // the orphan and the share the tender uses
        expect(files.map(depositIdOfFile)).toContain(d.id);
      }
    }
    expect(committed.find((d) => d.secret === 'escrow-key')!.id).not.toBe(depositIdOfFile(orphans[0]));

    // The opening after the deadline: who bid (identity key) and the bid (escrow key), k = 2 over HTTP.
    const tender = { ...draft, escrowPublicKey: (await t.http().get(`/api/v1/tenders/${draft.id}`)).body.sealing.escrowPublicKey as string };
    for (const [i, price] of ['100.00', '200.00', '300.00'].entries()) expect((await sealAndSubmit(t, tender, bidders[i], price)).status).toBe(201);
    await untilBidDeadlinePassed(t.dataSource, draft.id, 20_000);
    await t.dataSource.transaction((m) => t.app.get(OpenBidsAtDeadlineUseCase).execute({ manager: m, tenderId: draft.id }));
    await t.dataSource.transaction((m) => t.app.get(CloseDecryptionWindowUseCase).execute({ manager: m, tenderId: draft.id }));
    expect(await t.dataSource.query(`SELECT status, price, bidder_organization_id FROM bids WHERE tender_id = $1 ORDER BY price`, [draft.id])).toEqual(
      ['100.00', '200.00', '300.00'].map((price, i) => ({ status: 'DECRYPTED', price, bidder_organization_id: bidders[i].organizationId })),
    );
    // The servers released the committed deposits only; the orphans were never asked for.
    const log = readFileSync(join(sa.dir, 'releases.log'), 'utf8'); // k = 2: the platform and the supervision authority
    expect(log).toContain(`"depositId":"${committed.find((d) => d.secret === 'escrow-key')!.id}"`);
    expect(log).not.toContain(depositIdOfFile(orphans[0])!);
  }, 60_000);

  it('a deadline move one server accepts and the next cannot take (down): refused, the platform rolls back and the first server is moved back', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    const [{ bid_deadline: deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [tender.id]);
    const fileNotBefore = (name: keyof typeof authKeys, secretId = 'escrow-key') => JSON.parse(readFileSync(shareFile(name, tender.id, secretId), 'utf8')).notBefore;
    await no.stop();
    try {
      const later = new Date(Date.now() + 2 * 3_600_000);
      later.setMilliseconds(0);
      const res = await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(tender.owner.auth).send({ text: '投标截止时间顺延。', bidDeadline: later.toISOString() });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        code: 'ESCROW_RESCHEDULE_REFUSED',
        details: { custodian: 'notary-office', reason: 'UNAVAILABLE', secretId: 'escrow-key', restored: ['supervision-authority/escrow-key'], notRestored: [] },
      });
    } finally {
      no = await start('notary-office', no.port);
    }
    // Consistent again: the platform's deadline and shares, and both servers, at the old instant.
    const [{ bid_deadline: after }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [tender.id]);
    expect(new Date(after).toISOString()).toBe(new Date(deadline).toISOString());
    const platform = await t.dataSource.query(`SELECT DISTINCT not_before FROM escrow_custody_shares WHERE tender_id = $1`, [tender.id]);
    expect(platform.map((r: { not_before: Date }) => new Date(r.not_before).toISOString())).toEqual([new Date(deadline).toISOString()]);
    for (const secretId of ['escrow-key', 'escrow-key-sm2', 'identity-key', 'draw-seed']) {
      expect([fileNotBefore('supervision-authority', secretId), fileNotBefore('notary-office', secretId)]).toEqual([
        new Date(deadline).toISOString(),
        new Date(deadline).toISOString(),
      ]);
    }
    // The move, retried with both up, goes through.
    const later = new Date(Date.now() + 2 * 3_600_000);
    later.setMilliseconds(0);
    await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(tender.owner.auth).send({ text: '投标截止时间顺延。', bidDeadline: later.toISOString() }).expect(201);
    expect([fileNotBefore('supervision-authority'), fileNotBefore('notary-office')]).toEqual([later.toISOString(), later.toISOString()]);
  }, 60_000);

  it('one custodian down: the platform and the other still reach k = 2; both down: ESCROW_THRESHOLD_NOT_MET; a restarted server (same folder) serves again', async () => {
    await sa.stop();
    const key = await unseal(openedTender);
    expect(x25519PublicFromPrivate(key).toString('base64')).toBe(
      (await t.dataSource.query(`SELECT escrow_public_key FROM tenders WHERE id = $1`, [openedTender]))[0].escrow_public_key,
    );
    expect((await releasedBy(openedTender)).map((e: Record<string, unknown>) => e.custodian)).toEqual(['platform', 'supervision-authority', 'platform', 'notary-office']);
    await no.stop();
    await expect(unseal(openedTender)).rejects.toMatchObject({
      code: 'ESCROW_THRESHOLD_NOT_MET',
      details: {
        released: ['platform'],
        refused: [
          { custodian: 'supervision-authority', reason: 'UNAVAILABLE' },
          { custodian: 'notary-office', reason: 'UNAVAILABLE' },
        ],
      },
    });
    no = await start('notary-office', no.port);
    await expect(unseal(openedTender)).resolves.toHaveLength(32);
    expect(readFileSync(join(no.dir, 'releases.log'), 'utf8')).toContain(openedTender);
  });
});
