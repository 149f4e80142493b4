import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Validates untrusted data against a contract class and lists EVERY problem, with its path. */
export async function validateContract<T extends object>(type: ClassConstructor<T>, data: unknown): Promise<Validated<T>> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, errors: ['payload must be a JSON object'] };
  }
  const value = plainToInstance(type, data);
  const errors = await validate(value, { whitelist: true, forbidNonWhitelisted: true });
  return errors.length === 0 ? { ok: true, value } : { ok: false, errors: flatten(errors) };
}

/**
 * Every problem as `<path> <problem>`, the domain's wording: class-validator starts its messages
 * with the property name, which becomes the full path here (`customerContact.email must be ...`).
 */
function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(`${error.property} `) ? `${path}${message.slice(error.property.length)}` : `${path}: ${message}`,
    );
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
