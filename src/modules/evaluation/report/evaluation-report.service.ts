import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { PdfRenderer, RenderedPdf } from 'src/infra/pdf/pdf-renderer.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { EvaluationReportEntity } from '../entities/evaluation-report.entity';
import { EvaluationContext } from '../evaluation-context';
import { EvaluationException } from '../evaluation.exception';
import { type EvaluationReportContent } from './evaluation-report';
import { evaluationReportPdf } from './evaluation-report.pdf';
import { DEFAULT_LOT_NO } from '../../tenders/tender-lots';
import { EvaluationLots } from '../evaluation-lots';

/** GET /tenders/{id}/evaluation-report(.pdf): the latest signed report, for the owner, supervisors and the committee. */
@Injectable()
export class EvaluationReportService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly ctx: EvaluationContext,
    private readonly pdf: PdfRenderer,
    private readonly lots: EvaluationLots,
  ) {}

  /** `lotNo`: the lot's report (a tender without lots, and the v1 path: lot 1). */
  async latest(tenderId: string, actor: Actor, lotNo = DEFAULT_LOT_NO): Promise<EvaluationReportContent & { tenderId: string; sha256: string; signedAt: string }> {
    const r = await this.read(tenderId, actor, 'EVALUATION_REPORT_READ', lotNo);
    return { ...r.content, tenderId, sha256: r.sha256, signedAt: new Date(r.createdAt).toISOString() };
  }

  async latestPdf(tenderId: string, actor: Actor, lotNo = DEFAULT_LOT_NO): Promise<RenderedPdf & { reportSha256: string }> {
    const r = await this.read(tenderId, actor, 'EVALUATION_REPORT_PDF_READ', lotNo);
    return { ...(await this.pdf.render(evaluationReportPdf(r.content, r.sha256))), reportSha256: r.sha256 };
  }

  /** The latest report of a tender, without access checks (for the award use-cases). */
  async latestEntity(tenderId: string, m = this.tx.manager, lotNo = DEFAULT_LOT_NO): Promise<EvaluationReportEntity | null> {
    return m.findOne(EvaluationReportEntity, { where: { tenderId, lotNo }, order: { version: 'DESC' } });
  }

  private async read(tenderId: string, actor: Actor, action: string, lotNo: number): Promise<EvaluationReportEntity> {
    return this.tx.run(async (m) => {
      const tender = await this.ctx.tender(m, tenderId);
      await this.ctx.assertReportReader(m, tender, actor);
      await this.lots.one(m, tender, lotNo);
      const r = await this.latestEntity(tenderId, m, lotNo);
      if (!r) throw EvaluationException.reportNotReady();
      await this.audit.append(m, {
        actor,
        action,
        objectType: 'evaluation_report',
        objectId: r.id,
        tenderId,
        data: { version: r.version, ...(lotNo !== DEFAULT_LOT_NO || r.content.lot ? { lotNo } : {}) },
      });
      return r;
    });
  }
}
