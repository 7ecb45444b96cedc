import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What the supervisor is told when a panel cannot be drawn: too few eligible experts, or an unlawful composition. */
@Entity('expert_draw_alerts')
export class ExpertDrawAlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  drawId: string;

  @Column({ type: 'text' })
  kind: 'INSUFFICIENT_EXPERTS' | 'INVALID_COMPOSITION';

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;

  @Column({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;
}
