import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { moneyTransformer } from 'src/common/money/money';
import { BidStatus, DecryptedBy } from './bid.enums';

export interface OpenedAttachment {
  name: string;
  sha256: string;
  size: number;
}

/**
 * 投标文件: one bidder's sealed bid for one tender (the latest version; history in bid_versions).
 * Before opening it holds ciphertext, iv, key commitment and escrowed key only — a CHECK constraint refuses
 * any plaintext column until `openedAt` is set. The sealed columns are never selected by default.
 */
@Entity('bids')
@Index('UQ_BIDS_TENDER_LOT_BIDDER', ['tenderId', 'lotNo', 'bidderOrganizationId'], { unique: true })
@Index('IDX_BIDS_TENDER_STATUS', ['tenderId', 'status'])
export class BidEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  /** NULL before the opening when the tender seals identities (issue 17): see sealedIdentity. */
  @Index('IDX_BIDS_BIDDER_ORGANIZATION_ID')
  @Column({ type: 'uuid', nullable: true })
  bidderOrganizationId: string | null;

  /** 标段: the lot bid for; 1 for a tender without lots. */
  @Column({ type: 'int', default: 1 })
  lotNo: number;

  /** NULL before the opening when the tender seals identities (issue 17): see sealedIdentity. */
  @Column({ type: 'uuid', nullable: true })
  submittedBy: string | null;

  @Column({ type: 'int' })
  version: number;

  @Column({ type: 'text' })
  status: BidStatus;

  /** AES-256-GCM ciphertext with its tag (format v1). */
  @Column({ type: 'bytea', select: false })
  ciphertext: Buffer;

  @Column({ type: 'bytea', select: false })
  iv: Buffer;

  @Column({ type: 'char', length: 64 })
  keyCommitment: string;

  /** Kept only in the escrow modes. */
  @Column({ type: 'bytea', nullable: true, select: false })
  escrowedKey: Buffer | null;

  @Column({ type: 'char', length: 64 })
  ciphertextSha256: string;

  @Column({ type: 'int' })
  ciphertextBytes: number;

  @Column({ type: 'timestamptz' })
  receivedAt: Date;

  /** The Ed25519 receipt signature of the current version. */
  @Column({ type: 'text' })
  signature: string;

  /** The client fingerprint of the current version (collusion screens, regulations.md §2). */
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

  @Column({ type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  openedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  decryptedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  decryptedBy: DecryptedBy | null;

  /** The bid key, kept once the bid is decrypted (after opening it is no secret) so anyone can re-check. */
  @Column({ type: 'bytea', nullable: true, select: false })
  revealedKey: Buffer | null;

  @Column({ type: 'numeric', precision: 18, scale: 2, nullable: true, transformer: moneyTransformer })
  price: string | null;

  @Column({ type: 'int', nullable: true })
  durationDays: number | null;

  @Column({ type: 'jsonb', nullable: true })
  attachments: OpenedAttachment[] | null;

  @Column({ type: 'text', nullable: true })
  statusReason: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
