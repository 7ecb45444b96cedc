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

  /** NULL before the opening when the tender seals identities (issue 17): see sealedIdentity. */
  @Column({ type: 'uuid', nullable: true })
  bidderOrganizationId: string | null;

  /** NULL before the opening when the tender seals identities (issue 17): see sealedIdentity. */
  @Column({ type: 'uuid', nullable: true })
  submittedBy: string | null;

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

  /** NULL before the opening when the tender seals identities (issue 17): see sealedIdentity. */
  @Column({ type: 'text', nullable: true })
  ip: string | null;

  /** NULL before the opening when the tender seals identities (issue 17): see sealedIdentity. */
  @Column({ type: 'text', nullable: true })
  deviceId: string | null;

  @Column({ type: 'text', array: true, default: '{}' })
  macAddresses: string[];

  /** HMAC-SHA256(K, tenderId|organisationId): one bid per bidder and tender while the identity is sealed. */
  @Column({ type: 'char', length: 64, nullable: true })
  bidderBlindIndex: string | null;

  /** Who submitted (organisation, user, IP, device, MACs, tool, author), sealed to the tender's identity key. */
  @Column({ type: 'text', nullable: true, select: false })
  sealedIdentity: string | null;

  @Column({ type: 'text', nullable: true })
  toolVersion: string | null;

  @Column({ type: 'text', nullable: true })
  documentAuthor: string | null;
}
