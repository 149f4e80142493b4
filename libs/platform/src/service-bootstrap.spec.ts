import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { boundShutdown, checkServiceConfiguration, exitOnInvalidConfiguration } from './service-bootstrap.js';
import { configSchema, setting } from '@cpor/kernel';

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

describe('a bad configuration stops a service before it starts', () => {
  const own = configSchema({ OWN_LIMIT: setting.integer({ description: 'a setting of the service', default: 1, min: 1 }) });
  const options = { service: 'intake' as const, title: 't', description: 'd', configuration: [own] };

  it('checks the chassis, the store, Kafka and the service\'s own variables together', () => {
    expect(() => checkServiceConfiguration(options, {})).not.toThrow();
    expect(() => checkServiceConfiguration(options, { INTAKE_PORT: '30o1', MONGO_MAX_POOL_SIZE: '0', KAFKA_PARTITIONS: 'x', OWN_LIMIT: '-1' })).toThrow(
      new Error(
        [
          'Invalid configuration: INTAKE_PORT="30o1": expected an integer port 0-65535',
          'Invalid configuration: MONGO_MAX_POOL_SIZE="0": expected an integer >= 1',
          'Invalid configuration: KAFKA_PARTITIONS="x": expected an integer >= 1',
          'Invalid configuration: OWN_LIMIT="-1": expected an integer >= 1',
        ].join('\n'),
      ),
    );
  });

  it('prints the lines once, plainly, to stderr and exits with status 1', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      exitOnInvalidConfiguration(options, { SHUTDOWN_TIMEOUT_MS: '-5', JWT_SECRET: 'never-printed' });
      expect(stderr.mock.calls).toEqual([['Invalid configuration: SHUTDOWN_TIMEOUT_MS="-5": expected an integer number of milliseconds >= 1\n']]);
      expect(exit).toHaveBeenCalledWith(1);
      exit.mockClear();
      stderr.mockClear();
      exitOnInvalidConfiguration(options, {});
      expect(stderr).not.toHaveBeenCalled();
      expect(exit).not.toHaveBeenCalled();
    } finally {
      jest.restoreAllMocks();
    }
  });
});
