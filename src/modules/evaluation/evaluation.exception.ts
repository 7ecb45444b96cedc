import { DomainException } from 'src/common/errors/domain.exception';

export enum EvaluationExceptionCode {
  /** The tender or its evaluation is not at the step this needs (e.g. scoring after the report). */
  EVALUATION_NOT_OPEN = 'EVALUATION_NOT_OPEN',
  /** The member signed: its verdicts no longer change (MOF87 Art. 64). */
  SCORES_LOCKED = 'SCORES_LOCKED',
  /** A member signs only once it has a verdict on every evaluated bid. */
  SCORES_INCOMPLETE = 'SCORES_INCOMPLETE',
  /** A clarification request is still open: its answer must be considered first (TBR Art. 52). */
  CLARIFICATION_PENDING = 'CLARIFICATION_PENDING',
  /** The bidder's answer came after the deadline set by the panel. */
  CLARIFICATION_DEADLINE_PASSED = 'CLARIFICATION_DEADLINE_PASSED',
  /** The tender document does not allow curable deficiencies (容缺), or the item is substantive (regulations.md §3). */
  CURABLE_DEFICIENCY_NOT_ALLOWED = 'CURABLE_DEFICIENCY_NOT_ALLOWED',
  /** No signed report yet. */
  REPORT_NOT_READY = 'REPORT_NOT_READY',
  /** Procurement has no candidate publicity: the award announcement replaces it (MOF87 Art. 69). */
  PUBLICITY_NOT_APPLICABLE = 'PUBLICITY_NOT_APPLICABLE',
  /** The award waits for the end of the candidate publicity (TBR Art. 54). */
  PUBLICITY_NOT_ENDED = 'PUBLICITY_NOT_ENDED',
  /** An objection to the result is unanswered: the award is suspended (TBR Art. 54 ¶2). */
  AWARD_SUSPENDED = 'AWARD_SUSPENDED',
  /** A state-funded project awards the rank-1 candidate (TBR Art. 55; MOF87 Art. 68). */
  AWARD_RANK_RULE = 'AWARD_RANK_RULE',
  /** The bid is not among the recommended candidates. */
  NOT_A_CANDIDATE = 'NOT_A_CANDIDATE',
  /** A statutory period would be broken (TBR Art. 54; TBL Art. 46...). */
  LEGAL_PERIOD_VIOLATION = 'LEGAL_PERIOD_VIOLATION',
  /** The contract must match the tender and the winning bid (TBR Art. 57). */
  CONTRACT_MISMATCH = 'CONTRACT_MISMATCH',
  /** 容缺预招标: a pledged approval is not yet supplied and accepted; the contract waits (issue 19). */
  PENDING_APPROVALS_OUTSTANDING = 'PENDING_APPROVALS_OUTSTANDING',
  /** 资格后审: the finding names a criterion the tender did not publish, or misses one (TBR Art. 49). */
  QUALIFICATION_CRITERIA_MISMATCH = 'QUALIFICATION_CRITERIA_MISMATCH',
  CONFLICT = 'CONFLICT',
}

export class EvaluationException extends DomainException<EvaluationExceptionCode> {
  static pendingApprovals(message: string, items: Array<{ id: string; name: string; status: string; dueAt: string }>) {
    return new EvaluationException(EvaluationExceptionCode.PENDING_APPROVALS_OUTSTANDING, message, 409, { items });
  }
  static criteria(message: string, details: Array<{ field: string; errors: string[] }>) {
    return new EvaluationException(EvaluationExceptionCode.QUALIFICATION_CRITERIA_MISMATCH, message, 422, details);
  }
  static notOpen(message: string) {
    return new EvaluationException(EvaluationExceptionCode.EVALUATION_NOT_OPEN, message, 409);
  }
  static locked() {
    return new EvaluationException(EvaluationExceptionCode.SCORES_LOCKED, 'You have signed: your verdicts are locked (MOF87 Art. 64)', 409);
  }
  static incomplete(missing: string[]) {
    return new EvaluationException(EvaluationExceptionCode.SCORES_INCOMPLETE, 'Every evaluated bid needs your verdict before you sign', 409, { missingBidIds: missing });
  }
  static clarificationPending(ids: string[]) {
    return new EvaluationException(
      EvaluationExceptionCode.CLARIFICATION_PENDING,
      'A clarification request is open until its deadline; sign once it is answered or expired (TBR Art. 52)',
      409,
      { clarificationIds: ids },
    );
  }
  static clarificationLate() {
    return new EvaluationException(EvaluationExceptionCode.CLARIFICATION_DEADLINE_PASSED, 'The deadline of this clarification request has passed', 409);
  }
  static curable(message: string) {
    return new EvaluationException(EvaluationExceptionCode.CURABLE_DEFICIENCY_NOT_ALLOWED, message, 422);
  }
  static reportNotReady() {
    return new EvaluationException(EvaluationExceptionCode.REPORT_NOT_READY, 'The evaluation report is not signed yet', 409);
  }
  static publicityNotApplicable() {
    return new EvaluationException(
      EvaluationExceptionCode.PUBLICITY_NOT_APPLICABLE,
      'Government procurement has no candidate publicity: POST /award publishes the award announcement (MOF87 Art. 69)',
      409,
    );
  }
  static publicityNotEnded(endsAt: Date) {
    return new EvaluationException(EvaluationExceptionCode.PUBLICITY_NOT_ENDED, `The candidate publicity runs until ${endsAt.toISOString()} (TBR Art. 54)`, 409, {
      endsAt: endsAt.toISOString(),
    });
  }
  /** The supervisory department ordered the tender suspended on accepting a complaint (TBR Art. 62; GPL Art. 57). */
  static suspendedByOrder(suspendedAt: Date) {
    return new EvaluationException(
      EvaluationExceptionCode.AWARD_SUSPENDED,
      'The tender is suspended (a complaint is being handled, or an objection is unanswered): no award or contract until it resumes (TBR Art. 62; GPL Art. 57)',
      409,
      { suspendedAt: new Date(suspendedAt).toISOString() },
    );
  }

  static suspended(objectionIds: string[]) {
    return new EvaluationException(
      EvaluationExceptionCode.AWARD_SUSPENDED,
      'An objection to the result is unanswered: the award is suspended until it is answered (TBR Art. 54)',
      409,
      { objectionIds },
    );
  }
  static rankRule(message: string) {
    return new EvaluationException(EvaluationExceptionCode.AWARD_RANK_RULE, message, 422);
  }
  static notCandidate() {
    return new EvaluationException(EvaluationExceptionCode.NOT_A_CANDIDATE, 'The bid is not a recommended candidate (TBR Art. 55)', 422);
  }
  static legalPeriod(message: string, details: { rule: string; article: string; earliest?: string; latest?: string }) {
    return new EvaluationException(EvaluationExceptionCode.LEGAL_PERIOD_VIOLATION, message, 422, details);
  }
  static mismatch(message: string) {
    return new EvaluationException(EvaluationExceptionCode.CONTRACT_MISMATCH, message, 422);
  }
  static conflict(message: string) {
    return new EvaluationException(EvaluationExceptionCode.CONFLICT, message, 409);
  }
}
