import { Body, Controller, Get, HttpCode, Post, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { LotNoParam, UuidParam } from 'src/common/http/validation';
import { AwardsService } from './awards.service';
import { AwardDto, ContractDto, PublicityDto } from './dto/evaluation.dto';
import { EvaluationService } from './evaluation.service';
import { EvaluationReportService } from './report/evaluation-report.service';
import { AwardTenderUseCase } from './use-cases/award-tender.use-case';
import { PublishCandidatesUseCase } from './use-cases/publish-candidates.use-case';
import { RecordContractUseCase } from './use-cases/record-contract.use-case';

/**
 * 标段: one committee evaluates every lot of the tender (it scores and signs once), but each lot is its own
 * competition with its own report, candidates, publicity, award and contract. The v1 paths (/tenders/{id}/evaluation-
 * report, /candidates, /award, /contract…) are lot 1, so a tender without lots answers exactly as before.
 */
@ApiTags('award (定标)')
@ApiParam({ name: 'lotNo', description: 'The lot (标段), 1–50; a tender without lots has only lot 1', type: Number })
@Controller('tenders/:id/lots')
export class LotAwardController {
  constructor(
    private readonly evaluation: EvaluationService,
    private readonly reports: EvaluationReportService,
    private readonly awards: AwardsService,
    private readonly publishCandidates: PublishCandidatesUseCase,
    private readonly awardTender: AwardTenderUseCase,
    private readonly recordContract: RecordContractUseCase,
  ) {}

  @Get('results')
  @Public()
  @ApiOperation({ summary: 'Each lot’s standing: FAILED, REPORT_CANDIDATES / REPORT_FAILED, NOTIFIED, CONTRACTED (with its awardee)' })
  results(@UuidParam('id') id: string) {
    return this.awards.lotResults(id);
  }

  @Get(':lotNo/evaluation/bids')
  @Roles(Role.EXPERT)
  @ApiOperation({ summary: 'The opened bids of one lot, for the experts sitting on the committee (audited); the ceiling is the lot’s' })
  bids(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor) {
    return this.evaluation.panelBids(id, actor, lotNo);
  }

  @Get(':lotNo/evaluation-report')
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.EXPERT)
  @ApiOperation({ summary: 'The lot’s signed evaluation report (评标报告): its bids only, scored among themselves, its candidates (≤ 3)' })
  report(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor) {
    return this.reports.latest(id, actor, lotNo);
  }

  @Get(':lotNo/evaluation-report.pdf')
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.EXPERT)
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The lot’s evaluation report as a PDF; its SHA-256 in X-Content-SHA256, the report’s in X-Report-SHA256' })
  async reportPdf(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const pdf = await this.reports.latestPdf(id, actor, lotNo);
    res.setHeader('X-Content-SHA256', pdf.sha256);
    res.setHeader('X-Report-SHA256', pdf.reportSha256);
    return new StreamableFile(pdf.content, {
      type: 'application/pdf',
      disposition: `inline; filename="evaluation-report-${id}-lot${lotNo}.pdf"`,
      length: pdf.content.length,
    });
  }

  @Post(':lotNo/publicity')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish the lot’s candidates until endsAt (≥ 3 days, TBR Art. 54); the tender is in PUBLICITY from the first lot' })
  publicity(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @Body() dto: PublicityDto, @CurrentActor() actor: Actor) {
    return this.publishCandidates.execute({ tenderId: id, lotNo, endsAt: dto.endsAt, actor });
  }

  @Get(':lotNo/candidates')
  @Public()
  @ApiOperation({ summary: 'The lot’s public candidate notice (or its procurement award announcement)' })
  candidates(@UuidParam('id') id: string, @LotNoParam() lotNo: number) {
    return this.awards.publicity(id, lotNo);
  }

  @Post(':lotNo/award')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({ summary: 'Award a candidate of the lot and issue its notice of award; the tender is AWARDED when every lot not failed is' })
  award(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @Body() dto: AwardDto, @CurrentActor() actor: Actor) {
    return this.awardTender.execute({ tenderId: id, lotNo, bidId: dto.bidId, actor });
  }

  @Get(':lotNo/award')
  @Public()
  @ApiOperation({ summary: 'The lot’s award (public once awarded)' })
  getAward(@UuidParam('id') id: string, @LotNoParam() lotNo: number) {
    return this.awards.award(id, lotNo);
  }

  @Get(':lotNo/result-notice')
  @Roles(Role.BIDDER)
  @ApiOperation({ summary: 'My notice of award or result notice for my bid in this lot (own rank and score in the lot)' })
  resultNotice(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @CurrentActor() actor: Actor) {
    return this.awards.resultNotice(id, actor, lotNo);
  }

  @Post(':lotNo/contract')
  @Roles(Role.PROCURING_ENTITY)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record the lot’s contract (within 30 days of its notice, TBL Art. 46): that lot’s securities become REFUND_DUE; the tender is CONTRACTED with its last lot',
  })
  contract(@UuidParam('id') id: string, @LotNoParam() lotNo: number, @Body() dto: ContractDto, @CurrentActor() actor: Actor) {
    return this.recordContract.execute({ tenderId: id, lotNo, signedAt: dto.signedAt, contractNo: dto.contractNo, amount: dto.amount, actor });
  }
}
