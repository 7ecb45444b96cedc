import { DomainException } from 'src/common/errors/domain.exception';

/** The codes a tender operation may fail with (API.md "Errors" plus this module's own). */
export enum TenderExceptionCode {
  /** A statutory minimum period would be broken (TBL Art. 24, TBR Arts. 16/21/22, GPR Art. 31...). */
  LEGAL_PERIOD_VIOLATION = 'LEGAL_PERIOD_VIOLATION',
  /** The escrow private key stays sealed until the bid deadline (EB20 Art. 27 ¶2). */
  SEALED_UNTIL_OPENING = 'SEALED_UNTIL_OPENING',
  /** The tender is not in a status that allows this (e.g. publishing twice, amending a cancelled tender). */
  CONFLICT = 'CONFLICT',
  /** The request breaks a rule of the law that is not a period (a cap, a panel size, a price weight...). */
  VALIDATION_FAILED = 'VALIDATION_FAILED',
}

export class TenderException extends DomainException<TenderExceptionCode> {
  constructor(code: TenderExceptionCode, message: string, status: number, details?: unknown) {
    super(code, message, status, details);
  }

  /** 422 LEGAL_PERIOD_VIOLATION, with the rule and the earliest lawful instant in `details`. */
  static legalPeriod(message: string, details: { rule: string; article: string; earliest?: string; latest?: string; [k: string]: unknown }) {
    return new TenderException(TenderExceptionCode.LEGAL_PERIOD_VIOLATION, message, 422, details);
  }

  static sealed(message = 'The escrow key stays sealed until the bid deadline') {
    return new TenderException(TenderExceptionCode.SEALED_UNTIL_OPENING, message, 403);
  }

  static conflict(message: string) {
    return new TenderException(TenderExceptionCode.CONFLICT, message, 409);
  }

  /** 400 VALIDATION_FAILED with the API.md `details` shape: [{ field, errors }]. */
  static invalid(details: Array<{ field: string; errors: string[] }>) {
    return new TenderException(TenderExceptionCode.VALIDATION_FAILED, 'The request is not valid', 400, details);
  }
}
