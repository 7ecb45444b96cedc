import { randomBytes } from 'crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { combine } from 'shamir-secret-sharing';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { ESCROW_CUSTODIANS, type EscrowCustodian, type ShareRelease } from 'src/modules/custody/escrow-custodian';
import { FileEscrowCustodian } from 'src/modules/custody/local-custodians';
import { verifyRelease } from 'src/modules/custody/threshold-escrow.service';
import { EscrowKeyService } from 'src/modules/tenders/escrow-key.service';
import { x25519PublicFromPrivate } from 'src/sdk/x25519';
import { createStaff, registerParty } from './factories/identity.factory';
import { createDraftTender, createPublishedTender, uploadTenderDocument } from './factories/tender.factory';
import { untilBidDeadlinePassed } from './helpers/poll';
import { withFailingAmendment, withFailingPublication } from './helpers/failing-trigger';
import { custodianShareFile, custodianShareFiles, depositIdOfFile } from './helpers/custodian-files';
import { createTestApp, type TestApp } from './helpers/test-app';

/**
 * Issue 17, threshold escrow (docs/SECURITY.md, "Threshold escrow"): the tender's escrow private key is split 2-of-3
 * among the platform, the supervision authority and the notary office at publication; each custodian releases its
 * share only from the deadline on, by its own clock, signed; the platform alone — its database and its environment —
 * rebuilds nothing, even after the deadline.
 */
