import { registerDecorator, type ValidationOptions } from 'class-validator';
import { MONEY_PATTERN } from './money';

/** A CNY amount as a decimal string with at most 2 decimals; numbers are refused (no floats, API.md). */
export function IsMoney(options?: ValidationOptions & { positive?: boolean }) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isMoney',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a decimal string with at most 2 decimals, e.g. "12345678.90"`,
        ...options,
      },
      validator: {
        validate: (v: unknown) => typeof v === 'string' && MONEY_PATTERN.test(v) && (!options?.positive || /[1-9]/.test(v)),
      },
    });
}
