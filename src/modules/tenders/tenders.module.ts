import { ChallengesController } from './challenges/challenges.controller';
import { ChallengesService } from './challenges/challenges.service';
import { RetenderUseCase } from './use-cases/retender.use-case';
import { TenderSuspensionService } from './tender-suspension.service';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EscrowKeyService } from './escrow-key.service';
import { GmEscrowKeyService } from './gm-escrow-key.service';
import { LegalCalendarService } from './legal-calendar/legal-calendar.service';
import { TenderAmendmentEntity } from './tender-amendment.entity';
import { TenderDocumentEntity } from './tender-document.entity';
import { TenderLotEntity } from './tender-lot.entity';
import { TenderObjectionEntity } from './tender-objection.entity';
import { TenderPeriods } from './tender-periods';
import { TenderStateMachine } from './tender-state-machine';
import { TenderEntity } from './tender.entity';
import { LegalHolidaysRepository } from './legal-calendar/legal-holidays.repository';
import { TendersController } from './tenders.controller';
import { TendersService } from './tenders.service';
import { HolidaysController } from './legal-calendar/holidays.controller';
import { TenderDocumentsRepository } from './tender-documents.repository';
import { TenderDocumentsService } from './tender-documents.service';
import { EndedTenderUnsealing } from './ended-tender-unsealing.service';
import { TenderObjectionsService } from './tender-objections.service';
import { AmendTenderUseCase } from './use-cases/amend-tender.use-case';
import { CancelTenderUseCase } from './use-cases/cancel-tender.use-case';
import { PublishTenderUseCase } from './use-cases/publish-tender.use-case';
import { PreTenderController } from './pre-tender/pre-tender.controller';
import { PreTenderService } from './pre-tender/pre-tender.service';
import { PreTenderRepository } from './pre-tender/pre-tender.repository';
import { TendersRepository } from './tenders.repository';
import { ChallengesRepository } from './challenges/challenges.repository';

/**
 * Tenders (招标项目): drafting, publication, documents, amendments, objections, cancellation, the legal calendar
 * and the BID_DEADLINE timed event. Other modules use TendersService, TenderStateMachine (the only way a status
 * changes) (act at the deadline / on cancellation), EscrowKeyService (unseal at opening),
 * TenderPeriods and LegalCalendarService (statutory periods of later stages).
 */
@Module({
  imports: [TypeOrmModule.forFeature([TenderEntity, TenderLotEntity, TenderDocumentEntity, TenderAmendmentEntity, TenderObjectionEntity])],
  controllers: [TendersController, HolidaysController, ChallengesController, PreTenderController],
  providers: [
    TendersService,
    TenderStateMachine,
    EscrowKeyService,
    GmEscrowKeyService,
    LegalCalendarService,
    LegalHolidaysRepository,
    TenderPeriods,
    TenderDocumentsService,
    TenderDocumentsRepository,
    TenderObjectionsService,
    EndedTenderUnsealing,
    TenderSuspensionService,
    PublishTenderUseCase,
    AmendTenderUseCase,
    CancelTenderUseCase,
    RetenderUseCase,
    ChallengesService,
    PreTenderService,
    TendersRepository,
    PreTenderRepository,
    ChallengesRepository,
  ],
  exports: [TendersRepository, TendersService, TenderStateMachine, TenderSuspensionService, EscrowKeyService, GmEscrowKeyService, LegalCalendarService, TenderPeriods],
})
export class TendersModule {}
