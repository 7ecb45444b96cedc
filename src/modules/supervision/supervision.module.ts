import { Global, Module } from '@nestjs/common';
import { BidderEligibilityGate } from 'src/common/ports/bidder-eligibility.gate';
import { ExpertsModule } from '../experts/experts.module';
import { TendersModule } from '../tenders/tenders.module';
import { CasesController } from './cases/cases.controller';
import { CasesService } from './cases/cases.service';
import { SupervisionCasesRepository } from './cases/supervision-cases.repository';
import { ComplaintsRepository } from './complaints/complaints.repository';
import { UpdateCaseUseCase } from './cases/use-cases/update-case.use-case';
import { ComplaintsController } from './complaints/complaints.controller';
import { ComplaintsService } from './complaints/complaints.service';
import { CollusionFlagsRepository } from './flags/collusion-flags.repository';
import { FlagInputsRepository } from './flags/flag-inputs.repository';
import { ScreenModelsRepository } from './flags/screen-models.repository';
import { FlagsController } from './flags/flags.controller';
import { FlagsService } from './flags/flags.service';
import { ScreenModelsService } from './flags/screen-models.service';

/**
 * Supervision (监督): collusion flags (串通投标监测: a pure engine in flags/engine, the price screens in screens/
 * calibrated per market, computed by a timed event planned with the opening and with each award), supervision cases
 * from flag to penalty, and complaints with their statutory clocks. The audit log and its verification are the audit
 * module's (GET /audit).
 * Exports FlagsService (flags of a tender) and CasesService (activeDebarment, for the bids module).
 */
@Global() // provides BidderEligibilityGate to the sealed-bids module
@Module({
  imports: [TendersModule, ExpertsModule],
  controllers: [FlagsController, CasesController, ComplaintsController],
  providers: [
    FlagInputsRepository,
    CollusionFlagsRepository,
    ScreenModelsRepository,
    FlagsService,
    ScreenModelsService,
    SupervisionCasesRepository,
    CasesService,
    UpdateCaseUseCase,
    ComplaintsRepository,
    ComplaintsService,
    { provide: BidderEligibilityGate, useExisting: CasesService },
  ],
  exports: [FlagsService, ScreenModelsService, CasesService, BidderEligibilityGate],
})
export class SupervisionModule {}
