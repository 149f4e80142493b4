// Progress and pacing of long operations (replay, redrive).
//
// The progress line is ours, not a library's: no maintained progress-bar package is a
// dependency, and one line on stderr is all we need. On a terminal it redraws itself in place
// (`\r`), at most every 100 ms; otherwise (a pipe, a CI log) it prints a plain line at each tenth
// of the way, so logs stay readable. It never writes to stdout, where `--json` results go.
import type { OpsContext } from './context.js';

const REDRAW_MS = 100;
const WIDTH = 30;

export class ProgressLine {
  private lastDrawMs = -Infinity;
  private lastTenth = -1;
  private readonly startedMs: number;
  private done = 0;

  constructor(
    private readonly context: Pick<OpsContext, 'io' | 'monotonicMs'>,
    private readonly label: string,
    private readonly total: number,
    private readonly enabled = true,
  ) {
    this.startedMs = context.monotonicMs();
  }

  update(done: number): void {
    this.done = done;
    if (!this.enabled || this.total <= 0) return;
    const now = this.context.monotonicMs();
    if (this.context.io.stderrIsTTY) {
      if (now - this.lastDrawMs < REDRAW_MS && done < this.total) return;
      this.lastDrawMs = now;
      this.context.io.stderr(`\r${this.render(now)}`);
      return;
    }
    const tenth = Math.floor((Math.min(done, this.total) / this.total) * 10);
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.context.io.stderr(`${this.render(now)}\n`);
    }
  }

  /** Ends the line (on a terminal, after the last redraw). */
  finish(): void {
    if (!this.enabled || this.total <= 0) return;
    if (this.context.io.stderrIsTTY) this.context.io.stderr(`\r${this.render(this.context.monotonicMs())}\n`);
    else if (this.lastTenth < 10) this.context.io.stderr(`${this.render(this.context.monotonicMs())}\n`);
  }

  render(nowMs: number): string {
    const share = Math.min(1, this.done / this.total);
    const filled = Math.round(share * WIDTH);
    const seconds = Math.max(0.001, (nowMs - this.startedMs) / 1000);
    const perSecond = this.done / seconds;
    const eta = perSecond > 0 && this.done < this.total ? ` eta ${Math.ceil((this.total - this.done) / perSecond)}s` : '';
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${this.done}/${this.total} ${Math.floor(share * 100)}% ${perSecond.toFixed(1)}/s${eta}`;
  }
}

/**
 * At most `perSecond` records per second on average: `take(n)` waits until n more records may
 * go. The first call goes at once; each later one waits for the time the earlier records bought.
 */
export class RateLimiter {
  private nextFreeMs: number | null = null;

  constructor(
    private readonly perSecond: number,
    private readonly context: Pick<OpsContext, 'monotonicMs' | 'sleep'>,
  ) {}

  async take(records: number): Promise<void> {
    const now = this.context.monotonicMs();
    const start = Math.max(now, this.nextFreeMs ?? now);
    this.nextFreeMs = start + (records * 1000) / this.perSecond;
    if (start > now) await this.context.sleep(start - now);
  }

  /** Records per produce request: small enough that the pace is smooth (a tenth of a second's worth). */
  static chunk(perSecond: number | undefined, max = 100): number {
    return perSecond === undefined ? max : Math.max(1, Math.min(max, Math.floor(perSecond / 10)));
  }
}
