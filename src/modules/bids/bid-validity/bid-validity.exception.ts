import { DomainException } from 'src/common/errors/domain.exception';

export enum BidValidityErrorCode {
  BID_VALIDITY_NOT_EXTENDABLE = 'BID_VALIDITY_NOT_EXTENDABLE',
  BID_VALIDITY_EXPIRED = 'BID_VALIDITY_EXPIRED',
  EXTENSION_RESPONSE_CLOSED = 'EXTENSION_RESPONSE_CLOSED',
  GUARANTEE_VALIDITY_INSUFFICIENT = 'GUARANTEE_VALIDITY_INSUFFICIENT',
}

export class BidValidityException extends DomainException<BidValidityErrorCode> {
  static notExtendable(status: string) {
    return new BidValidityException(
      BidValidityErrorCode.BID_VALIDITY_NOT_EXTENDABLE,
      `The tender is ${status}: only opened bids, before the contract, have a validity period to extend`,
      409,
    );
  }
  static expired(endsOn: string) {
    return new BidValidityException(
      BidValidityErrorCode.BID_VALIDITY_EXPIRED,
      `The bid validity period ended on ${endsOn}: an extension must be asked before it expires (TBR Art. 25)`,
      409,
    );
  }
  static responseClosed(respondBy: string) {
    return new BidValidityException(BidValidityErrorCode.EXTENSION_RESPONSE_CLOSED, `Answers to this extension request were due by ${respondBy}`, 409);
  }
  static securityTooShort(extendTo: string) {
    return new BidValidityException(
      BidValidityErrorCode.GUARANTEE_VALIDITY_INSUFFICIENT,
      `Your bid security does not run to ${extendTo}: have the guarantee extended first (TBR Art. 26: the security's validity equals the bid validity)`,
      409,
    );
  }
}
