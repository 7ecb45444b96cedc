import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { normalizeMoney } from 'src/common/money/money';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';
import { TenderObjectionEntity } from './tender-objection.entity';
import { TenderEntity } from './tender.entity';
import { TenderStatus } from './tender.enums';
import { DEFAULT_LOT_NO, type LotTerms } from './tender-lots';
import { lotSecurityShare } from './tender-rules';

/** The filter of GET /tenders, once the caller's right to `mine` is checked. */
export interface TenderListFilter {
  /** The caller's organization: its own tenders and those it is the authorised agent for, drafts included; else every published one. */
  mineOf: string | null;
  status?: TenderStatus;
  regime?: string;
  category?: string;
  jurisdiction?: string;
  subClass?: string;
  /** Words of the title (matched literally). */
  q?: string;
  page: number;
  pageSize: number;
}

export interface PendingTimedEventRow {
  kind: ScheduledEventKind;
  subjectId: string;
}

export interface EscrowKeyRow {
  /** The key sealed under SEALING_MASTER_KEY (tenders published before threshold escrow), or null. */
  sealed: string | null;
  publicKey: string | null;
  bidDeadline: Date;
  /** The bid deadline has come, by the database clock. */
  due: boolean;
}

export interface SuspensionCauses {
  objections: number;
  complaints: number;
  challenges: number;
}

/** An UPDATE … RETURNING comes back as [rows, affected count] from TypeORM's postgres driver. */
function returned<T>(res: unknown[]): T[] {
  return (Array.isArray(res[0]) ? res[0] : res) as T[];
}

/**
 * Owns `tenders`, `tender_lots`, `tender_invitations`, `tender_amendments` and `tender_objections` (the statements
 * TypeORM's entities do not cover). Other modules read tenders through it (exported by TendersModule). Its read models
 * of other modules' tables are declared as such: jurisdictions, scheduled_events, agency_authorizations, complaints.
 * Every method takes the caller's EntityManager (its transaction).
 */
@Injectable()
export class TendersRepository {
  /** Read model (jurisdictions): the code of this jurisdiction, or of the city when none is given; null when unknown. */
  async jurisdictionCode(m: EntityManager, code: string | undefined): Promise<string | null> {
    const [jurisdiction]: Array<{ code: string }> = code
      ? await m.query(`SELECT code FROM jurisdictions WHERE code = $1`, [code])
      : await m.query(`SELECT code FROM jurisdictions WHERE level = 'CITY'`);
    return jurisdiction?.code ?? null;
  }

  /** Invites an organization to an INVITED tender. */
  async insertInvitation(m: EntityManager, tenderId: string, organizationId: string): Promise<void> {
    await m.query(`INSERT INTO tender_invitations (tender_id, organization_id) VALUES ($1, $2)`, [tenderId, organizationId]);
  }

  /** Invites to `tenderId` everyone invited to `fromTenderId` (a re-tender of an INVITED tender). */
  async copyInvitations(m: EntityManager, tenderId: string, fromTenderId: string): Promise<void> {
    await m.query(`INSERT INTO tender_invitations (tender_id, organization_id) SELECT $1, organization_id FROM tender_invitations WHERE tender_id = $2`, [tenderId, fromTenderId]);
  }

