import { Column, Entity, Index, PrimaryGeneratedColumn, VersionColumn } from 'typeorm';

export type ExpertDrawStatus = 'COMMITTED' | 'DRAWN' | 'INSUFFICIENT_EXPERTS' | 'INVALID_COMPOSITION' | 'RELEASED';

/**
 * 随机抽取 (ExpertDraw): one per tender. The seed's commitment is recorded (and audited) in the transaction that
 * moves the tender to EVALUATION, before any candidate list exists; the selection runs later, in its own
 * transaction; the seed is revealed once the award is made (docs/EXPERT_DRAW.md).
 */
@Entity('expert_draws')
export class ExpertDrawEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_EXPERT_DRAWS_TENDER_ID', { unique: true })
  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  procuringEntityId: string;

  @Column({ type: 'text' })
  algorithm: string;

  /** Secret until the award (select: false keeps it out of every ordinary read). */
  @Column({ type: 'char', length: 64, select: false })
  seedHex: string;

  @Column({ type: 'char', length: 64 })
  seedCommitment: string;

  /** expert-draw-v2: the signed opening audit head mixed into the draw key, and its SHA-256. */
  @Column({ type: 'jsonb', nullable: true })
  beacon: { auditHeadId: string; signedAt: string; headsSha256: string; signature: string } | null;

  @Column({ type: 'char', length: 64, nullable: true })
  beaconSha256: string | null;

  @Column({ type: 'text' })
  status: ExpertDrawStatus;

  /** The organisations whose employees and declared relations are recused: { procuringEntity, bidders[] }. */
  @Column({ type: 'jsonb', nullable: true })
  conflictUsccs: { procuringEntity: string; bidders: string[] } | null;

  @Column({ type: 'int', nullable: true })
  recentServiceDays: number | null;

  @Column({ type: 'timestamptz' })
  committedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  drawnAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  seedRevealedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @VersionColumn()
  version: number;
}
