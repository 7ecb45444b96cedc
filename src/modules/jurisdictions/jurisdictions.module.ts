import { Global, Module } from '@nestjs/common';
import { JurisdictionsController } from './jurisdictions.controller';
import { JurisdictionsRepository } from './jurisdictions.repository';
import { JurisdictionsService } from './jurisdictions.service';
import { OfflineProjectsController } from './offline-projects.controller';
import { OfflineProjectsRepository } from './offline-projects.repository';
import { OfflineProjectsService } from './offline-projects.service';

/**
 * Jurisdictions and supervision scopes (issue 19: "东台市、大丰市和滨海县成立公共资源交易综合监管机构"; sector
 * regulators each supervise their own trades). Global: flags, cases, complaints and statistics filter by scope.
 * Also the register of projects traded offline (for the statistics' electronic share per sub-class).
 */
@Global()
@Module({
  controllers: [JurisdictionsController, OfflineProjectsController],
  providers: [JurisdictionsService, JurisdictionsRepository, OfflineProjectsService, OfflineProjectsRepository],
  exports: [JurisdictionsService],
})
export class JurisdictionsModule {}
