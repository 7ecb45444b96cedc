import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ClarificationKind = 'MINOR_DEVIATION' | 'CURABLE_DEFICIENCY' | 'ABNORMALLY_LOW_PRICE' | 'AMBIGUITY';

/**
 * 澄清、说明、补正 (BidderClarificationRequest): a written request of the panel to a bidder through the platform,
 * answered before a deadline inside the evaluation (TBR Art. 52; EB20 Art. 33; PB12 Art. 26). The answer may not
 * change the substance of the bid.
 */
@Entity('bidder_clarification_requests')
export class BidderClarificationRequestEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  bidId: string;

  @Column({ type: 'uuid' })
  bidderOrganizationId: string;

  @Column({ type: 'uuid' })
  requestedBy: string;

  @Column({ type: 'text' })
  kind: ClarificationKind;

  @Column({ type: 'text' })
  item: string;

  @Column({ type: 'text' })
  question: string;

  @Column({ type: 'text' })
  legalBasis: string;

  @Column({ type: 'timestamptz' })
  deadline: Date;

  @Column({ type: 'text', default: 'OPEN' })
  status: 'OPEN' | 'ANSWERED';

  @Column({ type: 'text', nullable: true })
  responseText: string | null;

  @Column({ type: 'jsonb', nullable: true })
  responseAttachments: Array<{ name: string; sha256: string }> | null;

  @Column({ type: 'timestamptz', nullable: true })
  respondedAt: Date | null;

  @Column({ type: 'uuid', nullable: true })
  respondedBy: string | null;

  @Column({ type: 'text', nullable: true })
  panelDecision: 'ACCEPTED' | 'NOT_ACCEPTED' | null;

  @Column({ type: 'text', nullable: true })
  panelDecisionNote: string | null;

  @Column({ type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
