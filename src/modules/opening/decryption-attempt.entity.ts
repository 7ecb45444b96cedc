import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** DecryptionAttempt: every try to open a bid — by its bidder during the window, or by the platform with the escrow key. */
@Entity('decryption_attempts')
@Index('IDX_DECRYPTION_ATTEMPTS_TENDER_ID', ['tenderId'])
export class DecryptionAttemptEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Index('IDX_DECRYPTION_ATTEMPTS_BID_ID')
  @Column({ type: 'uuid' })
  bidId: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'timestamptz' })
  attemptedAt: Date;

  @Column({ type: 'text' })
  method: 'BIDDER' | 'ESCROW';

  /** DECRYPTED, or the failure: KEY_COMMITMENT_MISMATCH, DECRYPTION_FAILED, CIPHERTEXT_DAMAGED, NO_ESCROWED_KEY, ... */
  @Column({ type: 'text' })
  outcome: string;

  @Column({ type: 'text' })
  actorId: string;

  @Column({ type: 'text' })
  ip: string;
}
