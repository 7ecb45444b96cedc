import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BidsModule } from '../bids/bids.module';
import { ExpertsModule } from '../experts/experts.module';
import { TendersModule } from '../tenders/tenders.module';
import { AwardController } from './award.controller';
import { LotAwardController } from './lot-award.controller';
import { AwardsRepository } from './awards.repository';
import { AwardsService } from './awards.service';
import { ClarificationsRepository } from './clarifications.repository';
import { DeadlinesRepository } from './deadlines.repository';
import { ClarificationsService } from './clarifications.service';
import { AwardEntity } from './entities/award.entity';
import { BidderClarificationRequestEntity } from './entities/bidder-clarification-request.entity';
import { CandidatePublicityEntity } from './entities/candidate-publicity.entity';
import { EvaluationReportEntity } from './entities/evaluation-report.entity';
import { EvaluationRulesEntity } from './entities/evaluation-rules.entity';
import { EvaluationSignatureEntity } from './entities/evaluation-signature.entity';
import { EvaluationVerdictEntity } from './entities/evaluation-verdict.entity';
import { EvaluationEntity } from './entities/evaluation.entity';
import { ResultObjectionEntity } from './entities/result-objection.entity';
import { EvaluationContext } from './evaluation-context';
import { EvaluationLots } from './evaluation-lots';
import { EvaluationController } from './evaluation.controller';
import { EvaluationService } from './evaluation.service';
import { EvaluationsRepository } from './evaluations.repository';
import { EvaluationReportService } from './report/evaluation-report.service';
import { AwardTenderUseCase } from './use-cases/award-tender.use-case';
import { FinalizeEvaluationUseCase } from './use-cases/finalize-evaluation.use-case';
import { PublishCandidatesUseCase } from './use-cases/publish-candidates.use-case';
import { RecordContractUseCase } from './use-cases/record-contract.use-case';

/**
 * Evaluation (评标) to contract: verdicts and scores, clarifications, the report (JSON + PDF), candidate publicity
 * or award announcement, objections to the result, the award with its notice, the contract record. Announces
 * TenderFailed, AwardNoticeIssued, AwardeeDefaulted and ContractSigned (DomainEvents).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      EvaluationEntity,
      EvaluationRulesEntity,
      EvaluationVerdictEntity,
      EvaluationSignatureEntity,
      BidderClarificationRequestEntity,
      EvaluationReportEntity,
      CandidatePublicityEntity,
      ResultObjectionEntity,
      AwardEntity,
    ]),
    TendersModule,
    BidsModule,
    ExpertsModule,
  ],
  controllers: [EvaluationController, AwardController, LotAwardController],
  providers: [
    EvaluationsRepository,
    ClarificationsRepository,
    AwardsRepository,
    DeadlinesRepository,
    EvaluationLots,
    EvaluationContext,
    EvaluationService,
    ClarificationsService,
    EvaluationReportService,
    FinalizeEvaluationUseCase,
    PublishCandidatesUseCase,
    AwardTenderUseCase,
    RecordContractUseCase,
    AwardsService,
  ],
  exports: [EvaluationService, EvaluationReportService],
})
export class EvaluationModule {}
