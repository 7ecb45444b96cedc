import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What the candidate publicity shows (TBR Art. 54; EB20 Art. 35). */
export interface CandidatePublicityContent {
  title: string;
  lot?: { lotNo: number; title: string };
  candidates: Array<{ rank: number; bidderName: string; price: string; score: string | null }>;
  rejectedBids: Array<{ bidderName: string; grounds: string[]; reasons: string[] }>;
  objections: { how: string; answerWithinDays: number; basis: string };
}

/** What the procurement award announcement shows, with the evaluators (MOF87 Art. 69). */
export interface AwardAnnouncementContent {
  title: string;
  lot?: { lotNo: number; title: string };
  awardee: { name: string; price: string; score: string | null; rank: number };
  evaluators: string[];
  noticeNo: string;
  /** The rank-1 candidate was deemed chosen (MOF87 Art. 68). */
  deemed: boolean;
}

/** The published content: the candidate publicity's or the award announcement's. */
export type PublicityContent = CandidatePublicityContent | AwardAnnouncementContent;

/**
 * 中标候选人公示 (CandidatePublicity, engineering: ≥ 3 days, TBR Art. 54) or 中标结果公告 (AwardAnnouncement,
 * procurement: 1 working day, MOF87 Art. 69).
 */
@Entity('candidate_publicities')
export class CandidatePublicityEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  /** The lot (标段); a tender without lots: 1. */
  @Column({ type: 'int', default: 1 })
  lotNo: number;

  @Column({ type: 'int' })
  reportVersion: number;

  @Column({ type: 'text' })
  kind: 'CANDIDATE_PUBLICITY' | 'AWARD_ANNOUNCEMENT';

  @Column({ type: 'timestamptz' })
  startsAt: Date;

  @Column({ type: 'timestamptz' })
  endsAt: Date;

  @Column({ type: 'text' })
  status: 'RUNNING' | 'ENDED' | 'WITHDRAWN';

  @Column({ type: 'jsonb' })
  content: PublicityContent;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
