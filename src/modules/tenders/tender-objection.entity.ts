import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ObjectionStatus = 'PENDING' | 'ANSWERED';

/** Platform-tier purpose of the sealed objector (issue 17): blind index and seal. */
export const OBJECTOR_SEALED = 'tender-objector';
export const objectorAad = (tenderId: string, blindIndex: string) => `tender-objector|${tenderId}|${blindIndex}`;
export interface SealedObjector {
  organizationId: string;
  userId: string;
}

/** 异议 to the tender documents (glossary §4 #46 `Objection`, stage DOCUMENTS; TBR Art. 22). */
@Entity('tender_objections')
@Index('IDX_TENDER_OBJECTIONS_TENDER_ID', ['tenderId', 'status'])
export class TenderObjectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  /**
   * The objecting (prospective) bidder: secret like every prospective bidder before opening (TBL Art. 22). NULL while
   * sealed (issue 17): before the deadline of a tender that seals identities it is in `objectorSealed`.
   */
  @Column({ type: 'uuid', nullable: true })
  organizationId: string | null;

  @Column({ type: 'uuid', nullable: true })
  filedBy: string | null;

  /** HMAC (key derived from SEALING_MASTER_KEY) of tender|organisation: finds the objector's own objections while sealed. */
  @Column({ type: 'text', nullable: true })
  objectorBlindIndex: string | null;

  /** Organisation and user sealed under a platform key until the deadline. */
  @Column({ type: 'text', nullable: true })
  objectorSealed: string | null;

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
