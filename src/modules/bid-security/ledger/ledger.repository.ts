import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { JournalKind } from '../bid-security.types';

/** One line of a journal as inserted: a debit or a credit (the other is '0.00'). */
export interface LedgerLineRow {
  account: string;
  debit: string;
  credit: string;
  memo: string;
}

export interface JournalHeader {
  journalId: string;
  kind: JournalKind;
  sourceType: 'payment' | 'refund' | 'account';
  sourceId: string;
  tenderId: string | null;
}

/** The sums of one account's lines (decimal text as PostgreSQL gives it). */
export interface AccountSumsRow {
  account: string;
  debits: string;
  credits: string;
}

/**
 * Owns `ledger_entries` (the bid-security ledger): lines are only ever inserted, balances are sums. Every method takes
 * the caller's EntityManager (its transaction).
 */
@Injectable()
export class LedgerRepository {
  /** Inserts the journal's lines (numbered from 1) in one statement. */
  async insertJournal(m: EntityManager, j: JournalHeader, lines: LedgerLineRow[]): Promise<void> {
    const params: unknown[] = [];
    const values = lines.map((l, i) => {
      const base = params.length;
      params.push(j.journalId, i + 1, j.kind, j.sourceType, j.sourceId, l.account, j.tenderId, l.debit, l.credit, l.memo);
      return `(${Array.from({ length: 10 }, (_, k) => `$${base + k + 1}`).join(', ')})`;
    });
    await m.query(
      `INSERT INTO ledger_entries (journal_id, line_no, journal_kind, source_type, source_id, account, tender_id, debit, credit, memo)
       VALUES ${values.join(', ')}`,
      params,
    );
  }

  /** Debits and credits of each account, over one tender's journals and/or accounts under a prefix, or everything. */
  async sumsByAccount(m: EntityManager, filter: { tenderId?: string; accountPrefix?: string } = {}): Promise<AccountSumsRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.tenderId) where.push(`tender_id = $${params.push(filter.tenderId)}`);
    if (filter.accountPrefix) where.push(`starts_with(account, $${params.push(filter.accountPrefix)})`);
    const rows: Array<{ account: string; debits: string; credits: string }> = await m.query(
      `SELECT account, sum(debit)::text AS debits, sum(credit)::text AS credits FROM ledger_entries
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY account ORDER BY account`,
      params,
    );
    return rows.map((r) => ({ account: r.account, debits: r.debits, credits: r.credits }));
  }

  /** Journals whose lines do not sum to zero, or with fewer than two lines. */
  async unbalancedJournals(m: EntityManager): Promise<string[]> {
    const rows: Array<{ journal_id: string }> = await m.query(`SELECT journal_id FROM ledger_entries GROUP BY journal_id HAVING sum(debit) <> sum(credit) OR count(*) < 2`);
    return rows.map((r) => r.journal_id);
  }
}
