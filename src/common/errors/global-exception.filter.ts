import { randomUUID } from 'crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { CommonErrorCode, DomainException } from './domain.exception';

const HTTP_CODES: Record<number, string> = {
  400: CommonErrorCode.VALIDATION_FAILED,
  401: CommonErrorCode.UNAUTHENTICATED,
  403: CommonErrorCode.FORBIDDEN,
  404: CommonErrorCode.NOT_FOUND,
  409: CommonErrorCode.CONFLICT,
  413: CommonErrorCode.PAYLOAD_TOO_LARGE,
  415: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: CommonErrorCode.TOO_MANY_REQUESTS,
};

/** Maps every error to `{ code, message, requestId, details? }`. No stack trace or SQL reaches a client. */
@Catch()
export class GlobalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { requestId?: string }>();
    const res = ctx.getResponse<Response>();
    const requestId = req.requestId ?? randomUUID(); // body-parser errors arrive before the request-id middleware
    const { status, body } = this.toBody(exception);
    if (status >= 500) {
      this.logger.error({ requestId, method: req.method, path: req.path, err: (exception as Error)?.message }, (exception as Error)?.stack);
    }
    res.status(status).json({ ...body, requestId });
  }

  private toBody(e: unknown): { status: number; body: Record<string, unknown> } {
    if (e instanceof DomainException) {
      return {
        status: e.status,
        body: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) },
      };
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const code = HTTP_CODES[status] ?? (status >= 500 ? CommonErrorCode.INTERNAL_ERROR : 'HTTP_' + status);
      // body-parser's SyntaxError on malformed JSON arrives here as a 400.
      const message = status === 400 ? 'The request body is not valid JSON or not of the expected form' : status === 404 ? 'The resource was not found' : e.message;
      return {
        status,
        body: { code, message, ...(status === 400 ? { details: [{ field: 'body', errors: [message] }] } : {}) },
      };
    }
    const anyErr = e as { type?: string; status?: number; code?: string };
    if (anyErr?.type === 'entity.too.large' || anyErr?.status === 413) {
      return { status: 413, body: { code: CommonErrorCode.PAYLOAD_TOO_LARGE, message: 'The request body is too large' } };
    }
    if (anyErr?.type === 'charset.unsupported' || anyErr?.type === 'encoding.unsupported' || anyErr?.status === 415) {
      // body-parser: `Content-Type: application/json; charset=latin1` and friends (JSON is UTF-8, RFC 8259).
      return { status: 415, body: { code: CommonErrorCode.UNSUPPORTED_MEDIA_TYPE, message: 'The request body must be UTF-8 JSON' } };
    }
    if (anyErr?.type === 'entity.parse.failed' || e instanceof SyntaxError) {
      const message = 'The request body is not valid JSON';
      return { status: 400, body: { code: CommonErrorCode.VALIDATION_FAILED, message, details: [{ field: 'body', errors: [message] }] } };
    }
    const http = e as { status?: unknown; expose?: unknown };
    if (typeof http?.status === 'number' && http.status >= 400 && http.status < 500 && http.expose === true) {
      // Any other client error raised by Express or body-parser (http-errors): its status, never a 500.
      const status = http.status;
      return { status, body: { code: HTTP_CODES[status] ?? `HTTP_${status}`, message: 'The request was refused' } };
    }
    if (e instanceof QueryFailedError && (e as unknown as { code?: string }).code === '23505') {
      return { status: 409, body: { code: CommonErrorCode.CONFLICT, message: 'The object already exists' } };
    }
    return { status: 500, body: { code: CommonErrorCode.INTERNAL_ERROR, message: 'An internal error occurred' } };
  }
}
