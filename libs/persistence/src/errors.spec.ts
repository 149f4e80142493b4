import { describe, expect, it } from '@jest/globals';
import { mayHaveBeenApplied } from './errors.js';

const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('whether a failed write may have been applied', () => {
  it('yes when its connection broke after it was sent, also through a wrapper that keeps only the message', () => {
    expect(mayHaveBeenApplied(named('PoolClearedOnNetworkError', 'Connection to 127.0.0.1:27017 interrupted due to server monitor timeout'))).toBe(true);
    expect(mayHaveBeenApplied(named('MongoNetworkError', 'connection 4 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(mayHaveBeenApplied(named('MongoNetworkTimeoutError', 'connection 4 to 127.0.0.1:27017 timed out'))).toBe(true);
    expect(mayHaveBeenApplied(named('MongoBulkWriteError', 'connection 7 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(mayHaveBeenApplied(named('MongoServerError', 'wrapped', { cause: named('MongoNetworkError', 'read ECONNRESET') }))).toBe(true);
  });

  it('no when the driver sent nothing or the store answered with an error of its own', () => {
    expect(mayHaveBeenApplied(named('MongoNetworkError', 'connect ECONNREFUSED 127.0.0.1:27017', { beforeHandshake: true }))).toBe(false);
    expect(mayHaveBeenApplied(named('MongoServerSelectionError', 'Server selection timed out after 10000 ms'))).toBe(false);
    expect(mayHaveBeenApplied(named('MongoPoolClearedError', 'Connection pool for 127.0.0.1:27017 was cleared because another operation failed with: "x"'))).toBe(false);
    expect(mayHaveBeenApplied(named('MongoServerError', 'SQLITE_BUSY: database is locked', { code: 1 }))).toBe(false);
    expect(mayHaveBeenApplied(undefined)).toBe(false);
  });
});
