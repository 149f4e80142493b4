import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { PollingLoop } from './polling-loop.js';

describe('PollingLoop', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs a round every interval', async () => {
    let rounds = 0;
    const loop = new PollingLoop('test', async () => rounds++, 60_000);
    loop.start();
    await jest.advanceTimersByTimeAsync(59_999);
    expect(rounds).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(rounds).toBe(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(rounds).toBe(2);
    await loop.stop();
  });

  it('runs the next round sooner when a round asks for it (work falls due before the interval ends)', async () => {
    let rounds = 0;
    const loop: PollingLoop = new PollingLoop(
      'test',
      async () => {
        rounds++;
        if (rounds === 1) loop.nextRoundWithin(500);
      },
      60_000,
    );
    loop.start();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(rounds).toBe(1);
    await jest.advanceTimersByTimeAsync(499);
    expect(rounds).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(rounds).toBe(2);
    // Then the interval again.
    await jest.advanceTimersByTimeAsync(59_999);
    expect(rounds).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(rounds).toBe(3);
    await loop.stop();
  });

  it('between rounds, brings the waiting round forward but never pushes it back', async () => {
    let rounds = 0;
    const loop = new PollingLoop('test', async () => rounds++, 60_000);
    loop.start();
    loop.nextRoundWithin(1_000);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(rounds).toBe(1);
    loop.nextRoundWithin(120_000); // later than the interval: the interval stands
    await jest.advanceTimersByTimeAsync(60_000);
    expect(rounds).toBe(2);
    await loop.stop();
  });

  it('a nudge from inside a round runs one more round at once, then keeps to one chain of rounds', async () => {
    let rounds = 0;
    const loop: PollingLoop = new PollingLoop(
      'test',
      async () => {
        rounds++;
        if (rounds === 1) loop.nudge(); // before the round's first await
      },
      60_000,
    );
    loop.start();
    await jest.advanceTimersByTimeAsync(60_000);
    await jest.advanceTimersByTimeAsync(1); // the round's end settles after the timers of its instant
    expect(rounds).toBe(2);
    // Ten more intervals: ten more rounds, not twenty (two timer chains after the nudge).
    for (let i = 0; i < 10; i++) await jest.advanceTimersByTimeAsync(60_000);
    expect(rounds).toBe(12);
    await loop.stop();
  });

  it('does nothing once stopped', async () => {
    let rounds = 0;
    const loop = new PollingLoop('test', async () => rounds++, 60_000);
    loop.start();
    await loop.stop();
    loop.nextRoundWithin(10);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(rounds).toBe(0);
  });
});
