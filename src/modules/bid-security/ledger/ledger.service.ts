import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { fromFen, normalizeMoney, toFen } from 'src/common/money/money';
import { CryptoService } from 'src/infra/crypto/crypto.service';
import type { JournalKind } from '../bid-security.types';
import { LedgerRepository } from './ledger.repository';

/** toFen for a signed amount (balances may be negative). */
export const signedFen = (amount: string): bigint => (amount.startsWith('-') ? -toFen(amount.slice(1)) : toFen(amount));

export interface JournalLine {
  account: string;
  debit?: string;
  credit?: string;
  memo?: string;
}

export interface PostJournal {
  kind: JournalKind;
  sourceType: 'payment' | 'refund' | 'account';
  sourceId: string;
  tenderId: string | null;
  lines: JournalLine[];
}

export interface AccountBalance {
  account: string;
  debits: string;
  credits: string;
  /** debits − credits (a credit-normal account that holds money shows a negative balance). */
  balance: string;
}

/**
 * The double-entry ledger of bid security. Every movement is a journal of at least two lines whose debits equal its
 * credits (checked here and again by the database at commit); lines are only ever inserted; balances are sums.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly crypto: CryptoService,
    private readonly entries: LedgerRepository,
  ) {}

  /** Posts one journal in the caller's transaction; returns its id. */
  async post(m: EntityManager, j: PostJournal): Promise<string> {
    const lines = j.lines.filter((l) => toFen(l.debit ?? '0.00') !== 0n || toFen(l.credit ?? '0.00') !== 0n);
    let diff = 0n;
    for (const l of lines) {
      const d = toFen(l.debit ?? '0.00');
      const c = toFen(l.credit ?? '0.00');
      if ((d === 0n) === (c === 0n)) throw new Error(`a ledger line is a debit or a credit: ${l.account}`);
      diff += d - c;
    }
    if (lines.length < 2 || diff !== 0n) {
      throw new Error(`journal ${j.kind} of ${j.sourceType} ${j.sourceId} does not balance (${fromFen(diff)})`);
    }
    const journalId = this.crypto.uuid();
    await this.entries.insertJournal(
      m,
      { journalId, kind: j.kind, sourceType: j.sourceType, sourceId: j.sourceId, tenderId: j.tenderId },
      lines.map((l) => ({ account: l.account, debit: l.debit ?? '0.00', credit: l.credit ?? '0.00', memo: l.memo ?? '' })),
    );
    return journalId;
  }

  /** Debits, credits and balance of each account, over one tender's journals or over everything. */
  async balances(m: EntityManager, filter: { tenderId?: string; accountPrefix?: string } = {}): Promise<AccountBalance[]> {
    const rows = await this.entries.sumsByAccount(m, filter);
    return rows.map((r) => ({
      account: r.account,
      debits: normalizeMoney(r.debits),
      credits: normalizeMoney(r.credits),
      balance: fromFen(toFen(normalizeMoney(r.debits)) - toFen(normalizeMoney(r.credits))),
    }));
  }

  /** Journals whose lines do not sum to zero (the database refuses them at commit, so this should be empty). */
  async unbalancedJournals(m: EntityManager): Promise<string[]> {
    return this.entries.unbalancedJournals(m);
  }
}
