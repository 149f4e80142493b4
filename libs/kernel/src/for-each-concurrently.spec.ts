import { describe, expect, it } from '@jest/globals';
import { forEachConcurrently } from './for-each-concurrently.js';

describe('forEachConcurrently', () => {
  it('works through every item with no more than the limit in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      done.push(n);
      inFlight--;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('rejects with the first error and starts nothing after it', async () => {
    const started: number[] = [];
    const run = forEachConcurrently([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('two failed');
    });
    await expect(run).rejects.toThrow('two failed');
    expect(started).toEqual([1, 2]);
  });

  it('does nothing for no items', async () => {
    await expect(forEachConcurrently([], 4, async () => undefined)).resolves.toBeUndefined();
  });
});
