import { Logger } from '@nestjs/common';
import { Duration } from 'luxon';
import { MAX_CLOCK_OFFSET_MS, type MovableClock } from '@cpor/kernel';
import type { BusinessClockRepository } from '@cpor/persistence';

/** How often each service reads the clock's offset from the store. */
const REFRESH_MS = 250;

/** Why a requested move is refused, or the offset it sets. */
export type ClockMove = { ok: true; offsetMs: number } | { ok: false; problem: string };

/**
 * The offset a move sets, from the business time now and the wall time: forward by an ISO 8601
 * duration (`P3D`, `PT2H`) or to an instant; anything else, or a move back, is refused. The one
 * rule for the HTTP endpoint and the ops command.
 */
export function planClockMove(businessNow: Date, wallNow: Date, move: { by?: string; to?: string }): ClockMove {
  if ((move.by === undefined) === (move.to === undefined)) return { ok: false, problem: 'give exactly one of by (an ISO 8601 duration, e.g. P7D) or to (an instant)' };
  const now = businessNow.getTime();
  let target: number;
  if (move.by !== undefined) {
    const duration = Duration.fromISO(String(move.by));
    if (!duration.isValid) return { ok: false, problem: `by must be an ISO 8601 duration such as P7D or PT36H (got ${JSON.stringify(String(move.by).slice(0, 40))})` };
    target = now + duration.as('milliseconds');
  } else {
    target = Date.parse(String(move.to));
    if (Number.isNaN(target)) return { ok: false, problem: `to must be an ISO 8601 instant (got ${JSON.stringify(String(move.to).slice(0, 40))})` };
  }
  if (target <= now) return { ok: false, problem: `the business clock only moves forward: it is ${new Date(now).toISOString()}` };
  const offsetMs = target - wallNow.getTime();
  if (!Number.isFinite(offsetMs) || offsetMs > MAX_CLOCK_OFFSET_MS) return { ok: false, problem: 'the business clock runs at most 10 years ahead of the wall clock' };
  return { ok: true, offsetMs };
}

/**
 * `CLOCK_CONTROL=on` (ServiceConfig.clockControl, refused with NODE_ENV=production): the business
 * clock of every service runs at an offset from the wall clock that an operator moves forward
 * (POST /ops/clock), so deadlines (SLAs, the consent window, the dispute window) can be seen
 * firing in a staging system. Kafka record timestamps stay on the wall clock (the broker refuses
 * records an hour ahead of its own time); only business times (ce_time, deadlines, history) move.
 *
 * The business clock under control: wall clock + the largest offset recorded in the store. Every
 * service reads the offset every 250 ms, so all agree within that; a move is recorded once in the
 * store (an insert: it can only add a larger offset) and applied here at once.
 */
export class ControlledClock implements MovableClock {
  private readonly logger = new Logger('BusinessClock');
  private offset = 0;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: BusinessClockRepository) {}

  now(): Date {
    return new Date(Date.now() + this.offset);
  }

  get offsetMs(): number {
    return this.offset;
  }

  onMove(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the offset once, then every REFRESH_MS until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Takes a newer offset from the store; never a smaller one (the clock does not go back). */
  async refresh(): Promise<void> {
    this.apply(await this.store.offsetMs());
  }

  /** The offset a move sets: forward by an ISO 8601 duration (`P3D`, `PT2H`), or to an instant. */
  plan(move: { by?: string; to?: string }): ClockMove {
    const wall = Date.now();
    return planClockMove(new Date(wall + this.offset), new Date(wall), move);
  }

  /** Records the move for every service and applies it here. */
  async move(offsetMs: number, by: string): Promise<void> {
    await this.store.record(offsetMs, by, new Date());
    this.apply(offsetMs);
  }

  private apply(offsetMs: number): void {
    if (offsetMs <= this.offset) return;
    // Not a time a Date can hold (the store leaves out rows beyond the bound; this is the last guard).
    if (!Number.isFinite(offsetMs) || offsetMs > MAX_CLOCK_OFFSET_MS) return;
    this.offset = offsetMs;
    this.logger.log(`business clock now ${this.now().toISOString()} (offset ${Math.round(offsetMs / 1000)} s)`);
    for (const listener of this.listeners) listener();
  }
}
