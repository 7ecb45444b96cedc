import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';

export type ScheduledEventStatus = 'PENDING' | 'DONE' | 'CANCELLED';

/**
 * A timed event in the database (the source of truth); BullMQ holds a delayed job for it. Losing Redis loses no
 * event: every worker process sweeps the table on an in-process timer and runs overdue rows itself.
 */
@Entity('scheduled_events')
@Index('IDX_SCHEDULED_EVENTS_DUE', ['status', 'runAt'])
export class ScheduledEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  kind: ScheduledEventKind;

  /** What the event acts on (a tender, a bid-security account, an assignment...). */
  @Column({ type: 'uuid' })
  subjectId: string;

  @Column({ type: 'uuid', nullable: true })
  tenderId: string | null;

  @Column({ type: 'timestamptz' })
  runAt: Date;

  @Column({ type: 'text', default: 'PENDING' })
  status: ScheduledEventStatus;

  @Column({ type: 'int', default: 0 })
  runs: number;

  /** Failed runs so far (the handler threw); part of the BullMQ job id, so a re-plan after a failure is fresh. */
  @Column({ type: 'int', default: 0 })
  failures: number;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastFailedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  doneAt: Date | null;

  /** How late the event ran, measured on the database clock (ms). */
  @Column({ type: 'int', nullable: true })
  latenessMs: number | null;
}
