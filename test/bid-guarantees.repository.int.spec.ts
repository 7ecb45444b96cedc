/**
 * BidGuaranteesRepository against the real PostgreSQL: a guarantee registered once per issuer and number (the copy
 * gets null), an extension that keeps the sealed owner unless resealed, and the tender lock (no draft).
 */
import { randomUUID } from 'crypto';
import { BidGuaranteesRepository, type NewGuaranteeRow } from 'src/modules/bid-security/guarantees/bid-guarantees.repository';
import { GUARANTEE_ISSUER_USCC, insertTender } from './factories/bid-security.factory';
import { createTestApp, type TestApp } from './helpers/test-app';

describe('BidGuaranteesRepository (real PostgreSQL)', () => {
  let t: TestApp;
  let repo: BidGuaranteesRepository;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { LEGAL_PERIODS: 'relaxed' } });
    repo = t.app.get(BidGuaranteesRepository);
  });
  afterAll(async () => t?.close());

  it('registers once per number; an extension moves validUntil and keeps the sealed owner unless resealed', async () => {
    const m = t.dataSource.manager;
    const tender = await insertTender(t);
    expect(await t.dataSource.transaction((tx) => repo.lockPublishedTender(tx, tender.id))).toBe(true);
    expect(await t.dataSource.transaction((tx) => repo.lockPublishedTender(tx, randomUUID()))).toBe(false);
    const g: NewGuaranteeRow = {
      guaranteeNo: `BH${Date.now()}`,
      issuerUscc: GUARANTEE_ISSUER_USCC,
      issuerType: 'BANK',
      issuerName: '某银行',
      tenderId: tender.id,
      lotNo: 1,
      bidderOrganizationId: null,
      amount: '1000.00',
      validFrom: '2026-01-01',
      validUntil: '2027-01-01',
      issuedAt: new Date(),
      bodyDigest: 'k'.repeat(64),
      receivedAt: new Date(),
      bidderBlindIndex: 'bi',
      ownerSealed: 'sealed-1',
    };
    const id = await repo.insert(m, g);
    expect(id).toEqual(expect.any(String));
    expect(await repo.insert(m, { ...g, amount: '2000.00' })).toBeNull();
    await repo.extend(m, id!, { validUntil: '2027-06-30', bodyDigest: 'l'.repeat(64), ownerSealed: null });
    const row = async () =>
      (
        await t.dataSource.query(
          `SELECT amount::text AS amount, valid_until::text AS valid_until, body_sha256, owner_sealed, extended_at IS NOT NULL AS extended FROM bid_guarantees WHERE id = $1`,
          [id],
        )
      )[0];
    expect(await row()).toEqual({ amount: '1000.00', valid_until: '2027-06-30', body_sha256: 'l'.repeat(64), owner_sealed: 'sealed-1', extended: true });
    await repo.extend(m, id!, { validUntil: '2027-12-31', bodyDigest: 'm'.repeat(64), ownerSealed: 'sealed-2' });
    expect(await row()).toMatchObject({ valid_until: '2027-12-31', owner_sealed: 'sealed-2' });
  });
});
