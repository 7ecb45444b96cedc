import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ScheduledEventKind } from 'src/infra/queue/queue.constants';

export type ScheduledEventStatus = 'PENDING' | 'DONE' | 'CANCELLED';

/**
 * A timed event in the database (the source of truth); BullMQ holds a delayed job for it. Losing Redis loses no
 * event: pending rows are re-planned at start-up and by the sweeper.
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

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  doneAt: Date | null;

  /** How late the event ran, measured on the database clock (ms). */
  @Column({ type: 'int', nullable: true })
  latenessMs: number | null;
}
