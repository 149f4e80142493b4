import mongoose from 'mongoose';

/**
 * Marks a query operator object that WE built (e.g. `{ $lte: now }`) as trusted. Every other
 * object in a filter is wrapped in `$eq` by sanitizeFilter, so client input can never smuggle
 * in an operator.
 */
export function op<T extends Record<string, unknown>>(operators: T): T {
  return mongoose.trusted(operators) as T;
}
