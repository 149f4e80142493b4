/**
 * All time comes from a Clock so deadlines can be tested without waiting.
 * Production always binds SystemClock; only tests swap in a movable clock (test/support).
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

/** A clock that can jump forward (the controlled clock of non-production environments). */
export interface MovableClock extends Clock {
  /** Calls `listener` after every forward move; returns the unsubscribe function. */
  onMove(listener: () => void): () => void;
}

export function isMovableClock(clock: Clock): clock is MovableClock {
  return typeof (clock as Partial<MovableClock>).onMove === 'function';
}

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * The furthest a controlled business clock may run ahead of the wall clock. Far beyond any
 * deadline of the rules (days to weeks); it keeps every business time a valid Date (a move of
 * P999999Y would make `now()` an Invalid Date in every service, with no way back).
 */
export const MAX_CLOCK_OFFSET_MS = 10 * 366 * 86_400_000;