  /**
   * One page of tenders (GET /tenders): the newest publications first, then the newest drafts; and the total.
   * Read model (agency_authorizations) in its EXISTS clause: an agency sees the drafts of the entities it acts for.
   */
  async page(m: EntityManager, f: TenderListFilter): Promise<[TenderEntity[], number]> {
    const qb = m.createQueryBuilder(TenderEntity, 't');
    if (f.mineOf) {
      // Its own tenders, and those of the entities that authorised it as their tendering agent (招标代理).
      qb.where(
        `(t.procuring_entity_id = :org OR EXISTS (SELECT 1 FROM agency_authorizations a WHERE a.agent_organization_id = :org
          AND a.procuring_entity_id = t.procuring_entity_id AND (a.tender_id IS NULL OR a.tender_id = t.id) AND a.revoked_at IS NULL))`,
        { org: f.mineOf },
      );
    } else {
      qb.where('t.status <> :draft', { draft: TenderStatus.DRAFT });
    }
    if (f.status) qb.andWhere('t.status = :status', { status: f.status });
    if (f.regime) qb.andWhere('t.regime = :regime', { regime: f.regime });
    if (f.category) qb.andWhere('t.category = :category', { category: f.category });
    if (f.jurisdiction) qb.andWhere('t.jurisdiction_code = :jurisdiction', { jurisdiction: f.jurisdiction });
    if (f.subClass) qb.andWhere('t.sub_class = :subClass', { subClass: f.subClass });
    if (f.q) qb.andWhere(`t.title ILIKE :q ESCAPE '\\'`, { q: `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    return qb
      .orderBy('t.published_at', 'DESC', 'NULLS LAST')
      .addOrderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'ASC')
      .skip((f.page - 1) * f.pageSize)
      .take(f.pageSize)
      .getManyAndCount();
  }

  /** Read model (scheduled_events): locks the tender's pending timed events in id order, as the scheduler does. */
  async lockPendingEvents(m: EntityManager, tenderId: string): Promise<void> {
    await m.query(`SELECT id FROM scheduled_events WHERE (tender_id = $1 OR subject_id = $1) AND status = 'PENDING' ORDER BY id FOR UPDATE`, [tenderId]);
  }

  /** Read model (scheduled_events): the tender's pending timed events. */
  async pendingEvents(m: EntityManager, tenderId: string): Promise<PendingTimedEventRow[]> {
    const rows: Array<{ kind: ScheduledEventKind; subject_id: string }> = await m.query(
      `SELECT kind, subject_id FROM scheduled_events WHERE (tender_id = $1 OR subject_id = $1) AND status = 'PENDING'`,
      [tenderId],
    );
    return rows.map((r) => ({ kind: r.kind, subjectId: r.subject_id }));
  }

  /** Read model (agency_authorizations): whether the agent holds an unrevoked authorisation for this tender or all the entity's. */
  async agentAuthorized(m: EntityManager, agentOrganizationId: string, procuringEntityId: string, tenderId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM agency_authorizations
       WHERE agent_organization_id = $1 AND procuring_entity_id = $2 AND (tender_id IS NULL OR tender_id = $3) AND revoked_at IS NULL
       LIMIT 1`,
      [agentOrganizationId, procuringEntityId, tenderId],
    );
    return rows.length > 0;
  }

  /** Whether an instant has come, by the database clock. */
  async isDue(m: EntityManager, at: Date): Promise<boolean> {
    const [{ due }]: Array<{ due: boolean }> = await m.query(`SELECT ($1::timestamptz <= clock_timestamp()) AS due`, [at]);
    return due;
  }

  /** Sets the X25519 escrow public key of a tender that has none; returns its bid deadline, or null when it had one. */
  async setEscrowPublicKey(m: EntityManager, tenderId: string, publicKey: string): Promise<Date | null> {
    const res: unknown[] = await m.query(
      `UPDATE tenders SET escrow_public_key = $2
       WHERE id = $1 AND escrow_public_key IS NULL AND escrow_private_key_sealed IS NULL RETURNING bid_deadline`,
      [tenderId, publicKey],
    );
    const [row] = returned<{ bid_deadline: Date }>(res);
    return row ? new Date(row.bid_deadline) : null;
  }

  /** The X25519 escrow key of a tender and whether its deadline has come (database clock); null: no such tender. */
  async escrowKey(m: EntityManager, tenderId: string): Promise<EscrowKeyRow | null> {
    const rows: Array<{ sealed: string | null; public_key: string | null; due: boolean; bid_deadline: Date }> = await m.query(
      `SELECT escrow_private_key_sealed AS sealed, escrow_public_key AS public_key, bid_deadline, (bid_deadline <= clock_timestamp()) AS due
       FROM tenders WHERE id = $1`,
      [tenderId],
    );
    const [r] = rows;
    return r ? { sealed: r.sealed, publicKey: r.public_key, bidDeadline: r.bid_deadline, due: r.due } : null;
  }

  /** Sets the SM2 escrow public key (hex) of a tender that has none; returns its bid deadline, or null when it had one. */
  async setSm2EscrowPublicKey(m: EntityManager, tenderId: string, publicHex: string): Promise<Date | null> {
    const res: unknown[] = await m.query(
      `UPDATE tenders SET escrow_public_key_sm2 = $2
         WHERE id = $1 AND escrow_public_key_sm2 IS NULL AND escrow_private_key_sm2_sealed IS NULL RETURNING bid_deadline`,
      [tenderId, publicHex],
    );
    const [row] = returned<{ bid_deadline: Date }>(res);
    return row ? new Date(row.bid_deadline) : null;
  }

  /** The SM2 escrow key of a tender (public point as hex) and whether its deadline has come; null: no such tender. */
  async sm2EscrowKey(m: EntityManager, tenderId: string): Promise<EscrowKeyRow | null> {
    const rows: Array<{ sealed: string | null; pub: string | null; due: boolean; bid_deadline: Date }> = await m.query(
      `SELECT escrow_private_key_sm2_sealed AS sealed, escrow_public_key_sm2 AS pub, bid_deadline, (bid_deadline <= clock_timestamp()) AS due
       FROM tenders WHERE id = $1`,
      [tenderId],
    );
    const [r] = rows;
    return r ? { sealed: r.sealed, publicKey: r.pub, bidDeadline: r.bid_deadline, due: r.due } : null;
  }

  /**
   * The terms of lot `lotNo` of a tender, or null when the tender has no such lot. A tender without lots is one lot,
   * number 1, with the tender's own amount (API.md v1 stays valid).
   */
  async lotTerms(m: EntityManager, tenderId: string, lotNo: number): Promise<LotTerms | null> {
    const [r]: Array<{ amount: string; budget: string; n: number; lot_amount: string | null; lot_budget: string | null; lot_status: string | null; lot_exists: boolean }> =
      await m.query(
        `SELECT t.bid_security_amount::text AS amount, t.budget::text AS budget, l.budget::text AS lot_budget,
            (SELECT count(*)::int FROM tender_lots WHERE tender_id = t.id) AS n,
            l.bid_security_amount::text AS lot_amount, l.status AS lot_status, (l.id IS NOT NULL) AS lot_exists
     FROM tenders t LEFT JOIN tender_lots l ON l.tender_id = t.id AND l.lot_no = $2
     WHERE t.id = $1`,
        [tenderId, lotNo],
      );
    if (!r) return null;
    if (r.n === 0) {
      return lotNo === DEFAULT_LOT_NO ? { lotNo, bidSecurityAmount: normalizeMoney(r.amount), status: 'ACTIVE', lotCount: 0 } : null;
    }
    if (!r.lot_exists) return null;
    return {
      lotNo,
      bidSecurityAmount: r.lot_amount !== null ? normalizeMoney(r.lot_amount) : lotSecurityShare(normalizeMoney(r.amount), normalizeMoney(r.lot_budget!), normalizeMoney(r.budget)),
      status: (r.lot_status as 'ACTIVE' | 'FAILED') ?? 'ACTIVE',
      lotCount: r.n,
    };
  }

  /**
   * Read model (complaints): what still holds a suspended tender — pending document objections, AWARD challenges
   * still unanswered, and complaints whose ordered suspension is not lifted.
   */
  async suspensionCauses(m: EntityManager, tenderId: string): Promise<SuspensionCauses> {
    const [r]: Array<{ objections: number; complaints: number; challenges: number }> = await m.query(
      `SELECT (SELECT count(*)::int FROM tender_objections WHERE tender_id = $1 AND status = 'PENDING') AS objections,
              (SELECT count(*)::int FROM complaints WHERE tender_id = $1 AND suspension_ordered_at IS NOT NULL AND suspension_lifted_at IS NULL) AS complaints,
              (SELECT count(*)::int FROM procurement_challenges WHERE tender_id = $1 AND subject = 'AWARD' AND status = 'PENDING') AS challenges`,
      [tenderId],
    );
    return { objections: r.objections, complaints: r.complaints, challenges: r.challenges };
  }

  /** The number of the tender's next amendment (1, 2, …); the tender is locked by the caller. */
  async nextAmendmentSeq(m: EntityManager, tenderId: string): Promise<number> {
    const [{ seq }]: Array<{ seq: number }> = await m.query(`SELECT coalesce(max(seq), 0)::int + 1 AS seq FROM tender_amendments WHERE tender_id = $1`, [tenderId]);
    return seq;
  }

  /**
   * The tender (its entity), locked FOR UPDATE with `lock`; null when there is no such tender. For the modules that
   * read a tender whole (the evaluation, the expert draw, the opening): they read it through its owner.
   */
  async findById(m: EntityManager, tenderId: string, opts: { lock?: boolean } = {}): Promise<TenderEntity | null> {
    return m.findOne(TenderEntity, { where: { id: tenderId }, ...(opts.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  /** The bid deadline of a tender that seals identities and has not reached it (database clock); null otherwise. */
  async sealedUntil(m: EntityManager, tenderId: string): Promise<Date | null> {
    const [row]: Array<{ bid_deadline: Date }> = await m.query(
      `SELECT bid_deadline FROM tenders WHERE id = $1 AND identity_public_key IS NOT NULL AND clock_timestamp() < bid_deadline`,
      [tenderId],
    );
    return row?.bid_deadline ?? null;
  }

  /** The bid validity period is extended (TBR Art. 25 ¶2): its end moves to the extended day with the request. */
  async moveBidValidityEnd(m: EntityManager, tenderId: string, extendTo: string): Promise<void> {
    await m.query(`UPDATE tenders SET bid_validity_ends_on = $2, updated_at = now() WHERE id = $1`, [tenderId, extendTo]);
  }

  /** A tender's escrow private key re-sealed under this installation's sealing key (legacy development re-sealing). */
  async resealEscrowKey(m: EntityManager, tenderId: string, sealed: string): Promise<void> {
    await m.query(`UPDATE tenders SET escrow_private_key_sealed = $2 WHERE id = $1`, [tenderId, sealed]);
  }

  /** At publication: the tender's identity public key (sealed identities until the opening; the private key is escrowed). */
  async setIdentityPublicKey(m: EntityManager, tenderId: string, publicKey: string): Promise<void> {
    await m.query(`UPDATE tenders SET identity_public_key = $2 WHERE id = $1`, [tenderId, publicKey]);
  }

  /** At publication: the commitment (SHA-256) to the expert draw's seed, whose seed is escrowed until the deadline. */
  async setDrawSeedCommitment(m: EntityManager, tenderId: string, commitment: string): Promise<void> {
    await m.query(`UPDATE tenders SET draw_seed_commitment = $2 WHERE id = $1`, [tenderId, commitment]);
  }

  /**
   * A lot (标段) fails alone, with the reason: at the opening (TBL Art. 28: fewer than three bids) or at evaluation
   * (every bid rejected, or too little competition; TBL Art. 42, GPL Art. 36).
   */
  async markLotFailed(m: EntityManager, tenderId: string, lotNo: number, reason: string | null): Promise<void> {
    await m.query(`UPDATE tender_lots SET status = 'FAILED', status_reason = $3 WHERE tender_id = $1 AND lot_no = $2`, [tenderId, lotNo, reason]);
  }

  /** The tender's status and procuring entity; null when there is no such tender. */
  async statusAndOwner(m: EntityManager, tenderId: string): Promise<{ status: TenderStatus; procuringEntityId: string } | null> {
    const tenders: Array<{ status: TenderStatus; procuring_entity_id: string }> = await m.query(`SELECT status, procuring_entity_id FROM tenders WHERE id = $1`, [tenderId]);
    const [t] = tenders;
    return t ? { status: t.status, procuringEntityId: t.procuring_entity_id } : null;
  }

  /** The tender's status and decryption window, the tender locked FOR SHARE (a decryption beside others); null: no such tender. */
  async shareLockDecryptionWindow(m: EntityManager, tenderId: string): Promise<{ status: TenderStatus; decryptionWindowEndsAt: Date | null } | null> {
    const tenders: Array<{ status: TenderStatus; decryption_window_ends_at: Date | null }> = await m.query(
      `SELECT status, decryption_window_ends_at FROM tenders WHERE id = $1 FOR SHARE`,
      [tenderId],
    );
    const [t] = tenders;
    return t ? { status: t.status, decryptionWindowEndsAt: t.decryption_window_ends_at } : null;
  }

  /** The tender's status; null when there is no such tender. */
  async statusOf(m: EntityManager, tenderId: string): Promise<TenderStatus | null> {
    const [t]: Array<{ status: TenderStatus }> = await m.query(`SELECT status FROM tenders WHERE id = $1`, [tenderId]);
    return t?.status ?? null;
  }

  /** Locks the tender's objections whose objector is still sealed (FOR UPDATE). */
  async lockSealedObjections(m: EntityManager, tenderId: string): Promise<TenderObjectionEntity[]> {
    return m
      .createQueryBuilder(TenderObjectionEntity, 'o')
      .setLock('pessimistic_write')
      .where('o.tenderId = :tenderId AND o.organizationId IS NULL AND o.objectorSealed IS NOT NULL', { tenderId })
      .getMany();
  }
}
