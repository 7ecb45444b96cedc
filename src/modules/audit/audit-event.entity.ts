import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * 留痕: one row per state change or read of sealed/confidential data (EB20 Art. 49: time, IP, operator).
 * Rows form hash chains, one per stream (a tender, "platform", or a named stream such as "bid:<bidId>"):
 * hash = SHA-256(previousHash ‖ canonical JSON). A trigger refuses UPDATE and DELETE. A sealed row (sealedTenderId)
 * is hidden from listings and counts until that tender is opened (TBL Art. 22).
 */
@Entity('audit_events')
@Index('UQ_AUDIT_STREAM_SEQ', ['stream', 'streamSeq'], { unique: true })
@Index('IDX_AUDIT_TENDER_ID', ['tenderId'])
@Index('IDX_AUDIT_SEALED_TENDER_ID', ['sealedTenderId'], { where: 'sealed_tender_id IS NOT NULL' })
export class AuditEventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  stream: string;

  @Column({ type: 'int' })
  streamSeq: number;

  @Column({ type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;

  @Column({ type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'text' })
  actorId: string;

  @Column({ type: 'text' })
  actorRole: string;

  @Column({ type: 'text' })
  ip: string;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text' })
  objectType: string;

  @Column({ type: 'text' })
  objectId: string;

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  @Column({ type: 'uuid', nullable: true })
  sealedTenderId: string | null;

  @Column({ type: 'jsonb', default: {} })
  data: Record<string, unknown>;
}
