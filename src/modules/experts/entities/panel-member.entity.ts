import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type PanelMemberKind = 'EXPERT' | 'ENTITY_REP';
/**
 * INVITED → ACCEPTED → COMPLETED (the report is signed); INVITED → DECLINED | TIMED_OUT (a replacement is drawn);
 * INVITED | ACCEPTED → REPLACED (recusal found later, penalised) or RELEASED (the tender was cancelled or failed).
 */
export type PanelMemberStatus = 'INVITED' | 'ACCEPTED' | 'DECLINED' | 'TIMED_OUT' | 'REPLACED' | 'RELEASED' | 'COMPLETED';
export const ACTIVE_MEMBER_STATUSES: PanelMemberStatus[] = ['INVITED', 'ACCEPTED'];

/** A seat on a tender's evaluation committee (EvaluationCommittee); for an expert, the assignment. */
@Entity('panel_members')
export class PanelMemberEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  drawId: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  procuringEntityId: string;

  @Column({ type: 'text' })
  kind: PanelMemberKind;

  @Column({ type: 'uuid', nullable: true })
  expertId: string | null;

  @Column({ type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', nullable: true })
  specialty: string | null;

  @Column({ type: 'int', default: 0 })
  round: number;

  @Column({ type: 'text' })
  status: PanelMemberStatus;

  @Column({ type: 'timestamptz', nullable: true })
  respondBy: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  respondedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  declineReason: string | null;

  @Column({ type: 'uuid', nullable: true })
  replacedBy: string | null;

  @Column({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;
}
