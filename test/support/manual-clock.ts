import type { Clock } from '@cpor/kernel';

/**
 * A clock tests can move forward. It keeps running with real time (so timestamps still order
 * naturally) plus an offset that `advance` grows. Only tests bind it; production has no switch.
 */
export class ManualClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  advanceDays(days: number): void {
    this.advance(days * 24 * 60 * 60 * 1000);
  }
}
