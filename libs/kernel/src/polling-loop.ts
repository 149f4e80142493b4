import { Logger } from '@nestjs/common';
import { outsideRequestContext } from './request-context.js';

/**
 * Runs `round` every `intervalMs`, one round at a time, until stopped. `nudge()` runs the next
 * round now (new work arrived); `stop()` waits for the round in flight, so shutdown can close
 * connections after it. The outbox relay, the deadline pollers and the mail sender share it.
 */
export class PollingLoop {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private again = false;
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
    if (this.round) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    // A nudge comes from inside a request or record: the round is no part of it (its log lines
    // and the ledger's correlation id must not inherit that context).
    this.timer = setTimeout(() => outsideRequestContext(() => this.runScheduledRound()), delayMs);
  }

  private runScheduledRound(): void {
    this.timer = undefined;
    this.round = this.runRound()
      .then(() => undefined)
      .catch((error: Error) => this.logger.warn(`round failed: ${error.message}`))
      .finally(() => {
        this.round = undefined;
        const now = this.again;
        this.again = false;
        this.schedule(now ? 0 : this.intervalMs);
      });
  }
}

