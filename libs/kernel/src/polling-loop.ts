import { Logger } from '@nestjs/common';
import { outsideRequestContext } from './request-context.js';

/**
 * Runs `round` every `intervalMs`, one round at a time, until stopped. `nudge()` runs the next
 * round now (new work arrived), `nextRoundWithin()` sooner than the interval (work falls due
 * then); `stop()` waits for the round in flight, so shutdown can close
 * connections after it. The outbox relay, the deadline pollers and the mail sender share it.
 */
export class PollingLoop {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  /** When `timer` is due (Date.now() time): a request for a later round leaves it as it is. */
  private nextAt = 0;
  private round: Promise<void> | undefined;
  /** Set before the round starts: a round's synchronous start may nudge before `round` is assigned. */
  private inRound = false;
  /** A round asked for the next one sooner than the interval (work falls due then). */
  private soonerMs: number | undefined;
  private stopped = true;
  private stopRequested = false;

  constructor(
    name: string,
    private readonly runRound: () => Promise<unknown>,
    private readonly intervalMs: number,
  ) {
    this.logger = new Logger(name);
  }

  /** True once stop() was called: long rounds check it to end early. */
  get stopping(): boolean {
    return this.stopRequested;
  }

  start(): void {
    this.stopped = false;
    this.stopRequested = false;
    this.schedule(this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopRequested = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
  }

  nudge(): void {
    this.nextRoundWithin(0);
  }

  /**
   * Runs the next round within `delayMs` rather than after the whole interval: a round that saw
   * work falling due before its next turn (a deadline) asks to be woken for it. Between rounds
   * it brings the waiting round forward, never pushes it back.
   */
  nextRoundWithin(delayMs: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, Math.ceil(delayMs));
    if (this.inRound) {
      this.soonerMs = Math.min(this.soonerMs ?? delay, delay);
      return;
    }
    const next = Math.min(delay, this.intervalMs);
    if (this.timer === undefined || Date.now() + next < this.nextAt) this.schedule(next);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = Date.now() + delayMs;
    // A nudge comes from inside a request or record: the round is no part of it (its log lines
    // and the ledger's correlation id must not inherit that context).
    this.timer = setTimeout(() => outsideRequestContext(() => this.runScheduledRound()), delayMs);
  }

  private runScheduledRound(): void {
    this.timer = undefined;
    this.inRound = true;
    this.round = this.runRound()
      .then(() => undefined)
      .catch((error: Error) => this.logger.warn(`round failed: ${error.message}`))
      .finally(() => {
        this.round = undefined;
        this.inRound = false;
        const delay = Math.min(this.soonerMs ?? this.intervalMs, this.intervalMs);
        this.soonerMs = undefined;
        this.schedule(delay);
      });
  }
}

