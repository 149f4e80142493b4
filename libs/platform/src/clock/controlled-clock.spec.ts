import type { BusinessClockRepository } from '@cpor/persistence';
import { loadServiceConfig } from '../service-config.js';
import { ControlledClock } from './controlled-clock.js';

/** The store's rows, as the repository keeps them: inserts only, the largest offset wins. */
function fakeStore(): BusinessClockRepository & { offsets: number[] } {
  const offsets: number[] = [];
  return {
    offsets,
    offsetMs: async () => Math.max(0, ...offsets),
    record: async (offsetMs: number) => void offsets.push(offsetMs),
  } as unknown as BusinessClockRepository & { offsets: number[] };
}

describe('the controlled business clock', () => {
  it('is refused with NODE_ENV=production, and CLOCK_CONTROL takes on or off only', () => {
    expect(loadServiceConfig('review', {}).clockControl).toBe(false);
    expect(loadServiceConfig('review', { CLOCK_CONTROL: 'on', NODE_ENV: 'development' }).clockControl).toBe(true);
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), CONSENT_LINK_SECRET: 'y'.repeat(32) };
    expect(loadServiceConfig('review', production).clockControl).toBe(false);
    expect(() => loadServiceConfig('review', { ...production, CLOCK_CONTROL: 'on' })).toThrow('CLOCK_CONTROL=on is refused with NODE_ENV=production');
    expect(() => loadServiceConfig('review', { CLOCK_CONTROL: 'yes' })).toThrow(/CLOCK_CONTROL="yes"/);
  });

  it('moves forward by a duration or to an instant, never back, and tells its listeners', async () => {
    const store = fakeStore();
    const clock = new ControlledClock(store);
    await clock.refresh();
    let moves = 0;
    clock.onMove(() => moves++);
    const start = clock.now().getTime();

    const week = clock.plan({ by: 'P7D' });
    expect(week.ok).toBe(true);
    await clock.move((week as { offsetMs: number }).offsetMs, 'operator');
    expect(clock.now().getTime() - start).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect(moves).toBe(1);

    expect(clock.plan({ to: new Date(start).toISOString() })).toEqual({ ok: false, problem: expect.stringContaining('only moves forward') });
    expect(clock.plan({ by: '-PT1H' })).toEqual({ ok: false, problem: expect.stringContaining('only moves forward') });
    expect(clock.plan({ by: 'soon' })).toEqual({ ok: false, problem: expect.stringContaining('ISO 8601 duration') });
    expect(clock.plan({})).toEqual({ ok: false, problem: expect.stringContaining('exactly one') });
  });

  it('refuses a move so far ahead that no Date could hold the business time, and ignores one recorded before', async () => {
    const store = fakeStore();
    const clock = new ControlledClock(store);
    expect(clock.plan({ by: 'P999999Y' })).toEqual({ ok: false, problem: 'the business clock runs at most 10 years ahead of the wall clock' });
    expect(clock.plan({ to: '+275760-09-13T00:00:00Z' })).toEqual({ ok: false, problem: 'the business clock runs at most 10 years ahead of the wall clock' });
    expect(clock.plan({ by: 'P5Y' }).ok).toBe(true);
    store.offsets.push(Number.MAX_VALUE);
    await clock.refresh();
    expect(clock.offsetMs).toBe(0);
    expect(Number.isNaN(clock.now().getTime())).toBe(false);
  });

  it('takes a larger offset another service recorded, and ignores a smaller one (concurrent moves cannot set it back)', async () => {
    const store = fakeStore();
    const here = new ControlledClock(store);
    const there = new ControlledClock(store);
    await there.move(5 * 86_400_000, 'a');
    await here.refresh();
    expect(here.offsetMs).toBe(5 * 86_400_000);
    store.offsets.push(86_400_000); // a smaller move landing later
    await here.refresh();
    expect(here.offsetMs).toBe(5 * 86_400_000);
  });
});
