import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { boundShutdown } from './service-bootstrap.js';

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
});
