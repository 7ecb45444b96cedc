import { Controller, Get, HttpCode, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from 'src/common/auth/access.decorators';
import { Actor, CurrentActor } from 'src/common/auth/actor';
import { Role } from 'src/common/auth/role.enum';
import { UuidParam } from 'src/common/http/validation';
import { FlagQueryDto } from './dto/flag-query.dto';
import { FlagsService } from './flags.service';

@ApiTags('supervision (串通投标监测)')
@Controller()
export class FlagsController {
  constructor(private readonly flags: FlagsService) {}

  @Get('tenders/:id/flags')
  @Roles(Role.SUPERVISOR, Role.PROCURING_ENTITY)
  @ApiOperation({
    summary: 'The collusion flags of a tender: [{ code, severity, bidderIds, evidence, legalBasis, ... }]',
    description:
      'SUPERVISOR: every flag of the tender and every history flag that concerns it. The owning PROCURING_ENTITY: only ' +
      'SAME_LEGAL_REPRESENTATIVE (TBR Art. 34: those bids are invalid and must be rejected). 403 SEALED_UNTIL_OPENING ' +
      'before the opening is over; bidders, experts and other procuring entities 403.',
  })
  tenderFlags(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.flags.tenderFlags(id, actor);
  }

  @Get('tenders/:id/flags.pdf')
  @Roles(Role.SUPERVISOR)
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The flag report (串通投标监测报告) as a PDF in Chinese; its SHA-256 in X-Content-SHA256' })
  async pdf(@UuidParam('id') id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const pdf = await this.flags.reportPdf(id, actor);
    res.setHeader('X-Content-SHA256', pdf.sha256);
    return new StreamableFile(pdf.content, { type: 'application/pdf', disposition: `inline; filename="flags-${id}.pdf"`, length: pdf.content.length });
  }

  @Post('tenders/:id/flags/recompute')
  @Roles(Role.SUPERVISOR)
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue the computation of the tender’s flags again (after opening only)' })
  recompute(@UuidParam('id') id: string, @CurrentActor() actor: Actor) {
    return this.flags.requestTenderRecompute(id, actor);
  }

  @Get('supervision/flags')
  @Roles(Role.SUPERVISOR)
  @ApiOperation({ summary: 'Every flag across tenders, filtered (code, severity, tenderId, bidderId, from, to) and paged: { items, total }' })
  list(@Query() q: FlagQueryDto, @CurrentActor() actor: Actor) {
    return this.flags.list(q, actor);
  }

  @Post('supervision/flags/history/recompute')
  @Roles(Role.SUPERVISOR)
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue the recomputation of the history flags (serial losers, rotation, rings, R024, R058)' })
  recomputeHistory(@CurrentActor() actor: Actor) {
    return this.flags.requestHistoryRecompute(actor);
  }
}