describe('threshold escrow of the tender escrow key (integration)', () => {
  let t: TestApp;
  let custodiansDir: string;

  beforeAll(async () => {
    custodiansDir = mkdtempSync(join(tmpdir(), 'ebid-custodians-'));
    t = await createTestApp({ env: { LEGAL_PERIODS: 'relaxed', ESCROW_CUSTODIANS_DIR: custodiansDir }, workers: false });
  });
  afterAll(() => t.close());

  const unseal = (tenderId: string) => t.dataSource.transaction((m) => t.app.get(EscrowKeyService).unseal(m, tenderId, SYSTEM_ACTOR));
  const shareFile = (custodian: string, tenderId: string) => custodianShareFile(join(custodiansDir, custodian), tenderId, 'escrow-key');
  const platformShare = async (tenderId: string) => {
    const [row] = await t.dataSource.query(
      `SELECT share_index, sealed_share FROM escrow_custody_shares WHERE tender_id = $1 AND secret_id = 'escrow-key' AND custodian = 'platform'`,
      [tenderId],
    );
    // What the platform holds: its database and its environment (SEALING_MASTER_KEY).
    return new CryptoService().unseal(t.config.sealingMasterKey, row.sealed_share, `escrow-share|platform|${tenderId}|escrow-key|${row.share_index}`);
  };

  it('publication splits the key 2-of-3: nothing whole in the database, one share per custodian, the deposit audited', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    const [row] = await t.dataSource.query(`SELECT escrow_public_key, escrow_private_key_sealed FROM tenders WHERE id = $1`, [tender.id]);
    expect(row.escrow_public_key).toBe(tender.escrowPublicKey);
    expect(row.escrow_private_key_sealed).toBeNull();
    const shares = await t.dataSource.query(`SELECT secret_id, custodian, share_index FROM escrow_custody_shares WHERE tender_id = $1 ORDER BY secret_id`, [tender.id]);
    // The escrow keys (X25519 and SM2), the identity key of the sealed identities and the expert draw's seed, each split the same way.
    expect(shares).toEqual([
      { secret_id: 'draw-seed', custodian: 'platform', share_index: 1 },
      { secret_id: 'escrow-key', custodian: 'platform', share_index: 1 },
      { secret_id: 'escrow-key-sm2', custodian: 'platform', share_index: 1 }, // format v2's GM-1 escrow key
      { secret_id: 'identity-key', custodian: 'platform', share_index: 1 },
    ]);
    expect(existsSync(shareFile('supervision-authority', tender.id))).toBe(true);
    expect(existsSync(shareFile('notary-office', tender.id))).toBe(true);
    const [ev] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = 'escrow-key'`, [
      tender.id,
    ]);
    expect(ev.data).toMatchObject({ secretId: 'escrow-key', threshold: 2 });
    expect(ev.data.custodians.map((c: { custodian: string }) => c.custodian)).toEqual(['platform', 'supervision-authority', 'notary-office']);
  });

  it("before the deadline: a DBA who moves the deadline (and the platform share's release time) still gets no key — the custodians go by their own clocks", async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    await expect(unseal(tender.id)).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING' });
    await t.dataSource.query(`UPDATE tenders SET bid_deadline = clock_timestamp() - interval '1 minute' WHERE id = $1`, [tender.id]);
    await t.dataSource.query(`UPDATE escrow_custody_shares SET not_before = clock_timestamp() - interval '1 minute' WHERE tender_id = $1`, [tender.id]);
    await expect(unseal(tender.id)).rejects.toMatchObject({ code: 'SEALED_UNTIL_OPENING', details: { released: ['platform'] } });
    const released = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARE_RELEASED'`, [tender.id]);
    expect(released).toHaveLength(0); // the attempt rolled back with its transaction: nothing was opened
  });

  it("an amendment that moves the deadline moves every custodian's release instant, audited; an earlier one is in the custodians' own logs", async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00' });
    const fileNotBefore = (c: string) => JSON.parse(readFileSync(shareFile(c, tender.id), 'utf8')).notBefore;
    const later = new Date(Date.now() + 2 * 3_600_000);
    later.setMilliseconds(0);
    await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(tender.owner.auth).send({ text: '投标截止时间顺延。', bidDeadline: later.toISOString() }).expect(201);
    const platform = async () =>
      (await t.dataSource.query(`SELECT secret_id, not_before FROM escrow_custody_shares WHERE tender_id = $1 ORDER BY secret_id`, [tender.id])).map(
        (r: { secret_id: string; not_before: Date }) => [r.secret_id, new Date(r.not_before).toISOString()],
      );
    expect(await platform()).toEqual([
      ['draw-seed', later.toISOString()],
      ['escrow-key', later.toISOString()],
      ['escrow-key-sm2', later.toISOString()],
      ['identity-key', later.toISOString()],
    ]);
    expect(fileNotBefore('supervision-authority')).toBe(later.toISOString());
    expect(fileNotBefore('notary-office')).toBe(later.toISOString());
    const earlier = new Date(Date.now() + 1_800_000);
    earlier.setMilliseconds(0);
    await t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(tender.owner.auth).send({ text: '投标截止时间提前。', bidDeadline: earlier.toISOString() }).expect(201);
    expect(fileNotBefore('notary-office')).toBe(earlier.toISOString());
    expect(readFileSync(join(custodiansDir, 'notary-office', 'releases.log'), 'utf8')).toContain(
      `"tenderId":"${tender.id}","secretId":"escrow-key","from":"${later.toISOString()}"`,
    );
    const events = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_RELEASE_RESCHEDULED'`, [tender.id]);
    expect(events.map((e: { data: { notBefore: string; reason: string } }) => [e.data.notBefore, e.data.reason])).toEqual([
      [later.toISOString(), 'AMENDMENT'],
      [earlier.toISOString(), 'AMENDMENT'],
    ]);
  });

  it('a publication that rolls back after the deposits is published again (no ALREADY_DEPOSITED): the orphaned shares stay, the opening rebuilds the committed key', async () => {
    const draft = await createDraftTender(t, { deadlineInMs: 6000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    await uploadTenderDocument(t, draft);
    const publish = () => t.http().post(`/api/v1/tenders/${draft.id}/publish`).set(draft.owner.auth).send({});
    // The last step of the publication (the draw-seed commitment, after every deposit) fails once: the publication's transaction rolls back.
    await withFailingPublication(t.dataSource, draft.id, async () => expect((await publish()).status).toBeGreaterThanOrEqual(500));
    expect(await t.dataSource.query(`SELECT status FROM tenders WHERE id = $1`, [draft.id])).toEqual([{ status: 'DRAFT' }]);
    expect(await t.dataSource.query(`SELECT 1 FROM escrow_custody_shares WHERE tender_id = $1`, [draft.id])).toEqual([]); // the platform's share rolled back
    const orphans = custodianShareFiles(join(custodiansDir, 'notary-office'), draft.id, 'escrow-key');
    expect(orphans).toHaveLength(1); // the outside custodian's share did not

    expect((await publish()).status).toBe(200);
    const [dep] = await t.dataSource.query(
      `SELECT data->>'depositId' AS id FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = 'escrow-key'`,
      [draft.id],
    );
    const files = custodianShareFiles(join(custodiansDir, 'notary-office'), draft.id, 'escrow-key');
    expect(files.map(depositIdOfFile).sort()).toEqual([dep.id, depositIdOfFile(orphans[0])].sort());
    const [{ escrow_public_key: publicKey }] = await t.dataSource.query(`SELECT escrow_public_key FROM tenders WHERE id = $1`, [draft.id]);
    await untilBidDeadlinePassed(t.dataSource, draft.id, 20_000);
    // The notary office stands in for the supervision authority: the share it releases is the committed deposit's.
    renameSync(join(custodiansDir, 'supervision-authority'), join(custodiansDir, 'supervision-authority.away'));
    try {
      const key = await unseal(draft.id);
      expect(x25519PublicFromPrivate(key).toString('base64')).toBe(publicKey);
    } finally {
      renameSync(join(custodiansDir, 'supervision-authority.away'), join(custodiansDir, 'supervision-authority'));
    }
    const log = readFileSync(join(custodiansDir, 'notary-office', 'releases.log'), 'utf8');
    expect(log).toContain(`"depositId":"${dep.id}"`);
    expect(log).not.toContain(depositIdOfFile(orphans[0])!);
  }, 60_000);

  it('the platform alone (database + environment, its own share) cannot rebuild the key, even after the deadline', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 1500, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    await untilBidDeadlinePassed(t.dataSource, tender.id);
    const share = await platformShare(tender.id);
    await expect(combine([new Uint8Array(share)])).rejects.toThrow(); // one share is below the threshold
    // Guessing the missing share gives another key, never the tender's.
    for (let i = 0; i < 20; i++) {
      const guess = Buffer.concat([randomBytes(32), Buffer.from([2 + (i % 2)])]);
      const key = Buffer.from(await combine([new Uint8Array(share), new Uint8Array(guess)]));
      expect(x25519PublicFromPrivate(key).toString('base64')).not.toBe(tender.escrowPublicKey);
    }
    // The other custodians do not answer: the opening cannot rebuild the key.
    renameSync(join(custodiansDir, 'supervision-authority'), join(custodiansDir, 'supervision-authority.away'));
    renameSync(join(custodiansDir, 'notary-office'), join(custodiansDir, 'notary-office.away'));
    try {
      await expect(unseal(tender.id)).rejects.toMatchObject({ code: 'ESCROW_THRESHOLD_NOT_MET', details: { released: ['platform'] } });
    } finally {
      renameSync(join(custodiansDir, 'notary-office.away'), join(custodiansDir, 'notary-office'));
    }
    // With one outside custodian back (2 of 3), it can: the key matches the published public key.
    const key = await unseal(tender.id);
    expect(x25519PublicFromPrivate(key).toString('base64')).toBe(tender.escrowPublicKey);
    renameSync(join(custodiansDir, 'supervision-authority.away'), join(custodiansDir, 'supervision-authority'));
  });

  it("with the whole development machine (database, environment and the custodians' folders) the key is rebuilt before the deadline — why production custodians must be remote", async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    const file = shareFile('notary-office', tender.id);
    const { shareIndex, sealed } = JSON.parse(readFileSync(file, 'utf8'));
    const notaryKey = Buffer.from(readFileSync(join(custodiansDir, 'notary-office', 'secrets', 'storage.key'), 'utf8').trim(), 'base64');
    const notaryShare = new CryptoService().unseal(notaryKey, sealed, `escrow-share|notary-office|${tender.id}|escrow-key|${shareIndex}|${depositIdOfFile(file)}`);
    const key = Buffer.from(await combine([new Uint8Array(await platformShare(tender.id)), new Uint8Array(notaryShare)]));
    expect(x25519PublicFromPrivate(key).toString('base64')).toBe(tender.escrowPublicKey);
  });

  it("after the deadline: k custodians release, each release an audit event with the custodian's Ed25519 signature over (tender, share, deadline, time)", async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 1500, bidSecurityAmount: '0.00', decryptionMode: 'ESCROW' });
    await untilBidDeadlinePassed(t.dataSource, tender.id);
    const key = await unseal(tender.id);
    expect(x25519PublicFromPrivate(key).toString('base64')).toBe(tender.escrowPublicKey);
    const events: Array<{ data: Record<string, string | number> }> = await t.dataSource.query(
      `SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARE_RELEASED' AND data->>'secretId' = 'escrow-key' ORDER BY data->>'custodian'`,
      [tender.id],
    );
    expect(events.map((e) => e.data.custodian)).toEqual(['platform', 'supervision-authority']);
    const [{ bid_deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [tender.id]);
    const [dep] = await t.dataSource.query(`SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARES_DEPOSITED' AND data->>'secretId' = 'escrow-key'`, [
      tender.id,
    ]);
    for (const { data } of events) {
      expect(data.notBefore).toBe(new Date(bid_deadline).toISOString());
      expect(new Date(data.releasedAt as string).getTime()).toBeGreaterThanOrEqual(new Date(bid_deadline).getTime());
      const deposited = dep.data.custodians.find((c: { custodian: string }) => c.custodian === data.custodian);
      expect(data.publicKey).toBe(deposited.publicKey); // the key that was announced at publication
      expect(data.shareSha256).toBe(deposited.shareSha256);
      // The signature checks against the statement with the share's hash; a changed release time does not.
      const r = { ...data, tenderId: tender.id, share: Buffer.alloc(0) } as unknown as ShareRelease;
      expect(verifyRelease(r, data.shareSha256 as string)).toBe(true);
      expect(verifyRelease({ ...r, releasedAt: new Date(0).toISOString() }, data.shareSha256 as string)).toBe(false);
    }
    // The outside custodian keeps its own log of what it released.
    const log = readFileSync(join(custodiansDir, 'supervision-authority', 'releases.log'), 'utf8');
    expect(log).toContain(tender.id);
    expect(readdirSync(join(custodiansDir, 'supervision-authority', 'shares')).length).toBeGreaterThan(0);
  });
  it("the first read at the deadline instant (GET document-downloads) with custodians whose clocks are behind the database's: far behind, 503 CUSTODIANS_NOT_READY; a second behind, waited for and read", async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 4000, bidSecurityAmount: '0.00' });
    const bidder = await registerParty(t);
    const doc = (await t.http().get(`/api/v1/tenders/${tender.id}/documents`).expect(200)).body.items[0];
    await t.http().get(`/api/v1/tenders/${tender.id}/documents/${doc.id}/content`).set(bidder.auth).expect(200); // sealed to the identity key
    const supervisor = await createStaff(t, Role.SUPERVISOR);
    const [{ bid_deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [tender.id]);
    const deadline = new Date(bid_deadline).getTime();
    const custodians = t.app.get<EscrowCustodian[]>(ESCROW_CUSTODIANS);
    const original = [...custodians];
    const refusals: string[] = [];
    class Counted extends FileEscrowCustodian {
      override async release(...args: Parameters<FileEscrowCustodian['release']>) {
        return super.release(...args).catch((e) => {
          refusals.push(`${this.name}:${e.reason}`);
          throw e;
        });
      }
    }
    /** The outside custodians' clocks, from now on, read `ms` before the deadline when the database's has passed it. */
    const behindBy = (ms: number) => {
      const lag = Date.now() - deadline + ms;
      for (const i of [1, 2]) custodians[i] = new Counted(original[i].name, join(custodiansDir, original[i].name), new CryptoService(), () => new Date(Date.now() - lag));
    };
    const read = () => t.http().get(`/api/v1/tenders/${tender.id}/document-downloads`).set(supervisor.auth);
    try {
      await untilBidDeadlinePassed(t.dataSource, tender.id, 20_000);
      behindBy(60_000);
      const far = await read();
      expect([far.status, far.body.code]).toEqual([503, 'CUSTODIANS_NOT_READY']); // not a 403 that says "sealed"
      expect(far.body.details).toMatchObject({ released: ['platform'], behind: [{ custodian: 'supervision-authority' }, { custodian: 'notary-office' }] });
      behindBy(1_000);
      const t0 = Date.now();
      const res = await read();
      expect(res.status).toBe(200);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // it waited for their clocks
      expect(res.body).toMatchObject({ total: 1, items: [{ organizationId: bidder.organizationId, userId: bidder.userId }] });
      expect(refusals).toContain('supervision-authority:NOT_YET');
    } finally {
      custodians.splice(0, custodians.length, ...original);
    }
    const releases: Array<{ data: { custodian: string; releasedAt: string } }> = await t.dataSource.query(
      `SELECT data FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_SHARE_RELEASED' AND data->>'secretId' = 'identity-key' ORDER BY id`,
      [tender.id],
    );
    expect(releases.map((r) => r.data.custodian)).toEqual(['platform', 'supervision-authority']); // the 503 attempt rolled back
    for (const r of releases) expect(new Date(r.data.releasedAt).getTime()).toBeGreaterThanOrEqual(deadline); // each by its own clock
  }, 60_000);

  it('an amendment whose transaction fails after every custodian accepted the new deadline leaves every custodian at the old instant, postponed or brought forward; a custodian whose folder is gone refuses the move', async () => {
    const tender = await createPublishedTender(t, { deadlineInMs: 3_600_000, bidSecurityAmount: '0.00' });
    const [{ bid_deadline }] = await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [tender.id]);
    const old = new Date(bid_deadline).toISOString();
    const outside = ['supervision-authority', 'notary-office'];
    const instants = async () => {
      const files = outside.flatMap((c) =>
        ['escrow-key', 'escrow-key-sm2', 'identity-key', 'draw-seed'].map(
          (s) => `${c}/${s}@${JSON.parse(readFileSync(custodianShareFile(join(custodiansDir, c), tender.id, s), 'utf8')).notBefore}`,
        ),
      );
      const rows = await t.dataSource.query(`SELECT secret_id, not_before FROM escrow_custody_shares WHERE tender_id = $1 ORDER BY secret_id`, [tender.id]);
      return [...files, ...rows.map((r: { secret_id: string; not_before: Date }) => `platform/${r.secret_id}@${new Date(r.not_before).toISOString()}`)];
    };
    const atOld = await instants();
    expect(atOld).toHaveLength(12);
    for (const i of atOld) expect(i.endsWith(`@${old}`)).toBe(true);
    const amend = (to: Date) => t.http().post(`/api/v1/tenders/${tender.id}/amendments`).set(tender.owner.auth).send({ text: '投标截止时间变更。', bidDeadline: to.toISOString() });
    const later = new Date(Date.now() + 2 * 3_600_000);
    const earlier = new Date(Date.now() + 1_800_000);
    later.setMilliseconds(0);
    earlier.setMilliseconds(0);
    // A step of the amendment after the custodians' reschedule (the amendment row) fails: its transaction rolls back.
    await withFailingAmendment(t.dataSource, tender.id, async () => {
      for (const to of [later, earlier]) {
        expect((await amend(to)).status).toBeGreaterThanOrEqual(500);
        expect(await instants()).toEqual(atOld); // every custodian moved back; the platform's own share rolled back
      }
    });
    expect(await t.dataSource.query(`SELECT bid_deadline FROM tenders WHERE id = $1`, [tender.id])).toEqual([{ bid_deadline }]);
    expect(await t.dataSource.query(`SELECT 1 FROM audit_events WHERE tender_id = $1 AND action = 'ESCROW_RELEASE_RESCHEDULED'`, [tender.id])).toEqual([]);
    // The move earlier and its undoing stay on the record of each custodian's own log.
    expect(readFileSync(join(custodiansDir, 'notary-office', 'releases.log'), 'utf8')).toContain(
      `"tenderId":"${tender.id}","secretId":"escrow-key","from":"${old}","to":"${earlier.toISOString()}"`,
    );

    // The notary office's folder gone: not "a secret never deposited" — the move is refused, the first custodian moved back.
    renameSync(join(custodiansDir, 'notary-office'), join(custodiansDir, 'notary-office.away'));
    try {
      const res = await amend(later);
      expect([res.status, res.body.code]).toEqual([503, 'ESCROW_RESCHEDULE_REFUSED']);
      expect(res.body.details).toMatchObject({ custodian: 'notary-office', reason: 'UNAVAILABLE', restored: ['supervision-authority/escrow-key'] });
    } finally {
      renameSync(join(custodiansDir, 'notary-office.away'), join(custodiansDir, 'notary-office'));
    }
    expect(await instants()).toEqual(atOld);
    expect((await amend(later)).status).toBe(201); // all there: the move goes through, everywhere
    for (const i of await instants()) expect(i.endsWith(`@${later.toISOString()}`)).toBe(true);
  }, 60_000);
});
