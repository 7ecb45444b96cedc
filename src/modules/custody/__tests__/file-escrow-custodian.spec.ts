import { randomBytes, randomUUID } from 'crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { combine, split } from 'shamir-secret-sharing';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import { type CustodianRefusal } from '../escrow-custodian';
import { FileEscrowCustodian } from '../local-custodians';
import { verifyRelease } from '../threshold-escrow.service';

/** The development custodian: its own clock decides, the release is signed, a share is never replaced. */
describe('FileEscrowCustodian', () => {
  let now: Date;
  let custodian: FileEscrowCustodian;
  let dir: string;
  const tenderId = randomUUID();
  const deadline = new Date('2026-12-10T02:00:00.000Z');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'custodian-'));
    now = new Date('2026-12-09T00:00:00.000Z');
    custodian = new FileEscrowCustodian('notary-office', dir, new CryptoService(), () => now);
  });

  const release = () => custodian.release(tenderId, 'escrow-key');
  const refusal = async () =>
    (await release().then(
      () => null,
      (e) => e,
    )) as CustodianRefusal | null;

  it('refuses before the release instant (the millisecond before), releases at it, signed', async () => {
    const share = randomBytes(33);
    await custodian.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 3, share, notBefore: deadline });
    now = new Date(deadline.getTime() - 1);
    // It says its instant and its clock (the platform waits out a clock a few ms behind the database's).
    expect(await refusal()).toMatchObject({ reason: 'NOT_YET', clock: { notBefore: deadline, now: new Date(deadline.getTime() - 1) } });
    now = new Date(deadline.getTime());
    const r = await release();
    expect(r.share.equals(share)).toBe(true);
    expect(r).toMatchObject({ custodian: 'notary-office', shareIndex: 3, notBefore: deadline.toISOString(), releasedAt: deadline.toISOString() });
    expect(r.publicKey).toBe(custodian.publicKey());
    expect(verifyRelease(r)).toBe(true);
    expect(verifyRelease({ ...r, share: randomBytes(33) })).toBe(false); // the signature covers the share's hash
    expect(verifyRelease({ ...r, notBefore: new Date(0).toISOString() })).toBe(false);
    expect(readFileSync(join(dir, 'releases.log'), 'utf8')).toContain(tenderId); // its own log
    // The share file holds no share in clear.
    expect(readFileSync(join(dir, 'shares', `${tenderId}.escrow-key.json`), 'utf8')).not.toContain(share.toString('base64'));
  });

  it('a reschedule moves the release; earlier only on the record of its own log; a second deposit is refused; an unknown secret is NO_SHARE', async () => {
    await custodian.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 2, share: randomBytes(33), notBefore: deadline });
    const earlier = new Date(deadline.getTime() - 3_600_000);
    await custodian.reschedule(tenderId, 'escrow-key', earlier, 'AMENDMENT');
    expect(readFileSync(join(dir, 'releases.log'), 'utf8')).toContain('RESCHEDULED_EARLIER');
    now = new Date(earlier.getTime() - 1);
    expect(await refusal()).toMatchObject({ reason: 'NOT_YET' });
    const later = new Date(deadline.getTime() + 86_400_000);
    await custodian.reschedule(tenderId, 'escrow-key', later, 'SUSPENSION');
    now = new Date(deadline.getTime() + 1000);
    expect(await refusal()).toMatchObject({ reason: 'NOT_YET' });
    now = later;
    await expect(release()).resolves.toMatchObject({ notBefore: later.toISOString() });
    await expect(custodian.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 2, share: randomBytes(33), notBefore: deadline })).rejects.toThrow();
    await expect(custodian.release(tenderId, 'identity-key')).rejects.toMatchObject({ reason: 'NO_SHARE' });
  });

  it('deposits under ids: a retry after a rolled-back publication deposits anew, the orphan stays; an id is never overwritten; the legacy share is still found', async () => {
    const [orphanId, usedId] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const [orphan, used, legacy] = [randomBytes(33), randomBytes(33), randomBytes(33)];
    await custodian.deposit({ tenderId, secretId: 'escrow-key', depositId: orphanId, shareIndex: 2, share: orphan, notBefore: deadline });
    await custodian.deposit({ tenderId, secretId: 'escrow-key', depositId: usedId, shareIndex: 2, share: used, notBefore: deadline });
    await custodian.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 2, share: legacy, notBefore: deadline }); // before deposit ids
    // The share the tender uses cannot be replaced: the same id again is refused.
    await expect(custodian.deposit({ tenderId, secretId: 'escrow-key', depositId: usedId, shareIndex: 2, share: randomBytes(33), notBefore: deadline })).rejects.toThrow(/EEXIST/);
    // A reschedule moves one deposit only, and says what it replaced.
    const later = new Date(deadline.getTime() + 3_600_000);
    await expect(custodian.reschedule(tenderId, 'escrow-key', later, 'SUSPENSION', undefined, usedId)).resolves.toEqual({ previous: deadline });
    now = deadline;
    await expect(custodian.release(tenderId, 'escrow-key', undefined, usedId)).rejects.toMatchObject({ reason: 'NOT_YET' });
    expect((await custodian.release(tenderId, 'escrow-key', undefined, orphanId)).share.equals(orphan)).toBe(true);
    expect((await custodian.release(tenderId, 'escrow-key')).share.equals(legacy)).toBe(true);
    now = later;
    expect((await custodian.release(tenderId, 'escrow-key', undefined, usedId)).share.equals(used)).toBe(true);
    await expect(custodian.release(tenderId, 'escrow-key', undefined, randomBytes(16).toString('hex'))).rejects.toMatchObject({ reason: 'NO_SHARE' });
    await expect(custodian.release(tenderId, 'escrow-key', undefined, 'not-an-id')).rejects.toThrow('bad share reference');
    // A share sealed under one id does not open under another (the id is in the AAD).
    const files = readdirSync(join(dir, 'shares'));
    expect(files.sort()).toEqual([`${tenderId}.escrow-key.${orphanId}.json`, `${tenderId}.escrow-key.${usedId}.json`, `${tenderId}.escrow-key.json`].sort());
    copyFileSync(join(dir, 'shares', `${tenderId}.escrow-key.${orphanId}.json`), join(dir, 'shares', `${tenderId}.escrow-key.${'0'.repeat(32)}.json`));
    await expect(custodian.release(tenderId, 'escrow-key', undefined, '0'.repeat(32))).rejects.toThrow();
  });

  it('its folder gone: UNAVAILABLE (not "no share"), for a release and for a reschedule; back in place, it answers again', async () => {
    await custodian.deposit({ tenderId, secretId: 'escrow-key', shareIndex: 2, share: randomBytes(33), notBefore: deadline });
    renameSync(dir, `${dir}.away`);
    try {
      now = deadline;
      await expect(release()).rejects.toMatchObject({ reason: 'UNAVAILABLE', message: expect.stringContaining('is missing') });
      await expect(custodian.reschedule(tenderId, 'escrow-key', new Date(deadline.getTime() + 1000), 'SUSPENSION')).rejects.toMatchObject({ reason: 'UNAVAILABLE' });
    } finally {
      renameSync(`${dir}.away`, dir);
    }
    await expect(custodian.release(tenderId, 'identity-key')).rejects.toMatchObject({ reason: 'NO_SHARE' });
    await expect(release()).resolves.toMatchObject({ shareIndex: 2 });
  });

  it('2-of-3 Shamir shares (shamir-secret-sharing): any two rebuild the secret, one alone does not', async () => {
    const secret = randomBytes(32);
    const shares = await split(new Uint8Array(secret), 3, 2);
    for (const [a, b] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ]) {
      expect(Buffer.from(await combine([shares[a], shares[b]])).equals(secret)).toBe(true);
    }
    await expect(combine([shares[0]])).rejects.toThrow();
  });
});
