import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type OrganizationKind = 'BIDDER' | 'PROCURING_ENTITY';

/** A market participant, identified by its unified social credit code (统一社会信用代码). */
@Entity('organizations')
export class OrganizationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Index('UQ_ORGANIZATIONS_USCC', { unique: true })
  @Column({ type: 'char', length: 18 })
  uscc: string;

  @Column({ type: 'text' })
  kind: OrganizationKind;

  /** 法定代表人 / 单位负责人: the same person behind two bidders makes both bids invalid (TBR Art. 34). */
  @Column({ type: 'text' })
  legalRepresentative: string;

  /** 基本账户: the account bid security must come from (TBR Art. 26). */
  @Column({ type: 'text' })
  basicAccountBank: string;

  @Column({ type: 'text' })
  basicAccountNo: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
