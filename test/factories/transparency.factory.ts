import { createHash, randomBytes } from 'crypto';
import { type TenderStatus } from 'src/modules/tenders/tender.enums';
import { type TestApp } from '../helpers/test-app';
import { moveTenderTo } from './tender-status.factory';
import { type SqlParty } from './supervision.factory';

/**
 * Rows for the yearbook figures, written with SQL at chosen instants (a year of tenders cannot be run over HTTP in a
 * test): a tender published at an instant, its opened or sealed bids, its award, and supervision penalties.
 */
export async function insertTenderAt(
  t: TestApp,
  owner: SqlParty,
  o: { publishedAt: string | null; category?: string; budget?: string; status?: string; openedAt?: string | null; title?: string; regime?: string },
): Promise<string> {
  const [row] = await t.dataSource.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, price_ceiling, bid_deadline,
                          bid_security_amount, decryption_mode, decryption_window_minutes, evaluation_method, panel_size, status,
                          published_at, opened_at)
     VALUES ($1, $2, $3, $4, $5, 'OPEN', $6, NULL, coalesce($8::timestamptz, clock_timestamp()) + interval '20 days', '0.00', 'ESCROW', 30,
             'LOWEST_EVALUATED_PRICE', 5, $7, $8, $9)
     RETURNING id`,
    [
      owner.organizationId,
      owner.userId,
      o.title ?? '统计测试项目',
      o.category ?? 'CONSTRUCTION_WORKS',
      o.regime ?? 'ENGINEERING',
      o.budget ?? '1000000.00',
      'DRAFT',
      o.publishedAt,
      o.openedAt ?? null,
    ],
  );
  await moveTenderTo(t, row.id, (o.status ?? 'PUBLISHED') as `${TenderStatus}`);
  return row.id;
}

/** A bid: sealed (SUBMITTED, not opened) or opened and DECRYPTED at a price; received an hour before the deadline unless told. */
export async function insertBid(t: TestApp, tenderId: string, party: SqlParty, o: { price?: string; opened: boolean; receivedAt?: string }): Promise<string> {
  const [row] = await t.dataSource.query(
    `INSERT INTO bids (tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, ciphertext_sha256,
                       ciphertext_bytes, received_at, signature, ip, device_id, opened_at, decrypted_at, decrypted_by, price)
     VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $7, 16,
             coalesce($11::timestamptz, (SELECT bid_deadline FROM tenders WHERE id = $1) - interval '1 hour'), 'sig', '203.0.113.7', 'DEV-SECRET-1',
             $8, $8, $9, $10)
     RETURNING id`,
    [
      tenderId,
      party.organizationId,
      party.userId,
      o.opened ? 'DECRYPTED' : 'SUBMITTED',
      randomBytes(16),
      randomBytes(12),
      createHash('sha256').update(randomBytes(8)).digest('hex'),
      o.opened ? new Date() : null,
      o.opened ? 'BIDDER' : null,
      o.opened ? (o.price ?? '900000.00') : null,
      o.receivedAt ?? null,
    ],
  );
  return row.id;
}

export async function insertAwardAt(
  t: TestApp,
  tenderId: string,
  winner: SqlParty,
  o: { price: string; noticeIssuedAt: string; status?: 'NOTIFIED' | 'CONTRACTED' | 'DEFAULTED'; bidId?: string },
): Promise<string> {
  const [row] = await t.dataSource.query(
    `INSERT INTO awards (tender_id, bid_id, awardee_organization_id, awardee_name, price, rank, status, notice_no, notice_issued_at, contract_due_at)
     VALUES ($1, $2, $3, '中标人', $4, 1, $5, $6, $7, $7::timestamptz + interval '30 days') RETURNING id`,
    [tenderId, o.bidId ?? winner.organizationId, winner.organizationId, o.price, o.status ?? 'NOTIFIED', `ZB-${randomBytes(4).toString('hex')}`, o.noticeIssuedAt],
  );
  return row.id;
}

/** A supervision case in `status` with penalties (recorded at DECIDED, as the cases module does). */
export async function insertCaseWithPenalties(
  t: TestApp,
  tenderId: string,
  supervisorUserId: string,
  o: {
    status: 'OPEN' | 'INVESTIGATING' | 'DECIDED' | 'CLOSED';
    decidedAt?: string;
    penalties: Array<{ organizationId?: string; expertId?: string; type?: string; ground?: string; debarmentMonths?: number; fineAmount?: string }>;
  },
): Promise<string> {
  const decided = o.status === 'DECIDED' || o.status === 'CLOSED';
  const [kase] = await t.dataSource.query(
    `INSERT INTO supervision_cases (tender_id, status, summary, findings, request_sha256, opened_by, decided_at, decided_by, closed_at)
     VALUES ($1, $2, '围标串标线索', $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      tenderId,
      o.status,
      decided ? '经查，相关投标人串通投标' : null,
      createHash('sha256').update(randomBytes(8)).digest('hex'),
      supervisorUserId,
      decided ? (o.decidedAt ?? new Date().toISOString()) : null,
      decided ? supervisorUserId : null,
      o.status === 'CLOSED' ? new Date() : null,
    ],
  );
  for (const [i, p] of o.penalties.entries()) {
    const type = p.type ?? (p.debarmentMonths ? 'DEBARMENT' : p.fineAmount ? 'FINE' : 'WARNING');
    await t.dataSource.query(
      `INSERT INTO supervision_penalties (case_id, position, organization_id, expert_id, type, ground, fine_amount, debarment_months,
                                         effective_from, effective_until, legal_basis)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz,
               CASE WHEN $8::int IS NULL THEN NULL ELSE $9::timestamptz + make_interval(months => $8::int) END,
               '中华人民共和国招标投标法 第五十三条 (TBL Art. 53)；招标投标法实施条例 第六十七条 (TBR Art. 67)')`,
      [
        kase.id,
        i,
        p.organizationId ?? null,
        p.expertId ?? null,
        type,
        p.ground ?? 'COLLUSION',
        p.fineAmount ?? null,
        p.debarmentMonths ?? null,
        o.decidedAt ?? new Date().toISOString(),
      ],
    );
  }
  return kase.id;
}
