import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ObjectionStatus = 'PENDING' | 'ANSWERED';

/** 异议 to the tender documents (glossary §4 #46 `Objection`, stage DOCUMENTS; TBR Art. 22). */
@Entity('tender_objections')
@Index('IDX_TENDER_OBJECTIONS_TENDER_ID', ['tenderId', 'status'])
export class TenderObjectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  /** The objecting (prospective) bidder: secret like every prospective bidder before opening (TBL Art. 22). */
  @Column({ type: 'uuid' })
  organizationId: string;

  @Column({ type: 'uuid' })
  filedBy: string;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'text' })
  status: ObjectionStatus;

  @Column({ type: 'timestamptz' })
  filedAt: Date;

  /** 24:00 CST of the 3rd day after filing (TBR Art. 22; 民法典 Arts. 201/203). */
  @Column({ type: 'timestamptz' })
  answerDueAt: Date;

  @Column({ type: 'text', nullable: true })
  answer: string | null;

  @Column({ type: 'uuid', nullable: true })
  answeredBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  answeredAt: Date | null;

  /** Set by the OBJECTION_ANSWER_DUE event when the answer was not given in time. */
  @Column({ type: 'boolean', default: false })
  overdue: boolean;
}
