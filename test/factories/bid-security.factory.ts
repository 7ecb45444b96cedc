import { createHmac } from 'crypto';
import type request from 'supertest';
import { Role } from 'src/common/auth/role.enum';
import { type DomainEventMap, type DomainEventName, DomainEvents } from 'src/common/events/domain-events';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { BidSecurityService } from 'src/modules/bid-security/bid-security.service';
import { withUsccCheckChar } from 'src/common/uscc';
import type { TenderStatus } from 'src/modules/tenders/tender.enums';
import { type TestApp } from '../helpers/test-app';
import { registerParty, type TestParty } from './identity.factory';
import { moveTenderTo } from './tender-status.factory';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface SecurityTender {
  id: string;
  owner: TestParty;
}

export interface SecurityTenderOptions {
  owner?: TestParty;
  regime?: 'ENGINEERING' | 'GOV_PROCUREMENT';
  amount?: string;
  /** The bid deadline from now (ms); negative for a deadline already passed. Default: one hour. */
  deadlineInMs?: number;
  status?: string;
  title?: string;
}

/**
 * A tender row written straight into the table as a DRAFT, so that these tests control its deadline exactly and depend
 * on no other module's flow, then moved to its status through the state machine (moveTenderTo; the domain events the
 * other modules emit are emitted by `emit` below).
 */
export async function insertTender(t: TestApp, o: SecurityTenderOptions = {}): Promise<SecurityTender> {
  const owner = o.owner ?? (await registerParty(t, { role: Role.PROCURING_ENTITY }));
  const [row]: Array<{ id: string }> = await t.dataSource.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, bid_deadline,
                          bid_security_amount, decryption_mode, decryption_window_minutes, evaluation_method, panel_size,
                          status, published_at)
     VALUES ($1, $2, $3, 'CONSTRUCTION_WORKS', $4, 'OPEN', '40000000.00', clock_timestamp() + make_interval(secs => $5),
             $6, 'BIDDER_WITH_ESCROW_FALLBACK', 30, 'LOWEST_EVALUATED_PRICE', 5, $7, now())
     RETURNING id`,
    [
      owner.organizationId,
      owner.userId,
      o.title ?? '盐城市开发大道改造工程施工',
      o.regime ?? 'ENGINEERING',
      (o.deadlineInMs ?? 3_600_000) / 1000,
      o.amount ?? '200000.00',
      'DRAFT',
    ],
  );
  await moveTenderTo(t, row.id, (o.status ?? 'PUBLISHED') as `${TenderStatus}`);
  return { id: row.id, owner };
}

/** Moves the bid deadline to `inMs` from now on the database clock (negative: already passed). */
export async function setDeadline(t: TestApp, tenderId: string, inMs: number): Promise<void> {
  await t.dataSource.query(`UPDATE tenders SET bid_deadline = clock_timestamp() + make_interval(secs => $2) WHERE id = $1`, [tenderId, inMs / 1000]);
}

/**
 * The bid deadline passes and the bids are opened (what the opening module does at the deadline), then the tender
 * goes on to `status` through the state machine (moveTenderTo).
 */
export async function openTender(t: TestApp, tenderId: string, status: `${TenderStatus}` = 'OPENING'): Promise<void> {
  await t.dataSource.transaction(async (m) => {
    await m.query(`UPDATE tenders SET bid_deadline = least(bid_deadline, clock_timestamp() - interval '1 second'), opened_at = clock_timestamp() WHERE id = $1`, [tenderId]);
    await moveTenderTo(t, tenderId, status, { m });
  });
}

/** Emits a domain event in a transaction, as the owning module would. */
export async function emit<N extends DomainEventName>(t: TestApp, name: N, payload: DomainEventMap[N]): Promise<void> {
  const events = t.app.get(DomainEvents);
  await t.dataSource.transaction((m) => events.emit(m, name, payload, SYSTEM_ACTOR));
}

export function sign(t: TestApp, raw: string, secret = t.config.bankWebhookSecret): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}

let txnSeq = 0;
export const txnId = () => `TXN${Date.now().toString(36)}${(txnSeq++).toString(36)}${Math.floor(Math.random() * 1e6)}`;

export interface Notification {
  txnId: string;
  virtualAccountNo: string;
  amount: string;
  payerAccountNo: string;
  payerName: string;
  paidAt: string;
}

export function notification(o: Partial<Notification> & { virtualAccountNo: string }): Notification {
  return {
    txnId: o.txnId ?? txnId(),
    virtualAccountNo: o.virtualAccountNo,
    amount: o.amount ?? '200000.00',
    payerAccountNo: o.payerAccountNo ?? '6222000011112222333',
    payerName: o.payerName ?? '盐城测试建设有限公司',
    paidAt: o.paidAt ?? new Date().toISOString(),
  };
}

/** POST /bank/notifications with the raw body signed (or with the given signature / none). */
export function postNotification(t: TestApp, body: unknown, signature?: string | null): request.Test {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const req = t.http().post('/api/v1/bank/notifications').set('Content-Type', 'application/json');
  if (signature !== null) req.set('X-Bank-Signature', signature ?? sign(t, raw));
  return req.send(raw);
}

export async function issueAccount(t: TestApp, tenderId: string, bidder: TestParty): Promise<{ virtualAccountNo: string; amount: string }> {
  const res = await t.http().get(`/api/v1/tenders/${tenderId}/bid-security/account`).set(bidder.auth);
  if (res.status !== 200) throw new Error(`account failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A bidder with its sub-account for the tender, paying from its own basic account by default. */
