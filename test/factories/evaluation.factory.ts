import { createHash, randomBytes } from 'crypto';
import { Role } from 'src/common/auth/role.enum';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { DomainEvents } from 'src/common/events/domain-events';
import { AuditHeadsService } from 'src/modules/audit/audit-heads.service';
import { SchedulerService } from 'src/modules/scheduling/scheduler.service';
import { ExpertDrawService } from 'src/modules/experts/draw/expert-draw.service';
import { type TestApp } from '../helpers/test-app';
import { adminParty, createStaff, randomUscc, registerParty, type TestParty } from './identity.factory';
import { moveTenderTo } from './tender-status.factory';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, ms = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(40);
  }
}

export interface TestExpert extends TestParty {
  expertId: string;
  employerUscc: string;
}

export interface ExpertOptions {
  specialties?: string[];
  employerUscc?: string;
  conflicts?: Array<{ uscc: string; reason: string }>;
  name?: string;
}

let seq = 0;

/** An EXPERT account (POST /admin/users) with its pool profile (POST /experts), able to log in. */
export async function createExpert(t: TestApp, o: ExpertOptions = {}): Promise<TestExpert> {
  const admin = await adminParty(t);
  const user = await createStaff(t, Role.EXPERT);
  const employerUscc = o.employerUscc ?? randomUscc();
  const res = await t
    .http()
    .post('/api/v1/experts')
    .set(admin.auth)
    .send({
      userId: user.userId,
      name: o.name ?? `专家${++seq}`,
      specialties: o.specialties ?? ['A08'],
      region: '江苏省盐城市',
      employerUscc,
      title: '高级工程师',
      yearsOfExperience: 12,
      conflicts: o.conflicts ?? [],
    });
  if (res.status !== 201) throw new Error(`create expert failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...user, expertId: res.body.expertId, employerUscc };
}

/**
 * Pool filler written straight into the tables (no login needed): `n` active experts of a specialty. Returns the
 * expert ids.
 */
export async function insertExperts(t: TestApp, n: number, specialty = 'A08'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const [u] = await t.dataSource.query(`INSERT INTO users (username, password_hash, role) VALUES ($1, 'scrypt$x', 'EXPERT') RETURNING id`, [
      `pool-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
    ]);
    const [e] = await t.dataSource.query(
      `INSERT INTO experts (user_id, name, specialties, region, employer_uscc, title, years_of_experience)
       VALUES ($1, $2, $3, '江苏省', $4, '高级工程师', 10) RETURNING id`,
      [u.id, `库专家${i}`, [specialty], randomUscc()],
    );
    ids.push(e.id);
  }
  return ids;
}

export interface EvaluationTenderOptions {
  owner?: TestParty;
  /** Sign the audit heads at the opening (as the bidDeadline hook does): the expert draw's beacon (expert-draw-v2). */
  openingHead?: boolean;
  regime?: 'ENGINEERING' | 'GOV_PROCUREMENT';
  category?: string;
  budget?: string;
  priceCeiling?: string | null;
  method?: 'LOWEST_EVALUATED_PRICE' | 'COMPREHENSIVE_SCORING';
  priceWeight?: string | null;
  factors?: Array<{ code: string; name: string; maxScore: number }>;
  panelSize?: number;
  specialties?: Array<{ code: string; count: number }>;
  /** One bidder per price; `null` → a REVOKED bid (not decrypted). */
  prices?: Array<string | null>;
  bidders?: TestParty[];
  title?: string;
}

export interface EvaluationTender {
  id: string;
  owner: TestParty;
  bidders: TestParty[];
  bidIds: string[];
}

/**
 * A tender whose opening is over: the row and its opened bids are written straight into the tables (what the
 * tenders, bids and opening modules do), then the tender enters EVALUATION and TenderEnteredEvaluation is
 * announced — exactly as the opening module does it, in one transaction.
 */
