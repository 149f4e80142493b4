import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn } from 'class-validator';

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
