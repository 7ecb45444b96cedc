import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One submission of a bid (the first and every replacement before the deadline), with its receipt and fingerprint. */
@Entity('bid_versions')
export class BidVersionEntity {
  @PrimaryColumn({ type: 'uuid' })
  bidId: string;

  @PrimaryColumn({ type: 'int' })
  version: number;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'uuid' })
  bidderOrganizationId: string;

  @Column({ type: 'uuid' })
  submittedBy: string;

  @Column({ type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'char', length: 64 })
  ciphertextSha256: string;

  @Column({ type: 'int' })
  ciphertextBytes: number;

  @Column({ type: 'char', length: 64 })
  keyCommitment: string;

  @Column({ type: 'boolean' })
  hasEscrowedKey: boolean;

  @Column({ type: 'text' })
  signature: string;

  @Column({ type: 'text' })
  ip: string;

  @Column({ type: 'text' })
  deviceId: string;

  @Column({ type: 'text', array: true, default: '{}' })
  macAddresses: string[];

  @Column({ type: 'text', nullable: true })
  toolVersion: string | null;

  @Column({ type: 'text', nullable: true })
  documentAuthor: string | null;
}
