import { Body, Controller, Get, HttpCode, Post, Put, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor, OptionalActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { ClarificationsService } from './clarifications.service';
import { ClarificationDecisionDto, ClarificationRequestDto, ClarificationResponseDto, CompetitionDecisionDto, EvaluationRulesDto, ScoreDto, SignDto } from './dto/evaluation.dto';
import { EvaluationService } from './evaluation.service';
import { EvaluationReportService } from './report/evaluation-report.service';

/** The committee at work (API.md "Panel, evaluation, award"): bids, verdicts, signatures, clarifications, report. */
@ApiTags('evaluation (评标)')
@Controller('tenders/:id')
export class EvaluationController {
  constructor(
    private readonly evaluation: EvaluationService,
    private readonly clarifications: ClarificationsService,
    private readonly reports: EvaluationReportService,
  ) {}

  @Get('evaluation')
  @Roles(Role.EXPERT, Role.PROCURING_ENTITY, Role.SUPERVISOR)
  @ApiOperation({ summary: 'Progress of the evaluation (seats, signatures, status) — never the verdicts' })
  status(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.evaluation.status(id, actor);
  }

  @Get('evaluation/rules')
  @Public()
  @ApiOperation({ summary: 'Evaluation terms of the tender document: curable deficiencies (容缺), state-funded (TBR Art. 55)' })
  rules(@UuidParam('id') id: string, @OptionalActor() actor: Actor | null) {
    return this.evaluation.rules(id, actor);
  }

  @Put('evaluation/rules')
  @Roles(Role.PROCURING_ENTITY)
  @ApiOperation({ summary: 'Set the evaluation terms while the tender is a DRAFT' })
  setRules(@UuidParam('id') id: string, @Body() dto: EvaluationRulesDto, @CurrentActor() actor: Actor) {
    return this.evaluation.setRules(id, dto, actor);
  }

  @Get('evaluation/bids')
  @Roles(Role.EXPERT)
  @ApiOperation({ summary: 'The opened bids, for the experts sitting on the committee (audited)' })
  bids(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.evaluation.panelBids(id, actor);
  }

  @Post('evaluation/scores')
  @Roles(Role.EXPERT)
  @HttpCode(200)
  @ApiOperation({ summary: 'My verdict on one bid: qualified + reasons, factor scores within the published maxima; locked once I sign' })
  score(@UuidParam('id') id: string, @Body() dto: ScoreDto, @CurrentActor() actor: Actor) {
    return this.evaluation.score(id, dto, actor);
  }

  @Get('evaluation/scores/mine')
  @Roles(Role.EXPERT)
  mine(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.evaluation.mine(id, actor);
  }

  @Post('evaluation/sign')
  @Roles(Role.EXPERT)
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign (with a dissent if any): my verdicts lock; the last signature produces the ranked candidates and the report' })
  sign(@UuidParam('id') id: string, @Body() dto: SignDto, @CurrentActor() actor: Actor) {
    return this.evaluation.sign(id, dto, actor);
  }

  @Post('evaluation/competition-decision')
  @Roles(Role.EXPERT)
  @HttpCode(200)
  @ApiOperation({ summary: 'Fewer than 3 valid bids (engineering): reject all for lack of competition, or continue (PB12 Art. 27)' })
  competition(@UuidParam('id') id: string, @Body() dto: CompetitionDecisionDto, @CurrentActor() actor: Actor) {
    return this.evaluation.decideCompetition(id, dto, actor);
  }

  @Post('evaluation/clarifications')
  @Roles(Role.EXPERT)
  @ApiOperation({ summary: 'Ask a bidder in writing, with a deadline inside the evaluation (TBR Art. 52; EB20 Art. 33)' })
  requestClarification(@UuidParam('id') id: string, @Body() dto: ClarificationRequestDto, @CurrentActor() actor: Actor) {
    return this.clarifications.request(id, dto, actor);
  }

  @Get('evaluation/clarifications')
  @Roles(Role.EXPERT, Role.BIDDER, Role.SUPERVISOR)
  @ApiOperation({ summary: 'Clarification requests: all for the committee and supervisors, its own for a bidder' })
  listClarifications(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.clarifications.list(id, actor);
  }

  @Post('evaluation/clarifications/:cid/response')
  @Roles(Role.BIDDER)
  @HttpCode(200)
  @ApiOperation({ summary: 'The bidder’s written answer, before the deadline; no change to the substance of the bid' })
  respond(@UuidParam('id') id: string, @UuidParam('cid') cid: string, @Body() dto: ClarificationResponseDto, @CurrentActor() actor: Actor) {
    return this.clarifications.respond(id, cid, dto, actor);
  }

  @Post('evaluation/clarifications/:cid/decision')
  @Roles(Role.EXPERT)
  @HttpCode(200)
  decide(@UuidParam('id') id: string, @UuidParam('cid') cid: string, @Body() dto: ClarificationDecisionDto, @CurrentActor() actor: Actor) {
    return this.clarifications.decide(id, cid, dto, actor);
  }

  @Get('evaluation-report')
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.EXPERT)
  @ApiOperation({ summary: 'The signed evaluation report (评标报告): the ten contents of PB12 Art. 42, candidates ranked (≤ 3)' })
  report(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.reports.latest(id, actor);
  }

  @Get('evaluation-report.pdf')
  @Roles(Role.PROCURING_ENTITY, Role.SUPERVISOR, Role.EXPERT)
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The evaluation report as a Chinese PDF; its SHA-256 in X-Content-SHA256, the report’s in X-Report-SHA256' })
  async reportPdf(@UuidParam('id') id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const pdf = await this.reports.latestPdf(id, actor);
    res.setHeader('X-Content-SHA256', pdf.sha256);
    res.setHeader('X-Report-SHA256', pdf.reportSha256);
    return new StreamableFile(pdf.content, { type: 'application/pdf', disposition: `inline; filename="evaluation-report-${id}.pdf"`, length: pdf.content.length });
  }
}
