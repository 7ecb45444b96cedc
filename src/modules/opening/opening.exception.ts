import { DomainException } from 'src/common/errors/domain.exception';

/** The codes of the opening (API.md "Opening"). */
export enum OpeningExceptionCode {
  /** The revealed key is not the key the bidder committed to when sealing. */
  KEY_COMMITMENT_MISMATCH = 'KEY_COMMITMENT_MISMATCH',
  /** The committed key does not open the ciphertext (GCM tag), or the plaintext is not format v1. */
  DECRYPTION_FAILED = 'DECRYPTION_FAILED',
  /** Outside the decryption window (before the opening, or after it closed). */
  DECRYPTION_WINDOW_CLOSED = 'DECRYPTION_WINDOW_CLOSED',
  /** The opening record exists only once the opening is over. */
  SEALED_UNTIL_OPENING = 'SEALED_UNTIL_OPENING',
}

export class OpeningException extends DomainException<OpeningExceptionCode> {
  static keyCommitmentMismatch(): OpeningException {
    return new OpeningException(OpeningExceptionCode.KEY_COMMITMENT_MISMATCH, 'The key does not match the key commitment sent with the bid', 422);
  }

  static decryptionFailed(message = 'The bid cannot be decrypted with this key'): OpeningException {
    return new OpeningException(OpeningExceptionCode.DECRYPTION_FAILED, message, 422);
  }

  static windowClosed(): OpeningException {
    return new OpeningException(OpeningExceptionCode.DECRYPTION_WINDOW_CLOSED, 'The decryption window is not open', 409);
  }

  static sealed(): OpeningException {
    return new OpeningException(OpeningExceptionCode.SEALED_UNTIL_OPENING, 'The opening record exists once the opening is over', 403);
  }
}

/** 开标异议 outside the opening (TBR Art. 44: raised at the opening, answered on the spot). */
export class OpeningObjectionException extends DomainException<'OPENING_NOT_IN_PROGRESS'> {
  static notInProgress(message: string): OpeningObjectionException {
    return new OpeningObjectionException('OPENING_NOT_IN_PROGRESS', message, 409, { article: 'TBR Art. 44' });
  }
}
