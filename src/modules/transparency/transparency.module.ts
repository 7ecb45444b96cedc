import { Module } from '@nestjs/common';
import { OcdsSourceRepository } from './open-data/ocds-source.repository';
import { OpenDataController } from './open-data/open-data.controller';
import { OpenDataService } from './open-data/open-data.service';
import { PublishedPenaltiesController } from './penalties/published-penalties.controller';
import { PublishedPenaltiesRepository } from './penalties/published-penalties.repository';
import { PublishedPenaltiesService } from './penalties/published-penalties.service';
import { StatisticsRepository } from './statistics/statistics.repository';
import { StatisticsController } from './statistics/statistics.controller';
import { StatisticsReportService } from './statistics/statistics-report.service';
import { StatisticsService } from './statistics/statistics.service';

/**
 * Transparency (信息公开): the platform accounting for itself in public — the yearbook figures and report (年报),
 * open data in OCDS 1.1.5 (开放数据), and the published penalties (不良行为记录公告, TBR Art. 78). It reads the other
 * modules' tables and owns none; nothing here changes state.
 */
@Module({
  controllers: [StatisticsController, OpenDataController, PublishedPenaltiesController],
  providers: [StatisticsRepository, StatisticsService, StatisticsReportService, OcdsSourceRepository, OpenDataService, PublishedPenaltiesRepository, PublishedPenaltiesService],
})
export class TransparencyModule {}
