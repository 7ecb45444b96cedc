import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OpeningRecord } from './opening-record';

/** 开标记录 (EB20 Art. 32): one per opened tender, its JSON and PDF with their SHA-256. */
@Entity('opening_records')
export class OpeningRecordEntity {
  @PrimaryColumn({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'jsonb' })
  record: OpeningRecord;

  @Column({ type: 'char', length: 64 })
  recordSha256: string;

  /** Rendered right after the opening commits (or on the first request). */
  @Column({ type: 'bytea', nullable: true, select: false })
  pdf: Buffer | null;

  @Column({ type: 'char', length: 64, nullable: true })
  pdfSha256: string | null;

  @Column({ type: 'timestamptz' })
  windowClosedAt: Date;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
