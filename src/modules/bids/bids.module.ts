import { Module } from '@nestjs/common';
import { BidLifecycleService } from './bid-lifecycle.service';
import { BidIdentitySealer } from './bid-identity-sealer';
import { BidsController } from './bids.controller';
import { LotBidsController } from './lot-bids.controller';
import { BidValidityController } from './bid-validity/bid-validity.controller';
import { BidValidityExtensionsService } from './bid-validity/bid-validity-extensions.service';
import { BidsQueryService } from './bids-query.service';
import { BidsService } from './bids.service';
import { AUDIT_HEAD_SIGNER } from '../audit/audit-head-signer';
import { PlatformKeyService } from './platform-key.service';
import { SubmitBidUseCase } from './use-cases/submit-bid.use-case';
import { WithdrawBidUseCase } from './use-cases/withdraw-bid.use-case';
import { BidUploadsController } from './uploads/bid-uploads.controller';
import { BidBlobHygieneService } from './uploads/bid-blob-hygiene.service';
import { BidUploadsService } from './uploads/bid-uploads.service';
import { FinalizeBidUploadUseCase } from './uploads/finalize-bid-upload.use-case';
import { GmReceiptKeyService } from './uploads/gm-receipt-key.service';
import { BidsRepository } from './bids.repository';
import { BidUploadsRepository } from './uploads/bid-uploads.repository';
import { BidValidityExtensionsRepository } from './bid-validity/bid-validity-extensions.repository';
import { PlatformKeysRepository } from './platform-keys.repository';
import { TendersModule } from '../tenders/tenders.module';

/**
 * Sealed electronic bids (电子投标文件, API.md "Sealed bids" format v1): submission with signed receipts,
 * versions, withdrawal, and the platform receipt key. Other modules read opened bids through BidsQueryService;
 * the opening module changes bid states through BidLifecycleService.
 */
@Module({
  imports: [TendersModule], // TendersRepository: the bids module's changes to a tender go through its owner
  controllers: [BidsController, LotBidsController, BidValidityController, BidUploadsController],
  providers: [
    BidsRepository,
    BidUploadsRepository,
    BidValidityExtensionsRepository,
    PlatformKeysRepository,
    PlatformKeyService,
    { provide: AUDIT_HEAD_SIGNER, useExisting: PlatformKeyService }, // the audit module signs its heads with it
    SubmitBidUseCase,
    WithdrawBidUseCase,
    BidsService,
    BidsQueryService,
    BidLifecycleService,
    BidValidityExtensionsService,
    BidUploadsService,
    FinalizeBidUploadUseCase,
    GmReceiptKeyService,
    BidIdentitySealer,
    BidBlobHygieneService,
  ],
  exports: [BidsQueryService, BidLifecycleService, BidIdentitySealer, PlatformKeyService, AUDIT_HEAD_SIGNER, BidUploadsService, GmReceiptKeyService, BidBlobHygieneService],
})
export class BidsModule {}
