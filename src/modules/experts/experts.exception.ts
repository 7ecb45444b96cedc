import { DomainException } from 'src/common/errors/domain.exception';

export enum ExpertsExceptionCode {
  /** Fewer eligible experts than seats for a specialty: the supervisor is told (expert_draw_alerts). */
  INSUFFICIENT_EXPERTS = 'INSUFFICIENT_EXPERTS',
  /** The tender's panel breaks TBL Art. 37 / MOF87 Art. 47 (size, odd number, experts ≥ 2/3). */
  PANEL_COMPOSITION_INVALID = 'PANEL_COMPOSITION_INVALID',
  /** The panel's membership is secret until the award (TBL Art. 37; PB12 Art. 8; MOF87 Art. 47). */
  PANEL_CONFIDENTIAL = 'PANEL_CONFIDENTIAL',
  /** The time to accept an assignment has passed; a replacement was (or will be) drawn. */
  ASSIGNMENT_EXPIRED = 'ASSIGNMENT_EXPIRED',
  /** The assignment is no longer open (declined, replaced, released, completed). */
  ASSIGNMENT_CLOSED = 'ASSIGNMENT_CLOSED',
  CONFLICT = 'CONFLICT',
}

export class ExpertsException extends DomainException<ExpertsExceptionCode> {
  static insufficient(message: string, details: unknown) {
    return new ExpertsException(ExpertsExceptionCode.INSUFFICIENT_EXPERTS, message, 409, details);
  }
  static composition(violations: string[]) {
    return new ExpertsException(ExpertsExceptionCode.PANEL_COMPOSITION_INVALID, 'The panel composition is not lawful', 422, violations);
  }
  static confidential() {
    return new ExpertsException(ExpertsExceptionCode.PANEL_CONFIDENTIAL, 'The evaluation committee is secret until the award (TBL Art. 37; PB12 Art. 8)', 403);
  }
  static expired() {
    return new ExpertsException(ExpertsExceptionCode.ASSIGNMENT_EXPIRED, 'The time to answer this assignment has passed', 409);
  }
  static closed(status: string) {
    return new ExpertsException(ExpertsExceptionCode.ASSIGNMENT_CLOSED, `The assignment is ${status}`, 409);
  }
  static conflict(message: string) {
    return new ExpertsException(ExpertsExceptionCode.CONFLICT, message, 409);
  }
}
