import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 异议 to the evaluation result (Objection, stage RESULT): raised during publicity, answered within 3 days (TBR Art. 54). */
@Entity('result_objections')
export class ResultObjectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  publicityId: string;

  @Column({ type: 'uuid' })
  objectorUserId: string;

  @Column({ type: 'uuid' })
  objectorOrganizationId: string;

  @Column({ type: 'text' })
  text: string;

  @Column({ type: 'timestamptz' })
  filedAt: Date;

  @Column({ type: 'timestamptz' })
  answerDueAt: Date;

  @Column({ type: 'text', default: 'PENDING' })
  status: 'PENDING' | 'ANSWERED';

  @Column({ type: 'text', nullable: true })
  answer: string | null;

  @Column({ type: 'boolean', nullable: true })
  upheld: boolean | null;

  @Column({ type: 'timestamptz', nullable: true })
  answeredAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  answeredBy: string | null;
}
