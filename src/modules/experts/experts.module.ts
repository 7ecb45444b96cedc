import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BidsModule } from '../bids/bids.module';
import { TendersModule } from '../tenders/tenders.module';
import { ExpertDrawService } from './draw/expert-draw.service';
import { ExpertConflictEntity } from './entities/expert-conflict.entity';
import { ExpertDrawRoundEntity } from './entities/expert-draw-round.entity';
import { ExpertDrawEntity } from './entities/expert-draw.entity';
import { ExpertEntity } from './entities/expert.entity';
import { PanelMemberEntity } from './entities/panel-member.entity';
import { ExpertSelfController, ExpertsController } from './experts.controller';
import { ExpertsService } from './experts.service';
import { PanelController } from './panel.controller';
import { PanelService } from './panel.service';
import { CandidateListsRepository } from './draw/candidate-lists.repository';
import { ExpertDrawsRepository } from './draw/expert-draws.repository';
import { ExpertsRepository } from './experts.repository';

/**
 * The expert pool, the verifiable random draw with recusal, and the committee's seats (assignments). Exports
 * ExpertsService (disable a penalised expert), PanelService (membership for the evaluation) and ExpertDrawService
 * (release, complete, reveal the seed); a sitting member who leaves is announced as PanelMemberLeft.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ExpertEntity, ExpertConflictEntity, ExpertDrawEntity, ExpertDrawRoundEntity, PanelMemberEntity]), TendersModule, BidsModule],
  controllers: [ExpertsController, ExpertSelfController, PanelController],
  providers: [ExpertsService, ExpertDrawService, PanelService, ExpertsRepository, ExpertDrawsRepository, CandidateListsRepository],
  exports: [ExpertsService, ExpertDrawService, PanelService],
})
export class ExpertsModule {}
