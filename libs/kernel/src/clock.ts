/**
 * All time comes from a Clock so deadlines can be tested without waiting.
 * Production always binds SystemClock; only tests swap in a movable clock (test/support).
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}
