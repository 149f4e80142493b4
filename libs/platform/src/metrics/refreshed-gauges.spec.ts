import { describe, expect, it } from '@jest/globals';
import { register } from 'prom-client';
import { addGaugeSource, CachedReading, refreshedGauge } from './refreshed-gauges.js';

// Cached, scrape-driven computations with a fake monotonic clock; gauges read on prom-client's default registry.

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('CachedReading', () => {
  it('computes on the first read, then at most once per interval, only when read', async () => {
    let now = 0;
    let computed = 0;
    const reading = new CachedReading(async () => ++computed, { intervalMs: 30_000, waitMs: 1_000, now: () => now });
    expect(computed).toBe(0);
    expect(await reading.read()).toBe(1);
    now = 29_999;
    expect(await reading.read()).toBe(1);
    now = 30_000;
    expect(await reading.read()).toBe(2);
    now = 1_000_000; // a long idle time costs nothing until the next read
    expect(computed).toBe(2);
    expect(await reading.read()).toBe(3);
  });

  it('waits for a slow computation at most waitMs, answers with the previous value, and has one computation in flight', async () => {
    let now = 0;
    const answers = [deferred<string>(), deferred<string>()];
    let started = 0;
    const reading = new CachedReading(() => answers[started++]!.promise, { intervalMs: 10, waitMs: 20, now: () => now });
    const first = reading.read();
    answers[0]!.resolve('first');
    expect(await first).toBe('first');

    now = 100;
    expect(await reading.read()).toBe('first'); // the second computation is slow: the previous value after 20 ms
    now = 200;
    expect(await reading.read()).toBe('first'); // still in flight: not started again
    expect(started).toBe(2);
    answers[1]!.resolve('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await reading.read()).toBe('second');
  });

  it('keeps the previous value when a computation fails, and reports the error', async () => {
    let now = 0;
    const errors: unknown[] = [];
    let fail = false;
    const reading = new CachedReading(
      async () => {
        if (fail) throw new Error('store down');
        return 7;
      },
      { intervalMs: 10, waitMs: 100, now: () => now },
      (error) => errors.push(error),
    );
    expect(await reading.read()).toBe(7);
    fail = true;
    now = 10;
    expect(await reading.read()).toBe(7);
    expect(errors).toEqual([new Error('store down')]);
  });
});

describe('refreshedGauge', () => {
  it('shows what its sources give at each scrape; a removed source takes its values along', async () => {
    refreshedGauge('cpor_test_things', 'Things', ['service']);
    expect(refreshedGauge('cpor_test_things', 'Things', ['service'])).toBe(register.getSingleMetric('cpor_test_things'));
    let a = 1;
    const removeA = addGaugeSource({ gauges: new Set(['cpor_test_things']), read: async () => [{ gauge: 'cpor_test_things', labels: { service: 'a' }, value: a }] });
    addGaugeSource({ gauges: new Set(['cpor_test_things', 'cpor_test_other']), read: async () => [{ gauge: 'cpor_test_things', labels: { service: 'b' }, value: 2 }, { gauge: 'cpor_test_other', labels: {}, value: 9 }] });
    addGaugeSource({ gauges: new Set(['cpor_test_other']), read: async () => undefined });

    expect(await register.getSingleMetricAsString('cpor_test_things')).toContain('cpor_test_things{service="a"} 1\ncpor_test_things{service="b"} 2');
    a = 5;
    expect(await register.getSingleMetricAsString('cpor_test_things')).toContain('cpor_test_things{service="a"} 5');
    removeA();
    const text = await register.getSingleMetricAsString('cpor_test_things');
    expect(text).not.toContain('service="a"');
    expect(text).toContain('cpor_test_things{service="b"} 2');
  });
});
