import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A key of the platform itself (the Ed25519 receipt key), its private half sealed under SEALING_MASTER_KEY. */
@Entity('platform_keys')
export class PlatformKeyEntity {
  @PrimaryColumn({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  algorithm: string;

  @Column({ type: 'text' })
  publicKeyPem: string;

  @Column({ type: 'text', select: false })
  privateKeySealed: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