export async function tenderInEvaluation(t: TestApp, o: EvaluationTenderOptions = {}): Promise<EvaluationTender> {
  const owner = o.owner ?? (await registerParty(t, { role: Role.PROCURING_ENTITY }));
  const prices = o.prices ?? ['36500000.00', '37200000.00', '37900000.00'];
  const bidders = o.bidders ?? (await Promise.all(prices.map(() => registerParty(t, { role: Role.BIDDER }))));
  const [row]: Array<{ id: string }> = await t.dataSource.query(
    `INSERT INTO tenders (procuring_entity_id, created_by, title, category, regime, method, budget, price_ceiling, bid_deadline,
                          bid_security_amount, decryption_mode, decryption_window_minutes, evaluation_method, price_weight,
                          evaluation_factors, panel_size, panel_specialties, status, published_at, opened_at)
     VALUES ($1, $2, $3, $4, $5, 'OPEN', $6, $7, clock_timestamp() - interval '1 hour', '200000.00', 'BIDDER_WITH_ESCROW_FALLBACK', 30,
             $8, $9, $10, $11, $12, 'DRAFT', clock_timestamp() - interval '30 days', clock_timestamp() - interval '1 hour')
     RETURNING id`,
    [
      owner.organizationId,
      owner.userId,
      o.title ?? '盐城市开发大道改造工程施工',
      o.category ?? 'CONSTRUCTION_WORKS',
      o.regime ?? 'ENGINEERING',
      o.budget ?? '40000000.00',
      o.priceCeiling === undefined ? '38000000.00' : o.priceCeiling,
      o.method ?? 'LOWEST_EVALUATED_PRICE',
      o.priceWeight ?? null,
      JSON.stringify(o.factors ?? []),
      o.panelSize ?? 5,
      JSON.stringify(o.specialties ?? [{ code: 'A08', count: o.panelSize ?? 5 }]),
    ],
  );
  const bidIds: string[] = [];
  for (let i = 0; i < prices.length; i++) {
    const b = bidders[i];
    const price = prices[i];
    const [bid] = await t.dataSource.query(
      `INSERT INTO bids (tender_id, bidder_organization_id, submitted_by, version, status, ciphertext, iv, key_commitment, ciphertext_sha256,
                         ciphertext_bytes, received_at, signature, ip, device_id, opened_at, decrypted_at, decrypted_by, price, duration_days,
                         attachments)
       VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $7, 16, clock_timestamp() - make_interval(mins => $8), 'sig', '10.0.0.1', $9,
               clock_timestamp() - interval '1 hour', $10, $11, $12, $13, $14)
       RETURNING id`,
      [
        row.id,
        b.organizationId,
        b.userId,
        price === null ? 'REVOKED' : 'DECRYPTED',
        randomBytes(16),
        randomBytes(12),
        createHash('sha256').update(randomBytes(8)).digest('hex'),
        120 - i,
        `device-${i}`,
        price === null ? null : new Date(),
        price === null ? null : 'BIDDER',
        price,
        price === null ? null : 365,
        price === null ? null : JSON.stringify([{ name: '技术标.pdf', sha256: createHash('sha256').update(`a${i}`).digest('hex') }]),
      ],
    );
    bidIds.push(bid.id);
  }
  const events = t.app.get(DomainEvents);
  if (o.openingHead) await t.dataSource.transaction((m) => t.app.get(AuditHeadsService).sign(m, 'OPENING', row.id));
  await t.dataSource.transaction(async (m) => {
    await moveTenderTo(t, row.id, 'EVALUATION', { m });
    await events.emit(m, 'TenderEnteredEvaluation', { tenderId: row.id }, SYSTEM_ACTOR);
  });
  return { id: row.id, owner, bidders, bidIds };
}

export interface PanelMemberRow {
  id: string;
  expert_id: string;
  user_id: string;
  status: string;
  round: number;
  specialty: string;
}

export async function membersOf(t: TestApp, tenderId: string): Promise<PanelMemberRow[]> {
  return t.dataSource.query(`SELECT id, expert_id, user_id, status, round, specialty FROM panel_members WHERE tender_id = $1 ORDER BY created_at, id`, [tenderId]);
}

/** Waits for the PANEL_DRAW event to have run (drawn, or failed for want of experts). */
export async function drawn(t: TestApp, tenderId: string): Promise<{ id: string; status: string }> {
  return waitFor(
    async () => {
      const [d] = await t.dataSource.query(`SELECT id, status FROM expert_draws WHERE tender_id = $1`, [tenderId]);
      return d && d.status !== 'COMMITTED' ? d : null;
    },
    15_000,
    'the panel draw',
  );
}

/** Runs a pending timed event now, as if its time had come (the database clock is moved for this row only). */
export async function fireNow(t: TestApp, kind: string, subjectId: string): Promise<void> {
  const [e] = await t.dataSource.query(
    `UPDATE scheduled_events SET run_at = clock_timestamp() - interval '1 second' WHERE kind = $1 AND subject_id = $2 AND status = 'PENDING' RETURNING id`,
    [kind, subjectId],
  );
  const row = Array.isArray(e) ? e[0] : e;
  if (!row) throw new Error(`no pending ${kind} for ${subjectId}`);
  await t.app.get(SchedulerService).run(row.id);
}

/** The subject of the EXPERT_ACCEPT_TIMEOUT event of the round a seat was drawn in (the round's first list). */
export async function roundOf(t: TestApp, memberId: string): Promise<string> {
  const [r] = await t.dataSource.query(
    `SELECT se.subject_id AS id FROM scheduled_events se
       JOIN expert_draw_rounds r ON r.id = se.subject_id
       JOIN panel_members pm ON pm.draw_id = r.draw_id AND pm.round = r.round
      WHERE pm.id = $1 AND se.kind = 'EXPERT_ACCEPT_TIMEOUT'
      ORDER BY se.created_at DESC LIMIT 1`,
    [memberId],
  );
  return r.id;
}

/** Experts indexed by user id, to act for the seats drawn. */
export function byUser(experts: TestExpert[]): Map<string, TestExpert> {
  return new Map(experts.map((e) => [e.userId, e]));
}

/**
 * A draw's seed as the platform obtains it for a round: rebuilt from the escrow custodians' shares (issue 17; the
 * database holds only its commitment until the award). Each call is a signed, audited release.
 */
export async function drawSeed(t: TestApp, ref: { drawId?: string; tenderId?: string }): Promise<string> {
  const [{ id }] = ref.drawId ? [{ id: ref.drawId }] : await t.dataSource.query(`SELECT id FROM expert_draws WHERE tender_id = $1`, [ref.tenderId]);
  return t.dataSource.transaction((m) => t.app.get(ExpertDrawService).seedOf(m, id, SYSTEM_ACTOR));
}
