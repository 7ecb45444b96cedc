import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type AmendmentKind = 'AMENDMENT' | 'CLARIFICATION';

/** 澄清 / 修改 of the tender documents (glossary §4 #11 `Clarification`, #12 `Amendment`); part of the documents (EB20 Art. 22). */
@Entity('tender_amendments')
@Index('UQ_TENDER_AMENDMENTS_SEQ', ['tenderId', 'seq'], { unique: true })
export class TenderAmendmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'int' })
  seq: number;

  @Column({ type: 'text' })
  kind: AmendmentKind;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'timestamptz' })
  previousBidDeadline: Date;

  @Column({ type: 'timestamptz' })
  bidDeadline: Date;

  @Column({ type: 'uuid' })
  createdBy: string;

  @Column({ type: 'timestamptz' })
  publishedAt: Date;
}
