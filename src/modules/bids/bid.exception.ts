import { DomainException } from 'src/common/errors/domain.exception';

/** The codes a bid operation may fail with (API.md "Errors"). */
export enum BidExceptionCode {
  /** The bid deadline has passed: nothing is stored (TBL Art. 28; EB20 Art. 27). */
  BID_DEADLINE_PASSED = 'BID_DEADLINE_PASSED',
  /** The tender takes no bids (cancelled, or not published). */
  TENDER_NOT_OPEN_FOR_BIDS = 'TENDER_NOT_OPEN_FOR_BIDS',
  /** The tender requires bid security and this bidder has not lodged it (TBR Art. 26; MOF87 Art. 63). */
  BID_SECURITY_MISSING = 'BID_SECURITY_MISSING',
  /** An INVITED tender takes bids from its invited bidders only (TBL Art. 17; GPL Art. 34). */
  NOT_INVITED = 'NOT_INVITED',
  /** The bidder is debarred by a supervision decision (TBL Arts. 53–54; TBR Arts. 67–68; GPL Art. 77). */
  BIDDER_DEBARRED = 'BIDDER_DEBARRED',
  /** Nothing of a bid is shown before opening (EB20 Art. 27 ¶2). */
  SEALED_UNTIL_OPENING = 'SEALED_UNTIL_OPENING',
  /** The bid is sealed with algorithms the tender does not accept (docs/SEALED_BID_FORMAT.md v2.1; EB20 Art. 26). */
  UNSUPPORTED_SUITE = 'UNSUPPORTED_SUITE',
}

export class BidException extends DomainException<BidExceptionCode> {
  static deadlinePassed(): BidException {
    return new BidException(
      BidExceptionCode.BID_DEADLINE_PASSED,
      'The bid deadline has passed: bids can no longer be submitted, replaced or withdrawn, and nothing was stored',
      409,
    );
  }

  static notOpenForBids(status: string): BidException {
    return new BidException(BidExceptionCode.TENDER_NOT_OPEN_FOR_BIDS, `The tender takes no bids (it is ${status})`, 409);
  }

  static securityMissing(): BidException {
    return new BidException(BidExceptionCode.BID_SECURITY_MISSING, 'The tender requires bid security (投标保证金) and none has been received from this bidder', 409);
  }

  static notInvited(): BidException {
    return new BidException(BidExceptionCode.NOT_INVITED, 'This tender is by invitation (邀请招标) and this bidder was not invited; nothing was stored', 403);
  }

  static debarred(until: string, legalBasis: string): BidException {
    return new BidException(BidExceptionCode.BIDDER_DEBARRED, `This bidder is debarred from bidding until ${until} (${legalBasis}); nothing was stored`, 403, {
      until,
      legalBasis,
    });
  }

  /** Format v1 seals with INTL-1's algorithms; a tender that accepts only GM-1 (国密) takes format v2 GM-1 uploads. */
  static v1NotAccepted(accepted: string[]): BidException {
    return new BidException(
      BidExceptionCode.UNSUPPORTED_SUITE,
      `This tender accepts only ${accepted.join(', ')}: format v1 (X25519/AES-256-GCM) is not accepted; seal with format v2 and upload (POST /tenders/{id}/bid-uploads); nothing was stored`,
      400,
      { accepted },
    );
  }

  static sealed(): BidException {
    return new BidException(BidExceptionCode.SEALED_UNTIL_OPENING, 'Bids stay sealed until the opening', 403);
  }
}
