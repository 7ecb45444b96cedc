import { DomainException } from 'src/common/errors/domain.exception';

/** The codes of v2 bid-file uploads (docs/SEALED_BID_FORMAT.md v2.6). */
export enum BidUploadExceptionCode {
  UNSUPPORTED_SUITE = 'UNSUPPORTED_SUITE',
  INVALID_BID_FILE_LENGTH = 'INVALID_BID_FILE_LENGTH',
  BID_FILE_TOO_LARGE = 'BID_FILE_TOO_LARGE',
  UPLOAD_OFFSET_MISMATCH = 'UPLOAD_OFFSET_MISMATCH',
  UPLOAD_INCOMPLETE = 'UPLOAD_INCOMPLETE',
  UPLOAD_HASH_MISMATCH = 'UPLOAD_HASH_MISMATCH',
  UPLOAD_CLOSED = 'UPLOAD_CLOSED',
  UPLOAD_PIECE_INCOMPLETE = 'UPLOAD_PIECE_INCOMPLETE',
}

export class BidUploadException extends DomainException<BidUploadExceptionCode> {
  static unsupportedSuite(suite: unknown, accepted: string[]): BidUploadException {
    return new BidUploadException(BidUploadExceptionCode.UNSUPPORTED_SUITE, `The suite ${JSON.stringify(suite)} is not one this tender accepts (${accepted.join(', ')})`, 400, {
      accepted,
    });
  }
  static invalidLength(message: string): BidUploadException {
    return new BidUploadException(BidUploadExceptionCode.INVALID_BID_FILE_LENGTH, message, 400);
  }
  static tooLarge(limit: number): BidUploadException {
    return new BidUploadException(BidUploadExceptionCode.BID_FILE_TOO_LARGE, `The sealed bid file is larger than this tender's limit of ${limit} bytes`, 413, { limit });
  }
  static offsetMismatch(expected: number): BidUploadException {
    return new BidUploadException(BidUploadExceptionCode.UPLOAD_OFFSET_MISMATCH, `Upload-Offset must be ${expected} (the bytes stored so far); nothing was stored`, 409, {
      offset: expected,
    });
  }
  static incomplete(received: number, length: number): BidUploadException {
    return new BidUploadException(BidUploadExceptionCode.UPLOAD_INCOMPLETE, `The upload holds ${received} of ${length} bytes: an incomplete upload is not a bid`, 409, {
      offset: received,
      length,
    });
  }
  static hashMismatch(): BidUploadException {
    return new BidUploadException(
      BidUploadExceptionCode.UPLOAD_HASH_MISMATCH,
      'The received file does not have the ciphertextHash stated when the upload was created (a piece damaged or out of order); nothing was stored',
      422,
    );
  }
  static pieceIncomplete(): BidUploadException {
    return new BidUploadException(
      BidUploadExceptionCode.UPLOAD_PIECE_INCOMPLETE,
      'The piece did not arrive whole (connection lost); nothing of it was stored: resume from Upload-Offset',
      400,
    );
  }
  static closed(status: string): BidUploadException {
    return new BidUploadException(BidUploadExceptionCode.UPLOAD_CLOSED, `The upload is ${status}`, 409);
  }
}
