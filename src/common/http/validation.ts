import { type ArgumentMetadata, Param, ParseUUIDPipe, type ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailedException } from '../errors/domain.exception';

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((e) => {
    const field = `${prefix}${e.property}`;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], `${field}.`)];
  });
}

/** No request body, query or parameter nests deeper than this (the deepest DTO is far shallower). */
export const MAX_INPUT_DEPTH = 32;

/**
 * Refuses, before class-transformer sees it, input that would otherwise end as a 500: nesting deeper than
 * MAX_INPUT_DEPTH (class-transformer recurses: thousands of nested arrays overflow the stack) and a NUL character
 * in any string or key (PostgreSQL text cannot hold 0x00). Iterative, so the check itself cannot overflow.
 */
export function assertSafeInput(value: unknown, where: string): void {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: where }];
  while (stack.length) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw new ValidationFailedException([{ field: path, errors: ['must not contain a NUL character (\\u0000)'] }]);
      continue;
    }
    if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      throw new ValidationFailedException([{ field: path, errors: [`nests deeper than ${MAX_INPUT_DEPTH} levels`] }]);
    }
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (k.includes('\u0000')) throw new ValidationFailedException([{ field: path, errors: ['a key contains a NUL character (\\u0000)'] }]);
      stack.push({ v: child, depth: depth + 1, path: `${path}.${k}` });
    }
  }
}

/** The global ValidationPipe, with the shape check above first. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') assertSafeInput(value, metadata.data ?? metadata.type);
    return super.transform(value, metadata);
  }
}

/** One strict global pipe (ghostfolio): unknown fields are refused, types are transformed. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedException(flattenValidationErrors(errors)),
  });
}

/** `@UuidParam('id')`: a bad UUID is a 400 VALIDATION_FAILED, never a 500. */
export const UuidParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => new ValidationFailedException([{ field: name, errors: ['must be a UUID'] }]),
    }),
  );

/** `@LotNoParam()`: 标段 number 1–50 in the path; anything else is a 400 VALIDATION_FAILED. */
export const LotNoParam = (name = 'lotNo') =>
  Param(name, {
    transform: (value: string) => {
      const n = /^[1-9]\d{0,1}$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new ValidationFailedException([{ field: name, errors: ['must be a lot number from 1 to 50'] }]);
      return n;
    },
  });
