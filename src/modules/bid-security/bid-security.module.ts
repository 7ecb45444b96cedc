import { Global, Module } from '@nestjs/common';
import { BidSecurityGate } from 'src/common/ports/bid-security.gate';
import { BankAdapter } from './bank/bank-adapter';
import { LedgerBankAdapter } from './bank/ledger-bank-adapter';
import { BankNotificationsController } from './bank-notifications.controller';
import { BankSignatureGuard } from './bank-signature.guard';
import { BidSecuritySettlement } from './bid-security-settlement.service';
import { BidSecurityController, LotBidSecurityController } from './bid-security.controller';
import { BidSecurityService } from './bid-security.service';
import { BidSecurityStore } from './bid-security.store';
import { BidSecuritySealingRepository } from './bid-security-sealing.repository';
import { BidSecurityRecordsRepository } from './bid-security-records.repository';
import { BidSecurityRowsRepository } from './bid-security-rows.repository';
import { BidGuaranteesRepository } from './guarantees/bid-guarantees.repository';
import { BidSecurityDocuments } from './documents/bid-security-documents';
import { LedgerService } from './ledger/ledger.service';
import { LegalRefundCalendar, RefundCalendar } from './refund-calendar';
import { RefundPlanner } from './refund-planner.service';
import { ExecuteRefund } from './use-cases/execute-refund.use-case';
import { GuaranteeNotificationsController } from './guarantees/guarantee-notifications.controller';
import { GuaranteeStore } from './guarantees/guarantee.store';
import { RegisterGuarantee } from './guarantees/register-guarantee.use-case';
import { IngestBankNotification } from './use-cases/ingest-bank-notification.use-case';
import { TendersModule } from '../tenders/tenders.module';
import { LedgerRepository } from './ledger/ledger.repository';
import { BankRefundInstructionsRepository } from './bank/bank-refund-instructions.repository';
import { SettlementRepository } from './settlement.repository';

/**
 * Bid security (投标保证金). Global so that the sealed-bids module gets the BidSecurityGate without importing it.
 * The bank (BankAdapter) and the calendar (RefundCalendar) are ports; tests replace the bank only.
 */
@Global()
@Module({
  imports: [TendersModule],
  controllers: [BidSecurityController, LotBidSecurityController, BankNotificationsController, GuaranteeNotificationsController],
  providers: [
    BidSecurityStore,
    BidSecuritySealingRepository,
    BidSecurityRecordsRepository,
    BidSecurityRowsRepository,
    BidGuaranteesRepository,
    LedgerService,
    BidSecurityService,
    BidSecuritySettlement,
    RefundPlanner,
    ExecuteRefund,
    IngestBankNotification,
    BidSecurityDocuments,
    BankSignatureGuard,
    GuaranteeStore,
    RegisterGuarantee,
    LedgerRepository,
    BankRefundInstructionsRepository,
    SettlementRepository,
    { provide: BankAdapter, useClass: LedgerBankAdapter },
    { provide: RefundCalendar, useClass: LegalRefundCalendar },
    { provide: BidSecurityGate, useExisting: BidSecurityService },
  ],
  exports: [BidSecurityGate, BidSecurityService],
})
export class BidSecurityModule {}
