import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LeaseHolder, type LeaseStore } from './leases.js';

/** A lease store whose lease is held by someone else until `free` is set; counts what it is asked. */
function fakeStore() {
  const store = {
    free: false,
    attempts: 0,
    renewals: 0,
    releases: 0,
    tryAcquire: async () => {
      store.attempts++;
      return store.free;
    },
    renew: async () => {
      store.renewals++;
      return store.free;
    },
    release: async () => {
      store.releases++;
    },
  };
  return store;
}

describe('LeaseHolder', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-03-02T09:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('standing by, asks the store at most once per recheck interval, then takes the lease once it is free', async () => {
    const store = fakeStore();
    const holder = new LeaseHolder(store as unknown as LeaseStore, 'relay', 30_000, 10_000, 1_000);

    expect(await holder.hold()).toBe(false);
    for (let nudge = 0; nudge < 50; nudge++) expect(await holder.hold()).toBe(false);
    expect(store.attempts).toBe(1);

    jest.advanceTimersByTime(999);
    expect(await holder.hold()).toBe(false);
    expect(store.attempts).toBe(1);

    store.free = true;
    jest.advanceTimersByTime(1);
    expect(await holder.hold()).toBe(true);
    expect(store.attempts).toBe(2);
  });

  it('holding, asks nothing until the lease is due for renewal, and after a release may take it again at once', async () => {
    const store = fakeStore();
    store.free = true;
    const holder = new LeaseHolder(store as unknown as LeaseStore, 'relay', 30_000, 10_000, 1_000);

    expect(await holder.hold()).toBe(true);
    jest.advanceTimersByTime(19_999);
    expect(await holder.hold()).toBe(true);
    expect(store.attempts).toBe(1);

    // Renewed by the next generation, not released and taken again (a generation is never reused).
    jest.advanceTimersByTime(1);
    expect(await holder.hold()).toBe(true);
    expect(store).toMatchObject({ attempts: 1, renewals: 1, releases: 0 });

    await holder.release();
    expect(await holder.hold()).toBe(true);
    expect(store).toMatchObject({ attempts: 2, renewals: 1, releases: 1 });
  });
});
