import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { EvaluationReportContent } from '../report/evaluation-report';

/** 评标报告 (EvaluationReport): each version is kept; `sha256` is over the canonical JSON of `content`. */
@Entity('evaluation_reports')
export class EvaluationReportEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  /** The lot (标段); a tender without lots: 1. */
  @Column({ type: 'int', default: 1 })
  lotNo: number;

  @Column({ type: 'int' })
  version: number;

  @Column({ type: 'text' })
  outcome: 'CANDIDATES' | 'FAILED';

  @Column({ type: 'jsonb' })
  content: EvaluationReportContent;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
