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
  private round: Promise<void> | undefined;
  /** Set before the round starts: a round's synchronous start may nudge before `round` is assigned. */
  private inRound = false;
  private again = false;
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
    if (this.stopped) return;
    if (this.inRound) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /**
   * Runs the next round within `delayMs` rather than after the whole interval: a round that saw
   * work falling due before its next turn (a deadline) asks to be woken for it.
   */
  nextRoundWithin(delayMs: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, Math.ceil(delayMs));
    if (this.inRound) {
      this.soonerMs = Math.min(this.soonerMs ?? delay, delay);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(Math.min(delay, this.intervalMs));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
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
        const delay = this.again ? 0 : Math.min(this.soonerMs ?? this.intervalMs, this.intervalMs);
        this.again = false;
        this.soonerMs = undefined;
        this.schedule(delay);
      });
  }
}

