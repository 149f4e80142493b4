import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SystemClock } from '@cpor/kernel';
import { ServiceLifecycle } from './service-core.module.js';
import type { ServiceConfig } from './service-config.js';
import { boundShutdown } from './shutdown-bound.js';

describe('a stop on SIGTERM is bounded', () => {
  it('exits with status 1 when the graceful stop outlasts SHUTDOWN_TIMEOUT_MS, not before', () => {
    jest.useFakeTimers();
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const before = { term: process.listeners('SIGTERM'), int: process.listeners('SIGINT') };
    try {
      boundShutdown('intake', 30_000);
      process.emit('SIGTERM');
      jest.advanceTimersByTime(29_999);
      expect(exit).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const keep = signal === 'SIGTERM' ? before.term : before.int;
        for (const listener of process.listeners(signal)) if (!keep.includes(listener)) process.removeListener(signal, listener);
      }
      jest.restoreAllMocks();
      jest.useRealTimers();
    }
  });

  it('leaves no signal listener behind once removed (a service closed without a signal)', () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const removes = ['intake', 'review', 'consent'].map((service) => boundShutdown(service, 30_000));
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 3);
    expect(process.listenerCount('SIGINT')).toBe(before.int + 3);
    for (const remove of removes) remove();
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
  });
});

describe('a service takes its shutdown bound with it when it closes', () => {
  it('adds the bound when the app starts and removes it when the app shuts down, signal or not', async () => {
    const relay = { start: jest.fn(), stop: jest.fn(async () => undefined), relayOnce: jest.fn(async () => undefined) };
    const publisher = { disconnect: jest.fn(async () => undefined) };
    const connection = { close: jest.fn(async () => undefined) };
    const config = { service: 'review', shutdownTimeoutMs: 30_000 } as ServiceConfig;
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    for (let round = 0; round < 3; round++) {
      const lifecycle = new ServiceLifecycle(relay as never, publisher as never, connection as never, new SystemClock(), config);
      lifecycle.onApplicationBootstrap();
      expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
      expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
      await lifecycle.onApplicationShutdown();
      expect(process.listenerCount('SIGTERM')).toBe(before.term);
      expect(process.listenerCount('SIGINT')).toBe(before.int);
    }
    expect(connection.close).toHaveBeenCalledTimes(3);
  });
});
