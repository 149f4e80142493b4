import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, isISO8601, Max, Min, ValidateBy } from 'class-validator';

/**
 * A query parameter taking one or more of `values`: `?status=A&status=B` and `?status=A,B` both
 * mean "A or B". The one home of that rule for every list filter (claims list, review queue).
 */
export function OneOrMoreOf(values: readonly string[]): PropertyDecorator {
  const decorators = [
    Transform(({ value }: { value: unknown }) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).filter(Boolean))),
    IsArray(),
    ArrayMaxSize(values.length),
    IsIn(values, { each: true }),
  ];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

/**
 * A query parameter naming an instant in ISO 8601 that a JavaScript Date can hold. IsDateString
 * alone also passes week and ordinal dates (`2024-W01-1`), which become an Invalid Date and would
 * fail the store query instead of being refused, with the other problems, as a 400.
 */
export function IsInstant(): PropertyDecorator {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isISO8601(value, { strict: true }) && Number.isFinite(Date.parse(value)),
      defaultMessage: (args) => `${args?.property ?? 'value'} must be an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)`,
    },
  });
}

/** The deepest offset a page may start at (the portal's queue links stay below it). */
export const MAX_PAGE_OFFSET = 1_000_000_000;

/**
 * An offset-paging query parameter: a whole number from 0 to MAX_PAGE_OFFSET. Unbounded, `1e20`
 * passed as an integer and reached the store as a skip beyond 64 bits, which MongoDB refuses (a
 * 500 instead of a 400; FerretDB answered an empty page).
 */
export function PageOffset(): PropertyDecorator {
  const decorators = [Type(() => Number), IsInt(), Min(0), Max(MAX_PAGE_OFFSET)];
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}
