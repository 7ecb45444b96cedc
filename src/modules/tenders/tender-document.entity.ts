import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** 招标文件: one version of one file of the tender documents (glossary §4 #10 `TenderDocument`). */
@Entity('tender_documents')
@Index('UQ_TENDER_DOCUMENTS_VERSION', ['tenderId', 'name', 'version'], { unique: true })
export class TenderDocumentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid' })
  tenderId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'int' })
  version: number;

  @Column({ type: 'text' })
  contentType: string;

  @Column({ type: 'int' })
  sizeBytes: number;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  /** Loaded only to download. */
  @Column({ type: 'bytea', select: false })
  content: Buffer;

  /** The amendment that published this version (versions after publication come with an amendment, TBR Art. 21). */
  @Column({ type: 'uuid', nullable: true })
  amendmentId: string | null;

  @Column({ type: 'uuid' })
  uploadedBy: string;

  @Column({ type: 'timestamptz' })
  uploadedAt: Date;
}
