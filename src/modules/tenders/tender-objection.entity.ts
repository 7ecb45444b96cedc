import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type ObjectionStatus = 'PENDING' | 'ANSWERED';

/** Purpose of the objector's blind index and (legacy rows) platform-tier seal (issue 17). */
export const OBJECTOR_SEALED = 'tender-objector';
export const objectorAad = (tenderId: string, blindIndex: string) => `tender-objector|${tenderId}|${blindIndex}`;
/** The objector sealed to the tender's identity key (operator tier), bound to its tender and blind index. */
export const objectorIdentityAad = (tenderId: string, blindIndex: string) => `tender-objector-identity|${tenderId}|${blindIndex}`;
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

  /**
   * Organisation and user sealed until the deadline: to the tender's identity key (`identity:` + sealed, operator
   * tier: opened only by k custodians from the deadline on), or — a legacy row — under a platform key.
   */
  @Column({ type: 'text', nullable: true })
  objectorSealed: string | null;

  /** The recipient of the objector's notices, pre-sealed to the identity key at filing (NoticeRecipientSealer.sealToIdentity). */
  @Column({ type: 'text', nullable: true })
  objectorRecipientSealed: string | null;

  @Column({ type: 'text', nullable: true })
  objectorRecipientUserIndex: string | null;

  @Column({ type: 'text', nullable: true })
  objectorRecipientOrgIndex: string | null;

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
