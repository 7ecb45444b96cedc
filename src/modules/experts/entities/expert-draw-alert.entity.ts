import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What the supervisor is told when a panel cannot be drawn (too few eligible experts, an unlawful composition), or
 * when the expert pool changed while the tender was under evaluation (POOL_CHANGED, details.by names who).
 */
@Entity('expert_draw_alerts')
export class ExpertDrawAlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  drawId: string;

  @Column({ type: 'text' })
  kind: 'INSUFFICIENT_EXPERTS' | 'INVALID_COMPOSITION' | 'POOL_CHANGED';

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;

  @Column({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;
}
