import { DomainException } from 'src/common/errors/domain.exception';

/** The codes the supervision module (flags, cases, complaints) fails with (API.md "Errors" plus its own). */
export enum SupervisionExceptionCode {
  /** Flags exist only after opening: before it nothing may reveal a bid's content, count or bidders (EB20 Art. 27). */
  SEALED_UNTIL_OPENING = 'SEALED_UNTIL_OPENING',
  /** A case or complaint cannot go from its status to the one asked (guarded transitions). */
  INVALID_TRANSITION = 'INVALID_TRANSITION',
  /** A complaint on this matter needs an objection (异议) or challenge (质疑) first (TBR Art. 60 ¶2; GPL Art. 55). */
  OBJECTION_REQUIRED = 'OBJECTION_REQUIRED',
  /** The complaint period has passed (TBR Art. 60: 10 days; GPL Art. 55: 15 working days). */
  LEGAL_PERIOD_VIOLATION = 'LEGAL_PERIOD_VIOLATION',
  /** Bad input, including a penalty outside the range the law allows (TBL Arts. 53–54; TBR Arts. 67–68). */
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
}

export class SupervisionException extends DomainException<SupervisionExceptionCode> {
  static sealed() {
    return new SupervisionException(SupervisionExceptionCode.SEALED_UNTIL_OPENING, 'Collusion flags exist only after the bids are opened', 403);
  }
  static transition(from: string, to: string, allowed: string[]) {
    return new SupervisionException(SupervisionExceptionCode.INVALID_TRANSITION, `Cannot go from ${from} to ${to}`, 409, { from, to, allowed });
  }
  static objectionRequired(message: string, details?: Record<string, unknown>) {
    return new SupervisionException(SupervisionExceptionCode.OBJECTION_REQUIRED, message, 409, details);
  }
  static legalPeriod(message: string, details: { rule: string; article: string; latest?: string; [k: string]: unknown }) {
    return new SupervisionException(SupervisionExceptionCode.LEGAL_PERIOD_VIOLATION, message, 422, details);
  }
  /** 400 VALIDATION_FAILED with the API.md `details` shape: [{ field, errors }]. */
  static invalid(details: Array<{ field: string; errors: string[] }>) {
    return new SupervisionException(SupervisionExceptionCode.VALIDATION_FAILED, 'The request is not valid', 400, details);
  }
  static forbidden(message = 'You may not do this') {
    return new SupervisionException(SupervisionExceptionCode.FORBIDDEN, message, 403);
  }
  static notFound(what: string) {
    return new SupervisionException(SupervisionExceptionCode.NOT_FOUND, `${what} was not found`, 404);
  }
  static conflict(message: string, details?: unknown) {
    return new SupervisionException(SupervisionExceptionCode.CONFLICT, message, 409, details);
  }
}
