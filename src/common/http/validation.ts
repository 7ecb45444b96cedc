import { Param, ParseUUIDPipe, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationFailedException } from '../errors/domain.exception';

export function flattenValidationErrors(
  errors: ValidationError[],
  prefix = '',
): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((e) => {
    const field = `${prefix}${e.property}`;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], `${field}.`)];
  });
}

/** One strict global pipe (ghostfolio): unknown fields are refused, types are transformed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
