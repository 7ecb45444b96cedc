import { Injectable } from '@nestjs/common';
import { beijingTime } from 'src/common/time/beijing-time';
import { AppConfig } from 'src/infra/config/app-config';
import { PdfRenderer } from 'src/infra/pdf/pdf-renderer.service';
import { StatisticsQueryDto } from './dto/statistics-query.dto';
import { statisticsReport } from './statistics-report';
import { StatisticsService } from './statistics.service';

/** GET /statistics.pdf: the public figures (never the supervisors' extra figures) as the yearbook section. */
@Injectable()
export class StatisticsReportService {
  constructor(
    private readonly statistics: StatisticsService,
    private readonly pdf: PdfRenderer,
    private readonly config: AppConfig,
  ) {}

  async render(q: StatisticsQueryDto): Promise<{ content: Buffer; sha256: string; from: string; to: string }> {
    const view = await this.statistics.compute(q, null);
    const doc = await this.pdf.render(statisticsReport(view, this.config.tradingCentreName, beijingTime(new Date(), 'minute')));
    return { ...doc, from: view.from, to: view.to };
  }
}
