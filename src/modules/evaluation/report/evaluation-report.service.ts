import { Injectable } from '@nestjs/common';
import { Actor } from 'src/common/auth/actor';
import { PdfRenderer, RenderedPdf } from 'src/infra/pdf/pdf-renderer.service';
import { TransactionRunner } from 'src/infra/database/transaction-runner';
import { AuditService } from '../../audit/audit.service';
import { EvaluationReportEntity } from '../entities/evaluation-report.entity';
import { EvaluationContext } from '../evaluation-context';
import { EvaluationException } from '../evaluation.exception';
import { evaluationReportPdf } from './evaluation-report.pdf';

/** GET /tenders/{id}/evaluation-report(.pdf): the latest signed report, for the owner, supervisors and the committee. */
@Injectable()
export class EvaluationReportService {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly ctx: EvaluationContext,
    private readonly pdf: PdfRenderer,
  ) {}

  async latest(tenderId: string, actor: Actor): Promise<Record<string, unknown> & { sha256: string }> {
    const r = await this.read(tenderId, actor, 'EVALUATION_REPORT_READ');
    return { ...r.content, tenderId, sha256: r.sha256, signedAt: new Date(r.createdAt).toISOString() };
  }

  async latestPdf(tenderId: string, actor: Actor): Promise<RenderedPdf & { reportSha256: string }> {
    const r = await this.read(tenderId, actor, 'EVALUATION_REPORT_PDF_READ');
    return { ...(await this.pdf.render(evaluationReportPdf(r.content, r.sha256))), reportSha256: r.sha256 };
  }

  /** The latest report of a tender, without access checks (for the award use-cases). */
  async latestEntity(tenderId: string, m = this.tx.manager): Promise<EvaluationReportEntity | null> {
    return m.findOne(EvaluationReportEntity, { where: { tenderId }, order: { version: 'DESC' } });
  }

  private async read(tenderId: string, actor: Actor, action: string): Promise<EvaluationReportEntity> {
    return this.tx.run(async (m) => {
      const tender = await this.ctx.tender(m, tenderId);
      await this.ctx.assertReportReader(m, tender, actor);
      const r = await this.latestEntity(tenderId, m);
      if (!r) throw EvaluationException.reportNotReady();
      await this.audit.append(m, { actor, action, objectType: 'evaluation_report', objectId: r.id, tenderId, data: { version: r.version } });
      return r;
    });
  }
}
