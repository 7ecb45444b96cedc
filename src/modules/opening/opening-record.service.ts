import { Injectable } from '@nestjs/common';
import { createHash } from 'crypto';
import { EntityManager } from 'typeorm';
import { Actor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { NotFoundException, UnauthenticatedException } from 'src/common/errors/domain.exception';
import { normalizeMoney } from 'src/common/money/money';
import { beijingTime, beijingTimeLabel } from 'src/common/time/beijing-time';
import { SYSTEM_ACTOR } from 'src/common/auth/actor';
import { runAfterCommit } from 'src/infra/database/after-commit';
import { PdfRenderer } from 'src/infra/pdf/pdf-renderer.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { JobQueue } from 'src/infra/queue/job-queue.service';
import { JobName } from 'src/infra/queue/queue.constants';
import { AuditService } from '../audit/audit.service';
import { canonicalJson } from '../audit/canonical-json';
import { BidStatus } from '../bids/bid.enums';
import { TenderEntity } from '../tenders/tender.entity';
import { TenderStatus } from '../tenders/tender.enums';
import { OpeningException } from './opening.exception';
import { isAgentFor } from './opening-participants';
import { JurisdictionsService } from '../jurisdictions/jurisdictions.service';
import type { OpeningRecordObjection } from './opening-objections.service';
import { groupDigits, MODE_LABEL, OpeningRecord, publicOpeningRecord, STATUS_LABEL } from './opening-record';
import { OnJob } from 'src/infra/queue/job-registry';
import { JobData } from 'src/infra/queue/job.types';
import { OrganizationsRepository } from 'src/modules/identity/organizations.repository';
import { TendersRepository } from '../tenders/tenders.repository';
import { OpeningBidsRepository } from './opening-bids.repository';
import { OpeningRecordsRepository, StoredOpeningRecordRow } from './opening-records.repository';

export interface OpeningRecordView extends OpeningRecord {
  recordSha256: string;
  /** Null for the moment between the opening's commit and the PDF's rendering (GET .pdf renders it at once). */
  pdfSha256: string | null;
  createdAt: string;
}

/**
 * Writes the opening record when the window closes — the JSON and its SHA-256 inside the closing transaction, the
 * PDF in Chinese (and its SHA-256) right after the commit, by a background job or on the first request — and serves
 * it to the opening's participants: the bidders whose bids were opened, the procuring entity and supervisors
 * (EB20 Art. 32; evaluators may not attend the opening, MOF87 Art. 40).
 */
@Injectable()
export class OpeningRecordService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly pdf: PdfRenderer,
    private readonly audit: AuditService,
    private readonly jobs: JobQueue,
    private readonly jurisdictions: JurisdictionsService,
    private readonly organizations: OrganizationsRepository,
    private readonly records: OpeningRecordsRepository,
    private readonly bidRows: OpeningBidsRepository,
    private readonly tenders: TendersRepository,
  ) {}

  @OnJob(JobName.RenderOpeningRecordPdf)
  async onRenderPdfJob({ tenderId }: JobData<JobName.RenderOpeningRecordPdf>): Promise<void> {
    await this.renderPdf(tenderId);
  }

  /** Builds and stores the record inside the closing transaction; idempotent (one record per tender). */
  async write(m: EntityManager, tender: TenderEntity, windowClosedAt: Date): Promise<{ recordSha256: string }> {
    const record = await this.build(m, tender, windowClosedAt);
    const recordSha256 = createHash('sha256').update(canonicalJson(record), 'utf8').digest('hex');
    const storedSha256 = await this.records.insertOnce(m, tender.id, record, recordSha256, windowClosedAt);
    await runAfterCommit(m, () => this.jobs.add({ name: JobName.RenderOpeningRecordPdf, data: { tenderId: tender.id } }, { jobId: `opening-record-pdf-${tender.id}` }));
    return { recordSha256: storedSha256 };
  }

  /** Renders the stored record as a PDF and keeps it with its SHA-256, once (the job, or the first GET .pdf). */
  async renderPdf(tenderId: string): Promise<{ content: Buffer; sha256: string } | null> {
    return this.tx.run(async (m) => {
      const row = await this.records.lockWithPdf(m, tenderId);
      if (!row) return null;
      if (row.pdf && row.pdfSha256) return { content: row.pdf, sha256: row.pdfSha256 };
      const pdf = await this.render(row.record, row.recordSha256);
      await this.records.savePdf(m, tenderId, pdf);
      await this.audit.append(m, {
        actor: SYSTEM_ACTOR,
        action: 'OPENING_RECORD_PDF_RENDERED',
        objectType: 'opening_record',
        objectId: tenderId,
        tenderId,
        data: { recordSha256: row.recordSha256, pdfSha256: pdf.sha256, bytes: pdf.content.length },
      });
      return pdf;
    });
  }

  /**
   * The record once the decryption window has closed: public from then on (EB20 Art. 32 "向社会公开"), to anyone and
   * without a token. The opening's participants get the full record; everyone else gets what the opening published
   * (bidder, price, duration, status, receipt time and hashes) without the bids' attachment list — never a key, IP or
   * device, which the record does not hold. Before that there is nothing to show: 401 without a token, 403
   * SEALED_UNTIL_OPENING with one (EB20 Art. 27 ¶2).
   */
  async get(tenderId: string, actor: Actor | null): Promise<OpeningRecordView> {
    const { row, participant } = await this.readable(tenderId, actor, false);
    const record = participant ? row.record : publicOpeningRecord(row.record);
    return { ...record, recordSha256: row.recordSha256, pdfSha256: row.pdfSha256, createdAt: new Date(row.createdAt).toISOString() };
  }

  /** The filed PDF (it lists no attachments): public once the window has closed, like the record. */
  async pdfOf(tenderId: string, actor: Actor | null): Promise<{ content: Buffer; sha256: string }> {
    const { row } = await this.readable(tenderId, actor, true);
    if (row.pdf && row.pdfSha256) return { content: row.pdf, sha256: row.pdfSha256 };
    return (await this.renderPdf(tenderId))!; // not rendered yet: render it now
  }

  private async readable(tenderId: string, actor: Actor | null, withPdf: boolean): Promise<{ row: StoredOpeningRecordRow; participant: boolean }> {
    const m = this.tx.manager;
    const tender = await this.tenders.statusAndOwner(m, tenderId);
    if (!tender || tender.status === TenderStatus.DRAFT) throw new NotFoundException('The tender');
    const row = await this.records.find(m, tenderId, withPdf);
    // A supervisor outside its jurisdiction or trades (issue 19) is no participant: before the record is public the
    // tender is as if unknown to it (404); afterwards it reads the public record, like anyone.
    const outOfScope = actor?.role === Role.SUPERVISOR && !(await this.jurisdictions.tenderInScope(m, await this.jurisdictions.scopeOf(m, actor), tenderId));
    if (outOfScope && !row) throw new NotFoundException('The tender');
    // The record is written in the transaction that closes the decryption window: before, there is nothing to show,
    // whoever asks (EB20 Art. 27 ¶2); an anonymous caller is asked to authenticate, as on any non-public route.
    if (!row) {
      if (!actor) throw new UnauthenticatedException('The opening record is public once the decryption window has closed');
      throw OpeningException.sealed();
    }
    const participant = actor && !outOfScope ? await this.isParticipant(m, tenderId, tender.procuringEntityId, actor) : false;
    return { row, participant };
  }

  private async isParticipant(m: EntityManager, tenderId: string, ownerId: string, actor: Actor): Promise<boolean> {
    if (actor.role === Role.SUPERVISOR) return true;
    if (actor.role === Role.PROCURING_ENTITY) return actor.organizationId === ownerId || (await isAgentFor(this.tenders, m, actor, ownerId, tenderId));
    if (actor.role === Role.BIDDER && actor.organizationId) {
      return this.bidRows.hasOpenedBid(m, tenderId, actor.organizationId);
    }
    return false;
  }

  private async build(m: EntityManager, tender: TenderEntity, windowClosedAt: Date): Promise<OpeningRecord> {
    const owner = { name: (await this.organizations.findById(m, tender.procuringEntityId))?.name ?? '' };
    const rows = await this.records.recordBids(m, tender.id);
    const bids = rows.map((r, i) => ({
      seq: i + 1,
      bidId: r.id,
      bidderOrganizationId: r.bidderOrganizationId,
      bidderName: r.name,
      bidderUscc: r.uscc,
      // 标段: named only on a tender with lots, so a single-lot record is exactly what it was.
      ...(r.hasLots ? { lotNo: Number(r.lotNo) } : {}),
      version: r.version,
      receivedAt: new Date(r.receivedAt).toISOString(),
      ciphertextSha256: r.ciphertextSha256,
      status: r.status,
      price: r.price === null ? null : normalizeMoney(r.price),
      durationDays: r.durationDays,
      decryptedBy: r.decryptedBy,
      statusReason: r.statusReason,
      attachments: r.attachments ?? [],
    }));
    const count = (s: BidStatus) => bids.filter((b) => b.status === s).length;
    return {
      format: 'opening-record-v1',
      tenderId: tender.id,
      title: tender.title,
      regime: tender.regime,
      method: tender.method,
      procuringEntity: { organizationId: tender.procuringEntityId, name: owner?.name ?? '' },
      priceCeiling: tender.priceCeiling,
      bidDeadline: new Date(tender.bidDeadline).toISOString(),
      openedAt: new Date(tender.openedAt!).toISOString(),
      decryptionMode: tender.decryptionMode,
      decryptionWindowEndsAt: new Date(tender.decryptionWindowEndsAt!).toISOString(),
      windowClosedAt: windowClosedAt.toISOString(),
      bids,
      summary: {
        received: bids.length,
        decrypted: count(BidStatus.DECRYPTED),
        revoked: count(BidStatus.REVOKED),
        withdrawn: count(BidStatus.WITHDRAWN),
      },
      objections: await this.objectionsOf(m, tender.id),
    };
  }

  /** 开标异议 raised and answered during the opening, recorded with the record (TBR Art. 44 ¶3: "并制作记录"). */
  private async objectionsOf(m: EntityManager, tenderId: string): Promise<OpeningRecordObjection[]> {
    const rows = await this.records.recordObjections(m, tenderId);
    return rows.map((r) => ({
      id: r.id,
      tenderId,
      organizationId: r.organizationId,
      bidderName: r.name,
      text: r.text,
      raisedAt: new Date(r.raisedAt).toISOString(),
      status: r.status,
      answer: r.answer,
      answeredAt: r.answeredAt ? new Date(r.answeredAt).toISOString() : null,
    }));
  }

  private render(r: OpeningRecord, recordSha256: string) {
    return this.pdf.render({
      title: '开标记录',
      subtitle: r.title,
      footer: `电子招标投标交易平台 · 开标记录 SHA-256 ${recordSha256}`,
      blocks: [
        {
          kind: 'fields',
          fields: [
            ['项目名称', r.title],
            ['项目编号', r.tenderId],
            ['招标人', r.procuringEntity.name],
            ['投标截止时间（开标时间）', beijingTimeLabel(r.bidDeadline)],
            ['开标（提取投标文件）时间', beijingTimeLabel(r.openedAt)],
            ['解密方式', MODE_LABEL[r.decryptionMode] ?? r.decryptionMode],
            ['解密截止时间', beijingTimeLabel(r.decryptionWindowEndsAt)],
            ['最高投标限价（元）', r.priceCeiling ? groupDigits(r.priceCeiling) : '—'],
            ['递交投标文件的投标人数', String(r.summary.received)],
            ['已解密 / 撤销 / 撤回', `${r.summary.decrypted} / ${r.summary.revoked} / ${r.summary.withdrawn}`],
          ],
        },
        { kind: 'heading', text: '开标情况' },
        {
          kind: 'table',
          table: {
            columns: [
              { header: '序号', width: 6, align: 'center' },
              { header: '投标人', width: 30 },
              { header: '投标报价（元）', width: 18, align: 'right' },
              { header: '工期（日历天）', width: 11, align: 'right' },
              { header: '递交时间（北京时间）', width: 20 },
              { header: '状态', width: 15 },
            ],
            rows: r.bids.map((b) => [
              String(b.seq),
              b.bidderName,
              b.price ? groupDigits(b.price) : '—',
              b.durationDays === null ? '—' : String(b.durationDays),
              beijingTime(b.receivedAt, 'millisecond'), // the recorded arrival time, as on the receipt (TBR Art. 36)
              STATUS_LABEL[b.status] ?? b.status,
            ]),
          },
        },
        { kind: 'heading', text: '开标异议及答复' },
        (r.objections ?? []).length
          ? {
              kind: 'table' as const,
              table: {
                columns: [
                  { header: '投标人', width: 20 },
                  { header: '异议内容', width: 30 },
                  { header: '提出时间（北京时间）', width: 15 },
                  { header: '招标人答复', width: 35 },
                ],
                rows: (r.objections ?? []).map((o) => [o.bidderName, o.text, beijingTime(o.raisedAt, 'second'), o.answer ?? '（未当场答复）']),
              },
            }
          : { kind: 'paragraph' as const, text: '开标过程中无投标人提出异议（《招标投标法实施条例》第四十四条）。' },
        {
          kind: 'paragraph',
          text:
            '说明：投标文件于投标截止时间由平台自动提取并在线解密（《电子招标投标办法》第三十条）。因投标人原因未能解密的，视为撤销其投标文件；' +
            '因投标人之外的原因未能解密的，视为撤回其投标文件（第三十一条）。投标人少于3个的，不得开标（《招标投标法》第二十八条）。',
        },
        {
          kind: 'paragraph',
          text: `本记录由平台自动生成（第三十二条），记录内容的 SHA-256 为 ${recordSha256}；各投标文件密文的 SHA-256 与递交回执一致。`,
        },
      ],
    });
  }
}
