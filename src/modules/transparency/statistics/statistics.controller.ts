import { Controller, Get, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from 'src/common/auth/access.decorators';
import { Actor, OptionalActor } from 'src/common/auth/actor';
import { StatisticsQueryDto } from './dto/statistics-query.dto';
import { StatisticsResponseDto } from './dto/statistics-response.dto';
import { StatisticsReportService } from './statistics-report.service';
import { StatisticsService } from './statistics.service';

@ApiTags('transparency (信息公开)')
@Controller()
export class StatisticsController {
  constructor(
    private readonly statistics: StatisticsService,
    private readonly reports: StatisticsReportService,
  ) {}

  @Get('statistics')
  @Public()
  @ApiOkResponse({ type: StatisticsResponseDto })
  @ApiOperation({
    summary: 'The yearbook figures (年报) of a period: tenders, awarded, turnover, savings rate, e-bidding share, cycle days, by category and month, penalties',
    description:
      'Public (EB20 Art. 9). Days and months are 北京时间 (Asia/Shanghai); `from`/`to` are both included (default: this year to today). ' +
      'Tenders and budgetTotal count tenders by their publication day; awarded, turnover, savingsRate and averageCycleDays count ' +
      'tenders by the day their (active) notice of award was issued. Money is a decimal string. A SUPERVISOR token adds `supervision` ' +
      '(bid counts of opened tenders only; nothing of a tender still sealed).',
  })
  get(@Query() q: StatisticsQueryDto, @OptionalActor() actor: Actor | null) {
    return this.statistics.compute(q, actor);
  }

  @Get('statistics.pdf')
  @Public()
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The same figures as an annual report in Chinese with charts (bars by month, shares by category); SHA-256 in X-Content-SHA256' })
  async pdf(@Query() q: StatisticsQueryDto, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const pdf = await this.reports.render(q);
    res.setHeader('X-Content-SHA256', pdf.sha256);
    return new StreamableFile(pdf.content, {
      type: 'application/pdf',
      disposition: `inline; filename="statistics-${pdf.from}-${pdf.to}.pdf"`,
      length: pdf.content.length,
    });
  }
}
