import { DomainException } from 'src/common/errors/domain.exception';

/** The codes of the bid-security flows (API.md "Errors" and "Bid security"). */
export enum BidSecurityErrorCode {
  INVALID_SIGNATURE = 'INVALID_SIGNATURE',
  TENDER_NOT_OPEN_FOR_BIDS = 'TENDER_NOT_OPEN_FOR_BIDS',
  BID_DEADLINE_PASSED = 'BID_DEADLINE_PASSED',
  SEALED_UNTIL_OPENING = 'SEALED_UNTIL_OPENING',
  NO_PAYMENT = 'NO_PAYMENT',
  NO_REFUND = 'NO_REFUND',
  BID_SECURITY_FORM_NOT_ACCEPTED = 'BID_SECURITY_FORM_NOT_ACCEPTED',
  GUARANTEE_AMOUNT_INSUFFICIENT = 'GUARANTEE_AMOUNT_INSUFFICIENT',
  GUARANTEE_VALIDITY_INSUFFICIENT = 'GUARANTEE_VALIDITY_INSUFFICIENT',
  GUARANTEE_BIDDER_UNKNOWN = 'GUARANTEE_BIDDER_UNKNOWN',
  GUARANTEE_CONFLICT = 'GUARANTEE_CONFLICT',
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

/** The tender does not accept this form of bid security (it states the accepted forms; GPR Art. 33). */
export class FormNotAcceptedException extends BidSecurityException {
  constructor(form: string) {
    super(BidSecurityErrorCode.BID_SECURITY_FORM_NOT_ACCEPTED, `The tender does not accept bid security in the form ${form}`, 409);
  }
}

/** An electronic guarantee refused on registration: nothing is stored; the issuer is told why. */
export class GuaranteeRejectedException extends BidSecurityException {
  static amount(amount: string, required: string) {
    return new GuaranteeRejectedException(
      BidSecurityErrorCode.GUARANTEE_AMOUNT_INSUFFICIENT,
      `The guaranteed amount ${amount} is below the bid security the tender requires (${required})`,
    );
  }
  static validity(message: string) {
    return new GuaranteeRejectedException(BidSecurityErrorCode.GUARANTEE_VALIDITY_INSUFFICIENT, message);
  }
  static bidderUnknown() {
    return new GuaranteeRejectedException(BidSecurityErrorCode.GUARANTEE_BIDDER_UNKNOWN, 'No registered bidder has this unified social credit code');
  }
  private constructor(code: BidSecurityErrorCode, message: string) {
    super(code, message, 422);
  }
}

/** The same guarantee number of the same issuer, with different terms (other than a later expiry: an extension). */
export class GuaranteeConflictException extends BidSecurityException {
  constructor(message: string) {
    super(BidSecurityErrorCode.GUARANTEE_CONFLICT, message, 409);
  }
}
