import { createHash, randomBytes } from 'crypto';
import { type TestApp } from '../helpers/test-app';
import { type TenderStatus } from 'src/modules/tenders/tender.enums';
import { moveTenderTo } from './tender-status.factory';
import { randomUscc } from './identity.factory';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil<T>(probe: () => Promise<T | null | undefined | false>, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface SqlParty {
  organizationId: string;
  userId: string;
}

/**
 * Bidder organisations written straight into the tables (no login needed): for histories of many tenders, where
 * registering each firm over HTTP (scrypt) would only slow the test down.
 */
export async function insertBidders(t: TestApp, n: number, o: { legalRepresentative?: (i: number) => string } = {}): Promise<SqlParty[]> {
  const out: SqlParty[] = [];
  for (let i = 0; i < n; i++) {
    const [org] = await t.dataSource.query(
      `INSERT INTO organizations (name, uscc, kind, legal_representative, basic_account_bank, basic_account_no)
       VALUES ($1, $2, 'BIDDER', $3, '中国建设银行盐城分行', $4) RETURNING id`,
      [
        `历史投标人${i}-${randomBytes(3).toString('hex')}`,
        randomUscc(),
        o.legalRepresentative?.(i) ?? `法人${randomBytes(3).toString('hex')}`,
        `3205${randomBytes(6).toString('hex')}`,
      ],
    );
    const [user] = await t.dataSource.query(`INSERT INTO users (username, password_hash, role, organization_id) VALUES ($1, 'scrypt$x', 'BIDDER', $2) RETURNING id`, [
      `hist-${randomBytes(6).toString('hex')}`,
      org.id,
    ]);
    out.push({ organizationId: org.id, userId: user.id });
  }
  return out;
}

/**
 * An awarded tender of the history: the tender row (AWARDED, opened), one DECRYPTED bid per bidder and the active
 * award to `winner` — what the tenders, bids, opening and evaluation modules leave behind.
 */
export async function insertAwardedTender(
  t: TestApp,
  owner: SqlParty,
  bids: Array<{ party: SqlParty; price: string }>,
  winner: number,
  daysAgo: number,
): Promise<{ tenderId: string; bidIds: string[] }> {
  const [tender] = await t.dataSource.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, price_ceiling, bid_deadline,
                          bid_security_amount, decryption_mode, decryption_window_minutes, evaluation_method, panel_size, status,
                          published_at, opened_at)
     VALUES ($1, $2, '盐城市历史道路工程', 'CONSTRUCTION_WORKS', 'ENGINEERING', 'OPEN', '12000000.00', '11000000.00',
             clock_timestamp() - make_interval(days => $3 + 2), '0.00', 'ESCROW', 30, 'LOWEST_EVALUATED_PRICE', 5, 'DRAFT',
             clock_timestamp() - make_interval(days => $3 + 30), clock_timestamp() - make_interval(days => $3 + 2))
     RETURNING id`,
    [owner.organizationId, owner.userId, daysAgo],
  );
  await moveTenderTo(t, tender.id, 'AWARDED');
  const bidIds: string[] = [];
  for (const [i, b] of bids.entries()) {
    const [row] = await t.dataSource.query(
      `INSERT INTO bids (tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, ciphertext_sha256,
                         ciphertext_bytes, received_at, signature, ip, device_id, mac_addresses, document_author, opened_at, decrypted_at,
                         decrypted_by, price, attachments)
       VALUES ($1, $2, $3, 1, 'DECRYPTED', $4, $5, $6, $6, 16, clock_timestamp() - make_interval(days => $7 + 3), 'sig', $8, $9, $10, $11,
               clock_timestamp() - make_interval(days => $7 + 2), clock_timestamp() - make_interval(days => $7 + 2), 'ESCROW', $12, '[]')
       RETURNING id`,
      [
        tender.id,
        b.party.organizationId,
        b.party.userId,
        randomBytes(16),
        randomBytes(12),
        createHash('sha256').update(randomBytes(8)).digest('hex'),
        daysAgo,
        `198.51.100.${i + 1}`,
        `HIST-DEV-${randomBytes(4).toString('hex')}`,
        [],
        `作者${randomBytes(3).toString('hex')}`,
        b.price,
      ],
    );
    bidIds.push(row.id);
  }
  const w = bids[winner];
  await t.dataSource.query(
    `INSERT INTO awards (tender_id, bid_id, awardee_organization_id, awardee_name, price, rank, status, notice_no, notice_issued_at, contract_due_at)
     VALUES ($1, $2, $3, '中标人', $4, 1, 'NOTIFIED', $5, clock_timestamp() - make_interval(days => $6), clock_timestamp() + interval '30 days')`,
    [tender.id, bidIds[winner], w.party.organizationId, w.price, `ZB-${randomBytes(4).toString('hex')}`, daysAgo],
  );
  return { tenderId: tender.id, bidIds };
}

/**
 * A tender whose opening is over (EVALUATION by default), with one DECRYPTED bid per bidder at the given prices, in
 * a chosen market (category and regime): a platform's price history for the price screen's calibration.
 */
export async function insertOpenedTender(
  t: TestApp,
  owner: SqlParty,
  bids: Array<{ party: SqlParty; price: string }>,
  o: { category?: string; regime?: 'ENGINEERING' | 'GOV_PROCUREMENT'; status?: string; daysAgo?: number } = {},
): Promise<{ tenderId: string; bidIds: string[] }> {
  const [tender] = await t.dataSource.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, price_ceiling, bid_deadline,
                          bid_security_amount, decryption_mode, decryption_window_minutes, evaluation_method, panel_size, status,
                          published_at, opened_at)
     VALUES ($1, $2, '盐城市历史采购项目', $3, $4, 'OPEN', '50000000.00', NULL, clock_timestamp() - make_interval(days => $5),
             '0.00', 'ESCROW', 30, 'LOWEST_EVALUATED_PRICE', 5, $6,
             clock_timestamp() - make_interval(days => $5 + 25), clock_timestamp() - make_interval(days => $5))
     RETURNING id`,
    [owner.organizationId, owner.userId, o.category ?? 'GOODS', o.regime ?? 'GOV_PROCUREMENT', o.daysAgo ?? 1, 'DRAFT'],
  );
  await moveTenderTo(t, tender.id, (o.status ?? 'EVALUATION') as `${TenderStatus}`);
  const bidIds: string[] = [];
  for (const [i, b] of bids.entries()) {
    const [row] = await t.dataSource.query(
      `INSERT INTO bids (tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, ciphertext_sha256,
                         ciphertext_bytes, received_at, signature, ip, device_id, mac_addresses, document_author, opened_at, decrypted_at,
                         decrypted_by, price, attachments)
       VALUES ($1, $2, $3, 1, 'DECRYPTED', $4, $5, $6, $6, 16, clock_timestamp() - make_interval(days => $7 + 1), 'sig', $8, $9, $10, $11,
               clock_timestamp() - make_interval(days => $7), clock_timestamp() - make_interval(days => $7), 'ESCROW', $12, '[]')
       RETURNING id`,
      [
        tender.id,
        b.party.organizationId,
        b.party.userId,
        randomBytes(16),
        randomBytes(12),
        createHash('sha256').update(randomBytes(8)).digest('hex'),
        o.daysAgo ?? 1,
        `198.51.100.${i + 1}`,
        `HIST-DEV-${randomBytes(4).toString('hex')}`,
        [],
        `作者${randomBytes(3).toString('hex')}`,
        b.price,
      ],
    );
    bidIds.push(row.id);
  }
  return { tenderId: tender.id, bidIds };
}
