import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';

export type JournalKind = 'RECEIPT' | 'REFUND' | 'FORFEITURE';

/**
 * One line of the bid-security ledger. Append-only (a trigger refuses UPDATE and DELETE); a deferred constraint
 * trigger refuses to commit a journal whose debits and credits differ. Balances are sums, never stored.
 */
@Entity('ledger_entries')
export class LedgerEntryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'uuid' })
  journalId: string;

  @Column({ type: 'smallint' })
  lineNo: number;

  @Column({ type: 'text' })
  journalKind: JournalKind;

  @Column({ type: 'text' })
  sourceType: string;

  @Column({ type: 'uuid' })
  sourceId: string;

  @Index('IDX_LEDGER_ENTRIES_ACCOUNT')
  @Column({ type: 'text' })
  account: string;

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  debit: string;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  credit: string;

  @Column({ type: 'text' })
  memo: string;

  @Column({ type: 'timestamptz' })
  postedAt: Date;
}
