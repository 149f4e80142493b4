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
