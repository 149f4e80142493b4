import { describe, expect, it } from '@jest/globals';
import { ProgressLine, RateLimiter } from './progress.js';

function clock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    monotonicMs: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => void (now += ms),
  };
}

describe('RateLimiter', () => {
  it('lets the first request go at once and spaces the next ones by the records they carry', async () => {
    const time = clock();
    const limiter = new RateLimiter(10, time);
    await limiter.take(5);
    await limiter.take(5);
    await limiter.take(1);
    expect(time.sleeps).toEqual([500, 500]);
  });

  it('does not wait when the caller was slower than the rate anyway', async () => {
    const time = clock();
    const limiter = new RateLimiter(100, time);
    await limiter.take(10);
    time.advance(1_000);
    await limiter.take(10);
    expect(time.sleeps).toEqual([]);
  });

  it('sends a tenth of a second worth per request (1 to 100 records)', () => {
    expect(RateLimiter.chunk(undefined)).toBe(100);
    expect(RateLimiter.chunk(0.5)).toBe(1);
    expect(RateLimiter.chunk(250)).toBe(25);
    expect(RateLimiter.chunk(50_000)).toBe(100);
  });
});

describe('ProgressLine', () => {
  const output = (tty: boolean) => {
    const time = clock();
    const written: string[] = [];
    return { written, time, context: { io: { stdout: () => undefined, stderr: (text: string) => void written.push(text), stderrIsTTY: tty }, monotonicMs: time.monotonicMs } };
  };

  it('on a terminal, redraws one line in place at most every 100 ms, and ends it', () => {
    const { written, time, context } = output(true);
    const progress = new ProgressLine(context, 'replay', 200);
    time.advance(1_000);
    progress.update(50);
    progress.update(60); // within 100 ms of the last redraw: skipped
    time.advance(1_000);
    progress.update(100);
    progress.finish();
    expect(written).toEqual([
      '\rreplay [########......................] 50/200 25% 50.0/s eta 3s',
      '\rreplay [###############...............] 100/200 50% 50.0/s eta 2s',
      '\rreplay [###############...............] 100/200 50% 50.0/s eta 2s\n',
    ]);
  });

  it('elsewhere, prints a plain line at each tenth of the way', () => {
    const { written, context } = output(false);
    const progress = new ProgressLine(context, 'replay', 100);
    for (let done = 1; done <= 100; done++) progress.update(done);
    progress.finish();
    expect(written).toHaveLength(11); // 0 %, 10 %, ... 100 %
    expect(written.every((line) => line.endsWith('\n') && !line.startsWith('\r'))).toBe(true);
  });

  it('prints nothing when disabled', () => {
    const { written, context } = output(true);
    const progress = new ProgressLine(context, 'replay', 10, false);
    progress.update(5);
    progress.finish();
    expect(written).toEqual([]);
  });
});
