/**
 * Base of every error a service throws. Services never throw HttpException; the global filter maps the code and
 * status to the API.md error body `{ code, message, requestId }`.
 */
export class DomainException<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Codes shared by every module (API.md "Errors"). Feature modules add their own exception classes. */
export enum CommonErrorCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  INTERNAL_ERROR = 'INTERNAL_ERROR',
}

export class ValidationFailedException extends DomainException<CommonErrorCode.VALIDATION_FAILED> {
  constructor(details: Array<{ field: string; errors: string[] }>, message = 'The request is not valid') {
    super(CommonErrorCode.VALIDATION_FAILED, message, 400, details);
  }
}
export class UnauthenticatedException extends DomainException<CommonErrorCode.UNAUTHENTICATED> {
  constructor(message = 'Authentication is required') {
    super(CommonErrorCode.UNAUTHENTICATED, message, 401);
  }
}
export class ForbiddenException extends DomainException<CommonErrorCode.FORBIDDEN> {
  constructor(message = 'You may not do this') {
    super(CommonErrorCode.FORBIDDEN, message, 403);
  }
}
/** Also used for objects the caller may not know exist (API.md). */
export class NotFoundException extends DomainException<CommonErrorCode.NOT_FOUND> {
  constructor(what = 'The resource') {
    super(CommonErrorCode.NOT_FOUND, `${what} was not found`, 404);
  }
}
export class ConflictException extends DomainException<CommonErrorCode.CONFLICT> {
  constructor(message: string) {
    super(CommonErrorCode.CONFLICT, message, 409);
  }
}
