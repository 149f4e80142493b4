import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { MongoNetworkError, MongoNetworkTimeoutError, MongoServerSelectionError } from 'mongodb';
import { mayHaveBeenApplied } from './errors.js';

// The driver's own pool errors (not exported by the package): built as the pool builds them.
const { PoolClearedError, PoolClearedOnNetworkError } = createRequire(import.meta.url)('mongodb/lib/cmap/errors.js') as {
  PoolClearedError: new (pool: object) => Error;
  PoolClearedOnNetworkError: new (pool: object) => Error;
};
const pool = { address: '127.0.0.1:27017', serverError: new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed') };
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { syscall: 'connect', code: 'ECONNREFUSED' });
const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe('whether a failed write may have been applied', () => {
  it('yes when its connection broke after it was sent, also through a wrapper that keeps only the message', () => {
    expect(mayHaveBeenApplied(new PoolClearedOnNetworkError(pool))).toBe(true);
    expect(mayHaveBeenApplied(new MongoNetworkError('connection 4 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(mayHaveBeenApplied(new MongoNetworkTimeoutError('connection 4 to 127.0.0.1:27017 timed out'))).toBe(true);
    expect(mayHaveBeenApplied(named('MongoBulkWriteError', 'connection 7 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(mayHaveBeenApplied(named('MongoServerError', 'wrapped', { cause: new MongoNetworkError('read ECONNRESET') }))).toBe(true);
  });

  it('no when the driver sent nothing or the store answered with an error of its own', () => {
    // The pool paused after another operation's network error: that error is its cause, this write never left.
    expect(mayHaveBeenApplied(new PoolClearedError(pool))).toBe(false);
    expect(mayHaveBeenApplied(new MongoNetworkError('connect ECONNREFUSED 127.0.0.1:27017', { cause: refused }))).toBe(false);
    expect(mayHaveBeenApplied(new MongoNetworkError('Socket closed after 3 during connection establishment'))).toBe(false);
    expect(mayHaveBeenApplied(new MongoNetworkTimeoutError("Socket 'connect' timed out after 3000ms (connectTimeoutMS: 3000)"))).toBe(false);
    expect(mayHaveBeenApplied(new MongoServerSelectionError('Server selection timed out after 10000 ms', { type: 'Unknown', servers: new Map() } as never))).toBe(false);
    expect(mayHaveBeenApplied(named('MongoBulkWriteError', 'connect ECONNREFUSED 127.0.0.1:27017'))).toBe(false);
    expect(mayHaveBeenApplied(named('MongoServerError', 'SQLITE_BUSY: database is locked', { code: 1 }))).toBe(false);
    expect(mayHaveBeenApplied(undefined)).toBe(false);
  });
});
