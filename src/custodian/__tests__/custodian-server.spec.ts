import { randomBytes, randomUUID } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { createServer, type Server } from 'http';
import { type AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { ephemeralRecipient, openFromCustodian, signRequest, type WireRelease } from 'src/modules/custody/custodian-protocol';
import { HttpEscrowCustodian } from 'src/modules/custody/http-escrow-custodian';
import { verifyRelease } from 'src/modules/custody/threshold-escrow.service';
import { RemoteBlindIndexOracle } from 'src/modules/custody/blind-index-oracle';
import { createCustodianServer } from '../custodian-server';

const listen = (s: Server) => new Promise<string>((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

/** The custodian server in-process, with its own (here: a test's) clock; the platform's side is HttpEscrowCustodian. */
describe('custodian server (src/custodian) and HttpEscrowCustodian', () => {
  let now: Date;
  let dir: string;
  let server: Server & { custodianPublicKey: string };
  let url: string;
  let client: HttpEscrowCustodian;
  const authKey = randomBytes(32);
  const tenderId = randomUUID();
  const deadline = new Date('2026-12-10T02:00:00.000Z');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'custodian-server-'));
    // Its own clock (the test's), near the real time: the requests' timestamps are checked against it too.
    now = new Date();
    server = createCustodianServer({ name: 'notary-office', dir, authKey, clock: () => now });
    url = await listen(server);
    client = new HttpEscrowCustodian('notary-office', { url, authKey });
    await client.init();
  });
  afterEach(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('releases by its own clock only, signed with the key it announces; the share is sealed to the request on the wire', async () => {
    expect(client.publicKey()).toBe(server.custodianPublicKey);
    const share = randomBytes(33);
    const notBefore = new Date(now.getTime() + 60_000);
    await client.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 3, share, notBefore });
    // "Not yet", with its instant and its clock (MACed with the answer): the platform can wait out a small skew.
    await expect(client.release(tenderId, 'escrow-key')).rejects.toMatchObject({ reason: 'NOT_YET', clock: { notBefore, now } });
    now = new Date(notBefore.getTime());
    const r = await client.release(tenderId, 'escrow-key');
    expect(r.share.equals(share)).toBe(true);
    expect(r).toMatchObject({
      custodian: 'notary-office',
      shareIndex: 3,
      notBefore: notBefore.toISOString(),
      releasedAt: notBefore.toISOString(),
      publicKey: server.custodianPublicKey,
    });
    expect(verifyRelease(r)).toBe(true);
    // On the wire: no share in clear; only the request's ephemeral key opens it.
    const recipient = ephemeralRecipient();
    const body = JSON.stringify({ tenderId, secretId: 'escrow-key', recipientPublicKey: recipient.publicKey });
    const res = await fetch(`${url}/v1/release`, { method: 'POST', body, headers: signRequest(authKey, 'POST', '/v1/release', body, new Date()) });
    const text = await res.text();
    expect(text).not.toContain(share.toString('base64'));
    const wire = (JSON.parse(text) as { release: WireRelease }).release;
    expect(openFromCustodian(recipient.privateKey, recipient.publicKey, wire).equals(share)).toBe(true);
    expect(() => openFromCustodian(ephemeralRecipient().privateKey, recipient.publicKey, wire)).toThrow();
    expect(readFileSync(join(dir, 'releases.log'), 'utf8')).toContain(tenderId);
  });

  it('moves the release later, or earlier into its future (logged); refuses earlier into its past; refuses a second deposit; NO_SHARE for an unknown secret', async () => {
    const notBefore = new Date(now.getTime() + 3_600_000);
    await client.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 2, share: randomBytes(33), notBefore });
    await client.reschedule(tenderId, 'escrow-key', new Date(notBefore.getTime() + 60_000), 'SUSPENSION');
    await client.reschedule(tenderId, 'escrow-key', new Date(now.getTime() + 60_000), 'AMENDMENT');
    expect(readFileSync(join(dir, 'releases.log'), 'utf8')).toContain('RESCHEDULED_EARLIER');
    await expect(client.reschedule(tenderId, 'escrow-key', new Date(now.getTime() - 1), 'AMENDMENT')).rejects.toMatchObject({ reason: 'REFUSED' });
    await expect(client.release(tenderId, 'escrow-key')).rejects.toMatchObject({ reason: 'NOT_YET' });
    await expect(client.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 2, share: randomBytes(33), notBefore })).rejects.toMatchObject({
      reason: 'UNAVAILABLE',
      message: expect.stringContaining('ALREADY_DEPOSITED'),
    });
    await expect(client.release(tenderId, 'identity-key')).rejects.toMatchObject({ reason: 'NO_SHARE' });
  });

  it('deposit ids: a retried deposit goes under a new id (the orphan stays, logged), the same id again is ALREADY_DEPOSITED; reschedule says the previous instant', async () => {
    const lines: Array<Record<string, unknown>> = [];
    await close(server);
    server = createCustodianServer({ name: 'notary-office', dir, authKey, clock: () => now, log: (l) => lines.push(l) });
    url = await listen(server);
    client = new HttpEscrowCustodian('notary-office', { url, authKey });
    const notBefore = new Date(now.getTime() + 3_600_000);
    const [orphanId, usedId] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const used = randomBytes(33);
    await client.deposit({ tenderId, secretId: 'escrow-key', depositId: orphanId, shareIndex: 2, share: randomBytes(33), notBefore });
    await client.deposit({ tenderId, secretId: 'escrow-key', depositId: usedId, shareIndex: 2, share: used, notBefore });
    await expect(client.deposit({ tenderId, secretId: 'escrow-key', depositId: usedId, shareIndex: 2, share: randomBytes(33), notBefore })).rejects.toMatchObject({
      message: expect.stringContaining('ALREADY_DEPOSITED'),
    });
    expect(lines.filter((l) => l.event === 'DEPOSITED').map((l) => l.depositId)).toEqual([orphanId, usedId]); // the orphan stays in its log
    const earlier = new Date(now.getTime() + 60_000);
    await expect(client.reschedule(tenderId, 'escrow-key', earlier, 'AMENDMENT', undefined, usedId)).resolves.toEqual({ previous: notBefore });
    now = earlier;
    expect((await client.release(tenderId, 'escrow-key', undefined, usedId)).share.equals(used)).toBe(true);
    await expect(client.release(tenderId, 'escrow-key', undefined, orphanId)).rejects.toMatchObject({ reason: 'NOT_YET' }); // not moved
    await expect(client.release(tenderId, 'escrow-key')).rejects.toMatchObject({ reason: 'NO_SHARE' }); // no legacy share
    const body = JSON.stringify({ tenderId, secretId: 'escrow-key', depositId: '../x', recipientPublicKey: ephemeralRecipient().publicKey });
    const res = await fetch(`${url}/v1/release`, { method: 'POST', body, headers: signRequest(authKey, 'POST', '/v1/release', body, new Date()) });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('the platform refuses an answer the custodian did not MAC (a forged acknowledgement or refusal)', async () => {
    const forger = createServer((_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"name":"notary-office","publicKey":"x"}'));
    const forgerUrl = await listen(forger);
    try {
      const c = new HttpEscrowCustodian('notary-office', { url: forgerUrl, authKey, publicKey: server.custodianPublicKey });
      await expect(c.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 2, share: randomBytes(33), notBefore: deadline })).rejects.toMatchObject({
        reason: 'UNAVAILABLE',
        message: expect.stringContaining('not authenticated'),
      });
    } finally {
      await close(forger);
    }
  });

  it('the blind-index oracle: answers authenticated batches with per-tender indexes, logs time, purpose and count per tender (never the ids), tells the count', async () => {
    const oracle = new RemoteBlindIndexOracle(client);
    const other = randomUUID();
    const [org1, org2] = [randomUUID(), randomUUID()];
    const [a, b, c] = await oracle.indexes([
      { purpose: 'bid-bidder', tenderId, ids: [org1, org2] },
      { purpose: 'bid-bidder', tenderId: other, ids: [org1] },
      { purpose: 'tender-objector', tenderId, ids: [org1] },
    ]);
    expect(a).toHaveLength(2);
    a.forEach((i) => expect(i).toMatch(/^[0-9a-f]{64}$/));
    // Deterministic for a tender and purpose; another tender or purpose: another index (no link across tenders).
    expect((await oracle.indexes([{ purpose: 'bid-bidder', tenderId, ids: [org1] }]))[0]).toEqual([a[0]]);
    expect(new Set([a[0], a[1], b[0], c[0]]).size).toBe(4);
    expect(await oracle.lookups(tenderId)).toEqual({ tenderId, total: 4, byPurpose: { 'bid-bidder': 3, 'tender-objector': 1 } });
    expect(await oracle.lookups(other)).toEqual({ tenderId: other, total: 1, byPurpose: { 'bid-bidder': 1 } });
    expect(await oracle.lookups(randomUUID())).toMatchObject({ total: 0 });
    const log = readFileSync(join(dir, 'blind-index-oracle', 'lookups', `${tenderId}.log`), 'utf8');
    expect(log).not.toContain(org1);
    expect(log).not.toContain(a[0]);
    expect(
      log
        .trim()
        .split('\n')
        .map((l) => Object.keys(JSON.parse(l)).sort()),
    ).toEqual(Array(3).fill(['at', 'count', 'purpose']));
    // Its key is its own (its folder), not the platform's: another server answers other indexes.
    const dir2 = mkdtempSync(join(tmpdir(), 'custodian-server-'));
    const server2 = createCustodianServer({ name: 'notary-office', dir: dir2, authKey, clock: () => now });
    try {
      const url2 = await listen(server2);
      const [[again]] = await new RemoteBlindIndexOracle(new HttpEscrowCustodian('notary-office', { url: url2, authKey })).indexes([
        { purpose: 'bid-bidder', tenderId, ids: [org1] },
      ]);
      expect(again).not.toBe(a[0]);
    } finally {
      await close(server2);
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('the blind-index oracle refuses unauthenticated or malformed requests, and logs nothing for them', async () => {
    const body = JSON.stringify({ queries: [{ purpose: 'bid-bidder', tenderId, ids: [randomUUID()] }] });
    const post = (path: string, b: string, headers: Record<string, string>) => fetch(`${url}${path}`, { method: 'POST', body: b, headers });
    const code = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];
    expect(await code(await post('/v1/blind-indexes', body, {}))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await code(await post('/v1/blind-indexes', body, signRequest(randomBytes(32), 'POST', '/v1/blind-indexes', body)))).toEqual([401, 'BAD_MAC']);
    const lookups = JSON.stringify({ tenderId });
    expect(await code(await post('/v1/blind-index-lookups', lookups, {}))).toEqual([401, 'UNAUTHENTICATED']);
    const bad = JSON.stringify({ queries: [{ purpose: 'Bad Purpose', tenderId, ids: ['x'] }] });
    expect(await code(await post('/v1/blind-indexes', bad, signRequest(authKey, 'POST', '/v1/blind-indexes', bad)))).toEqual([400, 'BAD_REQUEST']);
    const wrong = new RemoteBlindIndexOracle(new HttpEscrowCustodian('notary-office', { url, authKey: randomBytes(32) }));
    await expect(wrong.indexes([{ purpose: 'bid-bidder', tenderId, ids: [randomUUID()] }])).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    expect(await new RemoteBlindIndexOracle(client).lookups(tenderId)).toMatchObject({ total: 0 });
  });
});
