import { registerDecorator, type ValidationOptions } from 'class-validator';
import { isValidUscc } from '../uscc';

export function IsUscc(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isUscc',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must be a valid unified social credit code (GB 32100-2015)`, ...options },
      validator: { validate: (v: unknown) => isValidUscc(v) },
    });
}