export async function bidderWithAccount(t: TestApp, tenderId: string): Promise<{ bidder: TestParty; virtualAccountNo: string; basicAccountNo: string }> {
  const basicAccountNo = `3205${Date.now()}${Math.floor(Math.random() * 1e4)}`.slice(0, 19);
  const bidder = await registerParty(t, { accountNo: basicAccountNo });
  const { virtualAccountNo } = await issueAccount(t, tenderId, bidder);
  return { bidder, virtualAccountNo, basicAccountNo };
}

export async function pay(t: TestApp, n: Notification): Promise<string> {
  const res = await postNotification(t, n);
  if (res.status !== 200) throw new Error(`notification failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.status;
}

export async function mine(t: TestApp, tenderId: string, bidder: TestParty) {
  const res = await t.http().get(`/api/v1/tenders/${tenderId}/bid-security/mine`).set(bidder.auth);
  if (res.status !== 200) throw new Error(`mine failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * The ledger balances: every journal sums to zero, all debits equal all credits, each tender's reconciliation has
 * no difference, and the suspense account matches the unmatched payments still held.
 */
export async function expectLedgerBalanced(t: TestApp): Promise<void> {
  const m = t.dataSource.manager;
  const unbalanced = await m.query(`SELECT journal_id FROM ledger_entries GROUP BY journal_id HAVING sum(debit) <> sum(credit) OR count(*) < 2`);
  expect(unbalanced).toEqual([]);
  const [{ d, c }] = await m.query(`SELECT coalesce(sum(debit), 0)::text AS d, coalesce(sum(credit), 0)::text AS c FROM ledger_entries`);
  expect(d).toBe(c);
  const service = t.app.get(BidSecurityService);
  const tenders: Array<{ tender_id: string }> = await m.query(`SELECT DISTINCT tender_id FROM ledger_entries WHERE tender_id IS NOT NULL`);
  for (const { tender_id } of tenders) {
    const rec = await service.reconcile(m, tender_id);
    if (!rec.balanced) throw new Error(`tender ${tender_id} does not reconcile: ${JSON.stringify(rec, null, 2)}`);
  }
  const suspense = await service.reconcileSuspense(m);
  expect(suspense.difference).toBe('0.00');
}

/** Waits until no refund is left PLANNED (the refund jobs run at once). */
export async function waitForRefunds(t: TestApp, ms = 10_000): Promise<void> {
  await waitFor(
    async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM bid_security_refunds WHERE status = 'PLANNED'`))[0].n === 0,
    ms,
    'the planned refunds to be sent',
  );
}

let guaranteeSeq = 0;
/** The issuer of the test guarantees (a fixed, valid USCC). */
export const GUARANTEE_ISSUER_USCC = withUsccCheckChar('91320900MA1MBANK0');

export interface GuaranteeNotification {
  guaranteeNo: string;
  issuerType: 'BANK' | 'GUARANTOR' | 'INSURER';
  issuerName: string;
  issuerUscc: string;
  tenderId: string;
  lotNo?: number;
  bidderUscc: string;
  amount: string;
  validFrom: string;
  validUntil: string;
  issuedAt: string;
}

/** An electronic guarantee (电子保函) notification: from today (CST) to `validUntil` (default: a year on). */
export function guaranteeNotification(o: Partial<GuaranteeNotification> & { tenderId: string; bidderUscc: string }): GuaranteeNotification {
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const yearOn = new Date(Date.now() + 8 * 3600_000 + 366 * 86_400_000).toISOString().slice(0, 10);
  return {
    guaranteeNo: o.guaranteeNo ?? `BG${Date.now().toString(36)}${(guaranteeSeq++).toString(36)}${Math.floor(Math.random() * 1e6)}`,
    issuerType: o.issuerType ?? 'BANK',
    issuerName: o.issuerName ?? '中国银行盐城分行',
    issuerUscc: o.issuerUscc ?? GUARANTEE_ISSUER_USCC,
    tenderId: o.tenderId,
    ...(o.lotNo !== undefined ? { lotNo: o.lotNo } : {}),
    bidderUscc: o.bidderUscc,
    amount: o.amount ?? '200000.00',
    validFrom: o.validFrom ?? today,
    validUntil: o.validUntil ?? yearOn,
    issuedAt: o.issuedAt ?? new Date().toISOString(),
  };
}

/** POST /guarantees/notifications, signed like the bank's (or with the given signature / none). */
export function postGuarantee(t: TestApp, body: unknown, signature?: string | null): request.Test {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const req = t.http().post('/api/v1/guarantees/notifications').set('Content-Type', 'application/json');
  if (signature !== null) req.set('X-Bank-Signature', signature ?? sign(t, raw));
  return req.send(raw);
}

/** POST /guarantees/status, signed like the notifications. */
export function postGuaranteeStatus(t: TestApp, body: unknown, signature?: string | null): request.Test {
  const raw = JSON.stringify(body);
  const req = t.http().post('/api/v1/guarantees/status').set('Content-Type', 'application/json');
  if (signature !== null) req.set('X-Bank-Signature', signature ?? sign(t, raw));
  return req.send(raw);
}

/** The day `n` days after a 'YYYY-MM-DD' day. */
export const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
