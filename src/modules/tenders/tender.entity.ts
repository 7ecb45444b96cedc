import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';
import {
  BidSecurityForm,
  DecryptionMode,
  EvaluationFactor,
  EvaluationMethod,
  PanelSpecialty,
  QualificationCriterion,
  TenderCategory,
  TenderMethod,
  TenderRegime,
  TenderStatus,
} from './tender.enums';

/** 招标项目: one tender (a lot of a project), from draft to contract. */
@Entity('tenders')
@Index('IDX_TENDERS_STATUS_DEADLINE', ['status', 'bidDeadline'])
export class TenderEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** 招标人 / 采购人 */
  @Index('IDX_TENDERS_PROCURING_ENTITY_ID')
  @Column({ type: 'uuid' })
  procuringEntityId: string;

  @Column({ type: 'uuid' })
  createdBy: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'text' })
  category: TenderCategory;

  @Column({ type: 'text' })
  regime: TenderRegime;

  /** The city (default) or a county / district, GB/T 2260 code: whose supervisors oversee the tender. */
  @Column({ type: 'text', default: '320900' })
  jurisdictionCode: string;

  /** The sub-class of business (business-classification.ts), within `category`; null when not given. */
  @Column({ type: 'text', nullable: true })
  subClass: string | null;

  /** The sector regulator (行政监督部门) of the tender's trade, derived at drafting. */
  @Column({ type: 'text', nullable: true })
  sector: string | null;

  @Column({ type: 'text' })
  method: TenderMethod;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  budget: string;

  /** 最高投标限价; a bid above it is rejected (TBR Art. 51(5)). No floor may exist (TBR Art. 27). */
  @Column({ type: 'numeric', precision: 18, scale: 2, nullable: true, transformer: moneyTransformer })
  priceCeiling: string | null;

  /** 投标截止时间 = the opening time. */
  @Column({ type: 'timestamptz' })
  bidDeadline: Date;

  @Column({ type: 'numeric', precision: 18, scale: 2, transformer: moneyTransformer })
  bidSecurityAmount: string;

  /** The forms of bid security accepted: CASH (virtual sub-account) and/or E_GUARANTEE (电子保函); GPR Art. 33. */
  @Column({ type: 'text', array: true, default: () => `'{CASH,E_GUARANTEE}'` })
  bidSecurityForms: BidSecurityForm[];

  /** 投标有效期 in days, counted from the bid deadline (TBR Art. 25). */
  @Column({ type: 'int', default: 90 })
  bidValidityDays: number;

  /** The last day (CST) of the bid validity once an extension was requested (TBR Art. 25); NULL: deadline day + days. */
  @Column({ type: 'date', nullable: true })
  bidValidityEndsOn: string | null;

  @Column({ type: 'text' })
  decryptionMode: DecryptionMode;

  @Column({ type: 'int' })
  decryptionWindowMinutes: number;

  @Column({ type: 'text' })
  evaluationMethod: EvaluationMethod;

  /** Share of the price in COMPREHENSIVE_SCORING, a decimal string in [0,1] ("0.30"). */
  @Column({ type: 'numeric', precision: 5, scale: 4, nullable: true })
  priceWeight: string | null;

  @Column({ type: 'jsonb', default: [] })
  evaluationFactors: EvaluationFactor[];

  @Column({ type: 'int' })
  panelSize: number;

  @Column({ type: 'jsonb', default: [] })
  panelSpecialties: PanelSpecialty[];

  @Column({ type: 'text', default: TenderStatus.DRAFT })
  status: TenderStatus;

  @Column({ type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  /** X25519 public key, base64 of the 32 raw bytes; created at publication (sealing v1). */
  @Column({ type: 'text', nullable: true })
  escrowPublicKey: string | null;

  /** The escrow private key sealed under SEALING_MASTER_KEY; unsealed only at or after opening, audited. */
  @Column({ type: 'text', nullable: true, select: false })
  escrowPrivateKeySealed: string | null;

  /** GM-1 (SM2) escrow public key for sealed-bid format v2: hex of 04‖x‖y; created at publication. */
  @Column({ type: 'text', nullable: true })
  escrowPublicKeySm2: string | null;

  @Column({ type: 'text', nullable: true, select: false })
  escrowPrivateKeySm2Sealed: string | null;

  /** The v2 suites this tender accepts (docs/SEALED_BID_FORMAT.md v2.1). */
  @Column({ type: 'text', array: true, default: () => "'{INTL-1,GM-1}'" })
  acceptedSuites: string[];

  /** The largest v2 bid file this tender takes (null: the platform's ceiling). */
  @Column({ type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  maxBidFileBytes: number | null;

  @Column({ type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  decryptionWindowEndsAt: Date | null;

  @Column({ type: 'text', nullable: true })
  statusReason: string | null;

  /** Set while an objection to the documents is unanswered: the tender is suspended (TBR Art. 22). */
  @Column({ type: 'timestamptz', nullable: true })
  suspendedAt: Date | null;

  /** 重新招标: the FAILED tender this draft re-tenders (its history link). */
  @Column({ type: 'uuid', nullable: true })
  retenderOfId: string | null;
  /** 容缺预招标: published before every approval is in hand (tender_pending_approvals, tender_pre_tender_pledges). */
  @Column({ type: 'boolean', default: false })
  preTender: boolean;

  /** 资格后审: the published qualification criteria the panel checks each bid against (TBR Arts. 20, 49). */
  @Column({ type: 'jsonb', default: [] })
  qualificationCriteria: QualificationCriterion[];

  @VersionColumn()
  version: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
