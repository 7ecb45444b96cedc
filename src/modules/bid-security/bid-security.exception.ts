import { DomainException } from 'src/common/errors/domain.exception';

/** The codes of the bid-security flows (API.md "Errors" and "Bid security"). */
export enum BidSecurityErrorCode {
  INVALID_SIGNATURE = 'INVALID_SIGNATURE',
  TENDER_NOT_OPEN_FOR_BIDS = 'TENDER_NOT_OPEN_FOR_BIDS',
  BID_DEADLINE_PASSED = 'BID_DEADLINE_PASSED',
  SEALED_UNTIL_OPENING = 'SEALED_UNTIL_OPENING',
  NO_PAYMENT = 'NO_PAYMENT',
  NO_REFUND = 'NO_REFUND',
}

export class BidSecurityException extends DomainException<BidSecurityErrorCode> {}

/** A bank notification whose X-Bank-Signature is missing or wrong: nothing is read from it, nothing stored. */
export class InvalidSignatureException extends BidSecurityException {
  constructor() {
    super(BidSecurityErrorCode.INVALID_SIGNATURE, 'The bank signature is missing or does not match the body', 401);
  }
}

export class TenderNotOpenForBidsException extends BidSecurityException {
  constructor() {
    super(BidSecurityErrorCode.TENDER_NOT_OPEN_FOR_BIDS, 'The tender is not open for bids', 409);
  }
}

export class BidDeadlinePassedException extends BidSecurityException {
  constructor() {
    super(BidSecurityErrorCode.BID_DEADLINE_PASSED, 'The bid deadline has passed', 409);
  }
}

/** Who has paid is secret until opening (CQ Arts. 16, 42(7); TBL Art. 22). */
export class SealedUntilOpeningException extends BidSecurityException {
  constructor() {
    super(BidSecurityErrorCode.SEALED_UNTIL_OPENING, 'Bid security payments are sealed until the bid opening', 403);
  }
}

export class NoPaymentException extends BidSecurityException {
  constructor() {
    super(BidSecurityErrorCode.NO_PAYMENT, 'No bid security payment has been received on this sub-account', 409);
  }
}

export class NoRefundException extends BidSecurityException {
  constructor() {
    super(BidSecurityErrorCode.NO_REFUND, 'No refund of this bid security has been made yet', 409);
  }
}
