import { OpeningObjectionsService } from './opening-objections.service';
import { Module } from '@nestjs/common';
import { BidsModule } from '../bids/bids.module';
import { TendersModule } from '../tenders/tenders.module';
import { BidFileOpener } from './bid-file-opener';
import { EscrowDecryptionPool } from './escrow-decryption.pool';
import { OpeningController } from './opening.controller';
import { OpeningHallService } from './opening-hall.service';
import { OpeningRecordService } from './opening-record.service';
import { OpeningService } from './opening.service';
import { CloseDecryptionWindowUseCase } from './use-cases/close-decryption-window.use-case';
import { DecryptBidUseCase } from './use-cases/decrypt-bid.use-case';
import { OpenBidsAtDeadlineUseCase } from './use-cases/open-bids-at-deadline.use-case';
import { OpeningRecordsRepository } from './opening-records.repository';
import { OpeningObjectionsRepository } from './opening-objections.repository';
import { OpeningBidsRepository } from './opening-bids.repository';

/**
 * Bid opening (开标, TBL Arts. 34-36; EB20 Arts. 29-32): at the deadline the bids are extracted (or the tender
 * fails with fewer than 3), bidders decrypt online during the window, the escrow modes decrypt the rest, and the
 * opening record is written before the tender enters evaluation.
 */
@Module({
  imports: [BidsModule, TendersModule],
  controllers: [OpeningController],
  providers: [
    BidFileOpener,
    EscrowDecryptionPool,
    OpeningService,
    OpeningRecordService,
    OpeningObjectionsService,
    OpeningHallService,
    OpenBidsAtDeadlineUseCase,
    DecryptBidUseCase,
    CloseDecryptionWindowUseCase,
    OpeningRecordsRepository,
    OpeningObjectionsRepository,
    OpeningBidsRepository,
  ],
  exports: [OpeningRecordService],
})
export class OpeningModule {}
