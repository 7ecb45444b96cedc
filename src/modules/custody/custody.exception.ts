import { DomainException } from 'src/common/errors/domain.exception';

export enum CustodyExceptionCode {
  /** Fewer than k custodians released their share (EB20 Art. 27 ¶2: not before the deadline, by their clocks). */
  SEALED_UNTIL_OPENING = 'SEALED_UNTIL_OPENING',
  /** Fewer than k custodians answered, or their shares do not rebuild the committed secret. */
  ESCROW_THRESHOLD_NOT_MET = 'ESCROW_THRESHOLD_NOT_MET',
  /**
   * The database clock says the release instant has passed, but custodians whose clocks are further behind than
   * ESCROW_CLOCK_SKEW_MS still say "not yet" (503: ask again; their clocks need fixing). Not a sealed tender.
   */
  CUSTODIANS_NOT_READY = 'CUSTODIANS_NOT_READY',
  /** A custodian refused to move a release instant (a move earlier into its past) or could not be reached. */
  ESCROW_RESCHEDULE_REFUSED = 'ESCROW_RESCHEDULE_REFUSED',
  /** The blind-index oracle (a custodian) did not answer: a sealed identity can be neither filed nor found now. */
  BLIND_INDEX_ORACLE_UNAVAILABLE = 'BLIND_INDEX_ORACLE_UNAVAILABLE',
}

export class CustodyException extends DomainException<CustodyExceptionCode> {
  constructor(code: CustodyExceptionCode, message: string, status: number, details?: unknown) {
    super(code, message, status, details);
  }
  static notYet(details: unknown) {
    return new CustodyException(CustodyExceptionCode.SEALED_UNTIL_OPENING, 'The custodians release no share before the bid deadline', 403, details);
  }
  static custodiansNotReady(behind: Array<{ custodian: string }>, details: Record<string, unknown>) {
    return new CustodyException(
      CustodyExceptionCode.CUSTODIANS_NOT_READY,
      `The bid deadline has passed by the platform's clock, but the clock of ${behind.map((b) => b.custodian).join(' and ')} is behind it: try again shortly`,
      503,
      { ...details, behind },
    );
  }
  static rescheduleRefused(message: string, unavailable: boolean, details: unknown) {
    return new CustodyException(CustodyExceptionCode.ESCROW_RESCHEDULE_REFUSED, message, unavailable ? 503 : 409, details);
  }
  static oracleUnavailable(message: string) {
    return new CustodyException(CustodyExceptionCode.BLIND_INDEX_ORACLE_UNAVAILABLE, `The blind-index oracle did not answer: ${message}`, 503);
  }
  static thresholdNotMet(message: string, details: unknown) {
    return new CustodyException(CustodyExceptionCode.ESCROW_THRESHOLD_NOT_MET, message, 503, details);
  }
}
