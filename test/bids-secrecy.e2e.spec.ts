import { Logger, type LoggerService } from '@nestjs/common';
import Redis from 'ioredis';
import { Role } from 'src/common/auth/role.enum';
import { BidsQueryService } from 'src/modules/bids/bids-query.service';
import { type BidPlaintext } from 'src/sdk';
import { createStaff, registerParty, type TestParty } from './factories/identity.factory';
import { sealAndSubmit, type SubmittedBid } from './factories/bid.factory';
import { createPublishedTender, type TestTender } from './factories/tender.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * Sealed means sealed (EB20 Art. 27 ¶2; API.md "Before opening, no endpoint returns another bidder's bid, receipt,
 * count or identity, and nothing anywhere holds a bid's plaintext or key"). Every role asks every bid route about
 * a tender holding three bids and about a tender holding none: the answers must be the same. Then every table,
 * every Redis key and every log line written meanwhile are searched for the prices, keys and plaintext.
 */
describe('secrecy before the deadline', () => {
  let t: TestApp;
  const logs: string[] = [];
  const capture: LoggerService = {
    log: (...a: unknown[]) => void logs.push(JSON.stringify(a)),
    error: (...a: unknown[]) => void logs.push(JSON.stringify(a)),
    warn: (...a: unknown[]) => void logs.push(JSON.stringify(a)),
    debug: (...a: unknown[]) => void logs.push(JSON.stringify(a)),
    verbose: (...a: unknown[]) => void logs.push(JSON.stringify(a)),
    fatal: (...a: unknown[]) => void logs.push(JSON.stringify(a)),
  };

  let sealedTender: TestTender; // three bids
  let emptyTender: TestTender; // none, same owner
  const bidders: TestParty[] = [];
  const bids: SubmittedBid[] = [];
  const secretPrices = ['98765432.10', '87654321.09', '76543210.98'];
  const secretNote = '投标报价明细：九千八百七十六万';
  let outsider: TestParty;
  let otherEntity: TestParty;
  let expert: TestParty;
  let supervisor: TestParty;
  let admin: TestParty;

  beforeAll(async () => {
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed' } });
    Logger.overrideLogger(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']);
    Logger.overrideLogger(capture);
    const owner = await registerParty(t, { role: Role.PROCURING_ENTITY });
    sealedTender = await createPublishedTender(t, { owner, deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', title: '盐城市保密测试工程' });
    emptyTender = await createPublishedTender(t, { owner, deadlineInMs: 60 * 60_000, bidSecurityAmount: '0.00', title: '盐城市保密测试工程' });
    for (const price of secretPrices) {
      const b = await registerParty(t, { role: Role.BIDDER });
      const plaintext: BidPlaintext = {
        price,
        currency: 'CNY',
        durationDays: 222,
        attachments: [{ name: '报价明细.txt', contentBase64: Buffer.from(`${secretNote} ${price}`).toString('base64') }],
      };
      const r = await sealAndSubmit(t, sealedTender, b, plaintext);
      expect(r.status).toBe(201);
      bidders.push(b);
      bids.push(r);
    }
    outsider = await registerParty(t, { role: Role.BIDDER });
    otherEntity = await registerParty(t, { role: Role.PROCURING_ENTITY });
    expert = await createStaff(t, Role.EXPERT);
    supervisor = await createStaff(t, Role.SUPERVISOR);
    admin = await createStaff(t, Role.ADMIN);
  });
  afterAll(async () => {
    Logger.overrideLogger(['error', 'warn']);
    await t.close();
  });

  const secrets = () => [
    ...secretPrices,
    ...secretPrices.map((p) => p.replace('.', '')), // as fen
    secretNote,
    Buffer.from(secretNote).toString('base64').slice(0, 16),
    ...bids.map((b) => b.sealed.key),
    ...bids.map((b) => Buffer.from(b.sealed.key, 'base64').toString('hex')),
    '"price"',
  ];

  /** Strips what legitimately differs between two tenders: request ids, tender ids, timestamps of creation. */
  const normalise = (body: unknown, tender: TestTender) =>
    JSON.parse(
      JSON.stringify(body ?? null)
        .split(tender.id)
        .join('<tender>')
        .replace(/"requestId":"[^"]*"/g, '"requestId":"<id>"')
        .replace(/"(createdAt|updatedAt|publishedAt|bidDeadline)":"[^"]*"/g, '"$1":"<t>"')
        .replace(/"escrowPublicKey(Sm2)?":"[^"]*"/g, (_m, sm2) => `"escrowPublicKey${sm2 ?? ''}":"<k>"`),
    );

  it('every role gets the same answers about a tender with three bids as about one with none', async () => {
    const anonymous = null;
    const roles: Array<[string, TestParty | null]> = [
      ['another bidder (no bid)', outsider],
      ['a bidder with a bid (about the others)', bidders[1]],
      ['the procuring entity', sealedTender.owner],
      ['another procuring entity', otherEntity],
      ['an expert', expert],
      ['a supervisor', supervisor],
      ['an admin', admin],
      ['anonymous', anonymous],
    ];
    const probes = (tender: TestTender, foreignBidId: string): Array<[string, string, Record<string, unknown>?]> => [
      ['GET', `/api/v1/tenders/${tender.id}`],
      ['GET', `/api/v1/tenders/${tender.id}/opening-record`],
      ['GET', `/api/v1/tenders/${tender.id}/opening-record.pdf`],
      ['POST', `/api/v1/tenders/${tender.id}/bids/${foreignBidId}/decryption`, { key: bids[0].sealed.key }],
    ];
    for (const [name, who] of roles) {
      // On the empty tender, a random id stands where the first bidder's real bid id stands on the sealed one.
      const sealedAnswers = probes(sealedTender, bids[0].body.bidId);
      const emptyAnswers = probes(emptyTender, '00000000-0000-4000-8000-000000000001');
      for (let i = 0; i < sealedAnswers.length; i++) {
        const ask = async ([method, path, body]: [string, string, Record<string, unknown>?]) => {
          let req =
            method === 'GET'
              ? t.http().get(path)
              : t
                  .http()
                  .post(path)
                  .send(body ?? {});
          if (who) req = req.set(who.auth);
          const r = await req;
          return { status: r.status, body: r.body };
        };
        const a = await ask(sealedAnswers[i]);
        const b = await ask(emptyAnswers[i]);
        const ctx = `${name}: ${sealedAnswers[i][0]} ${sealedAnswers[i][1].replace(sealedTender.id, '{id}')}`;
        expect({ ctx, status: a.status }).toEqual({ ctx, status: b.status });
        expect({ ctx, body: normalise(a.body, sealedTender) }).toEqual({
          ctx,
          body: JSON.parse(JSON.stringify(normalise(b.body, emptyTender)).split('00000000-0000-4000-8000-000000000001').join(bids[0].body.bidId)),
        });
        // Nothing of a bid is readable before the opening (the public tender view excepted).
        if (!sealedAnswers[i][1].endsWith(sealedTender.id)) expect({ ctx, ok: a.status < 300 }).toEqual({ ctx, ok: false });
      }
    }
  });

  it("a supervisor's audit view of the tender does not show the bids (sealed in their own streams until opening)", async () => {
    const view = async (tender: TestTender) => {
      const r = await t.http().get(`/api/v1/audit`).query({ tenderId: tender.id, pageSize: 200 }).set(supervisor.auth);
      expect(r.status).toBe(200);
      return { total: r.body.total, actions: r.body.items.map((e: { action: string }) => e.action) };
    };
    expect(await view(sealedTender)).toEqual(await view(emptyTender));
    const text = JSON.stringify((await t.http().get(`/api/v1/audit`).query({ tenderId: sealedTender.id, pageSize: 200 }).set(supervisor.auth)).body);
    for (const b of bids) expect(text).not.toContain(b.body.bidId);
    const v1 = await t.http().get(`/api/v1/audit/verify`).query({ tenderId: sealedTender.id }).set(supervisor.auth);
    const v2 = await t.http().get(`/api/v1/audit/verify`).query({ tenderId: emptyTender.id }).set(supervisor.auth);
    expect(v1.body.events).toBe(v2.body.events);
  });

  it('GET /tenders/{id} (public) does not change when bids arrive', async () => {
    const before = await t.http().get(`/api/v1/tenders/${emptyTender.id}`);
    const b = await registerParty(t, { role: Role.BIDDER });
    expect((await sealAndSubmit(t, emptyTender, b, '1.00')).status).toBe(201);
    const after = await t.http().get(`/api/v1/tenders/${emptyTender.id}`);
    expect(after.body).toEqual(before.body);
    const list = await t.http().get(`/api/v1/tenders`);
    for (const bid of bids) expect(JSON.stringify(list.body)).not.toContain(bid.body.bidId);
    expect((await t.http().delete(`/api/v1/tenders/${emptyTender.id}/bids/mine`).set(b.auth)).status).toBe(200);
  });

  it('a bidder sees its own bid and only its own; other roles may not ask', async () => {
    for (const [i, b] of bidders.entries()) {
      const r = await t.http().get(`/api/v1/tenders/${sealedTender.id}/bids/mine`).set(b.auth);
      expect(r.status).toBe(200);
      expect(r.body.bidId).toBe(bids[i].body.bidId);
      const text = JSON.stringify(r.body);
      for (const [j, other] of bids.entries()) if (j !== i) expect(text).not.toContain(other.body.bidId);
      expect(r.body.price).toBeNull(); // not even its own price: the platform does not have it
    }
    const none = await t.http().get(`/api/v1/tenders/${sealedTender.id}/bids/mine`).set(outsider.auth);
    const noneEmpty = await t.http().get(`/api/v1/tenders/${emptyTender.id}/bids/mine`).set(outsider.auth);
    expect([none.status, none.body.code, none.body.message]).toEqual([404, 'NOT_FOUND', noneEmpty.body.message]);
    for (const p of [sealedTender.owner, otherEntity, expert, supervisor, admin]) {
      const r = await t.http().get(`/api/v1/tenders/${sealedTender.id}/bids/mine`).set(p.auth);
      expect([r.status, r.body.code]).toEqual([403, 'FORBIDDEN']);
    }
    expect((await t.http().get(`/api/v1/tenders/${sealedTender.id}/bids/mine`)).status).toBe(401);
    // Withdrawing "mine" as a bidder without a bid cannot touch another's.
    expect((await t.http().delete(`/api/v1/tenders/${sealedTender.id}/bids/mine`).set(outsider.auth)).status).toBe(404);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM bids WHERE tender_id = $1 AND status = 'SUBMITTED'`, [sealedTender.id]);
    expect(n).toBe(3);
  });

  it('the reader side other modules call refuses before the opening', async () => {
    await expect(t.app.get(BidsQueryService).openedBids(sealedTender.id)).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
    await expect(t.app.get(BidsQueryService).fingerprints(sealedTender.id)).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
    expect(await t.app.get(BidsQueryService).bidderOrganizationIds(sealedTender.id)).toEqual([]);
  });

  it('no table holds a price, the plaintext or a key: every column of every row, cast to text', async () => {
    const tables: Array<{ tablename: string }> = await t.dataSource.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
    expect(tables.map((x) => x.tablename)).toEqual(expect.arrayContaining(['bids', 'bid_versions', 'audit_events', 'scheduled_events']));
    let scanned = 0;
    for (const { tablename } of tables) {
      const rows: Array<{ row: string }> = await t.dataSource.query(`SELECT x::text AS row FROM "${tablename}" x`);
      for (const { row } of rows) {
        scanned++;
        for (const s of secrets()) if (row.includes(s)) throw new Error(`${tablename} holds "${s}": ${row.slice(0, 200)}`);
      }
    }
    expect(scanned).toBeGreaterThan(10);
    // The test itself can fail: the ciphertext is there, and found.
    const [{ found }] = await t.dataSource.query(`SELECT count(*)::int AS found FROM bids x WHERE x.tender_id = $1 AND x::text LIKE '%' || encode(x.ciphertext, 'hex') || '%'`, [
      sealedTender.id,
    ]);
    expect(found).toBe(3);
  });

  it('no Redis key or value holds a price, the plaintext, a key or a bid id', async () => {
    const redis = new Redis(t.config.redisOptions);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const mine = keys.filter((k) => k.startsWith(`${t.config.queuePrefix}:`));
      expect(mine.length).toBeGreaterThan(0); // the app's queues are there (the BID_DEADLINE jobs at least)
      const forbidden = [...secrets(), ...bids.map((b) => b.body.bidId), ...bidders.map((b) => b.organizationId!)];
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        if (type === 'string') value = await redis.getBuffer(key).then((v) => v?.toString('latin1'));
        else if (type === 'hash') value = await redis.hgetall(key);
        else if (type === 'list') value = await redis.lrange(key, 0, -1);
        else if (type === 'set') value = await redis.smembers(key);
        else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await redis.xrange(key, '-', '+');
        const text = `${key} ${JSON.stringify(value ?? null)}`;
        for (const s of forbidden) if (text.includes(s)) throw new Error(`Redis key ${key} holds "${s}"`);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('no log line written during submission names a price, a key, a bid or a bidder', () => {
    const text = logs.join('\n');
    for (const s of [...secrets(), ...bids.map((b) => b.body.bidId), ...bidders.map((b) => b.organizationId!)]) {
      expect(text.includes(s) ? s : null).toBeNull();
    }
  });
});
