import { describe, expect, it } from '@jest/globals';
import { backoffDelay, DEFAULT_RETRY_POLICY, resolveRetryPolicy, runWithRetries, type RetryPolicy } from './retry-policy.js';
import { describeError, isNonRetryable, isTransient, NonRetryableError } from '@cpor/kernel';

describe('resolveRetryPolicy', () => {
  it('uses the transport defaults when the handler declares nothing', () => {
    expect(resolveRetryPolicy(undefined)).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({})).toEqual(DEFAULT_RETRY_POLICY);
  });

  it('lets @EventPattern extras override single fields', () => {
    expect(resolveRetryPolicy({ retry: { maxAttempts: 8 } })).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 8 });
    expect(resolveRetryPolicy({ retry: { backoffMs: 0 } }, { maxAttempts: 2, backoffMs: 50, maxBackoffMs: 1000 })).toEqual({
      maxAttempts: 2,
      backoffMs: 0,
      maxBackoffMs: 1000,
    });
  });

  it('ignores nonsense values', () => {
    expect(resolveRetryPolicy({ retry: { maxAttempts: 0, backoffMs: -1, maxBackoffMs: Number.NaN } })).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ retry: 'often' })).toEqual(DEFAULT_RETRY_POLICY);
  });
});

describe('backoffDelay', () => {
  const policy: RetryPolicy = { maxAttempts: 10, backoffMs: 100, maxBackoffMs: 5_000 };

  it('doubles after each failure and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((failed) => backoffDelay(policy, failed))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  it('is zero when the policy has no backoff', () => {
    expect(backoffDelay({ ...policy, backoffMs: 0 }, 3)).toBe(0);
  });
});

describe('NonRetryableError', () => {
  it('is recognised directly and after Nest turned it into its error object', () => {
    const error = new NonRetryableError('claim id is not a UUID');
    expect(isNonRetryable(error)).toBe(true);
    // Nest's default RPC filter rethrows RpcException.getError() as a plain object.
    expect(isNonRetryable(error.getError())).toBe(true);
    expect(describeError(error.getError())).toBe('claim id is not a UUID');
    expect(isNonRetryable(new Error('boom'))).toBe(false);
    expect(isNonRetryable({ status: 'error', message: 'Internal server error' })).toBe(false);
  });
});

describe('describeError', () => {
  it('names the error and truncates long messages', () => {
    expect(describeError(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeError('plain')).toBe('plain');
    expect(describeError(new Error('x'.repeat(50)), 10)).toHaveLength(10);
  });
});

describe('runWithRetries', () => {
  const policy: RetryPolicy = { maxAttempts: 4, backoffMs: 100, maxBackoffMs: 300 };

  function hooks(shouldContinue: () => boolean = () => true) {
    const sleeps: number[] = [];
    return { sleeps, hooks: { sleep: async (ms: number) => void sleeps.push(ms), shouldContinue } };
  }

  it('returns after the first success', async () => {
    const { sleeps, hooks: h } = hooks();
    const outcome = await runWithRetries(async () => undefined, policy, h);
    expect(outcome).toEqual({ status: 'handled', attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('retries with backoff until the handler succeeds', async () => {
    const { sleeps, hooks: h } = hooks();
    let calls = 0;
    const outcome = await runWithRetries(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`fail ${calls}`);
      },
      policy,
      h,
    );
    expect(outcome).toEqual({ status: 'handled', attempts: 3 });
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after maxAttempts and hands back the last error', async () => {
    const { sleeps, hooks: h } = hooks();
    const failures: number[] = [];
    const outcome = await runWithRetries(
      async (attempt) => {
        throw new Error(`fail ${attempt}`);
      },
      policy,
      { ...h, onFailure: (_error, attempt) => failures.push(attempt) },
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.attempts).toBe(4);
    expect(describeError((outcome as { error: unknown }).error)).toBe('Error: fail 4');
    expect(sleeps).toEqual([100, 200, 300]);
    expect(failures).toEqual([1, 2, 3, 4]);
  });

  it('keeps retrying past maxAttempts while the store or broker is unreachable, then handles the record', async () => {
    const { sleeps, hooks: h } = hooks();
    const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { name: 'MongoServerSelectionError' });
    let calls = 0;
    const outcome = await runWithRetries(
      async () => {
        calls++;
        if (calls < 9) throw outage;
      },
      policy,
      h,
    );
    expect(outcome).toEqual({ status: 'handled', attempts: 9 });
    expect(sleeps).toEqual([100, 200, 300, 300, 300, 300, 300, 300]);
  });

  it('does not retry a NonRetryableError', async () => {
    const { sleeps, hooks: h } = hooks();
    const outcome = await runWithRetries(async () => Promise.reject(new NonRetryableError('never valid')), policy, h);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it('aborts without a verdict when the consumer stops during retries', async () => {
    let running = true;
    const { hooks: h } = hooks(() => running);
    const outcome = await runWithRetries(
      async () => {
        running = false;
        throw new Error('store down');
      },
      policy,
      h,
    );
    expect(outcome).toMatchObject({ status: 'aborted', attempts: 1 });
  });

  it('lets a failing wait (a rebalance seen by the heartbeat) propagate', async () => {
    const rebalance = new Error('The group is rebalancing');
    await expect(
      runWithRetries(
        async () => {
          throw new Error('x');
        },
        policy,
        { sleep: () => Promise.reject(rebalance), shouldContinue: () => true },
      ),
    ).rejects.toBe(rebalance);
  });
});

describe('isTransient', () => {
  it('recognises store and broker outages, also as a cause, and errors that opt in', () => {
    expect(isTransient(Object.assign(new Error('x'), { name: 'MongoNetworkError' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(new Error('wrapped', { cause: Object.assign(new Error('x'), { name: 'MongooseServerSelectionError' }) }))).toBe(true);
    expect(isTransient(Object.assign(new Error('claim locked'), { transient: true }))).toBe(true);
  });

  it('treats a busy store as an outage: SQLite and PostgreSQL lock errors as FerretDB reports them', () => {
    expect(isTransient(Object.assign(new Error('SQLITE_BUSY: database is locked (5)'), { name: 'MongoServerError', code: 1 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('ERROR: deadlock detected (SQLSTATE 40P01)'), { name: 'MongoServerError' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('E11000 duplicate key error'), { name: 'MongoServerError', code: 11000 }))).toBe(false);
  });

  it('treats PostgreSQL down or restarting under a running FerretDB as an outage, as FerretDB reports it', () => {
    const ferret = (message: string) => Object.assign(new Error(message), { name: 'MongoServerError', code: 1 });
    expect(isTransient(ferret('failed to connect to `user=postgres database=ferretdb`: 127.0.0.1:5433 (127.0.0.1): dial error: dial tcp 127.0.0.1:5433: connect: connection refused'))).toBe(true);
    expect(isTransient(ferret('FATAL: terminating connection due to administrator command (SQLSTATE 57P01)'))).toBe(true);
    expect(isTransient(ferret('FATAL: the database system is starting up (SQLSTATE 57P03)'))).toBe(true);
    expect(isTransient(ferret('conn closed'))).toBe(true);
    expect(isTransient(ferret('invalid key: $where is not allowed'))).toBe(false);
  });

  it('treats a connection failure the driver wraps in a bulk write error (message only) as an outage', () => {
    const bulk = (message: string) => Object.assign(new Error(message), { name: 'MongoBulkWriteError', writeErrors: [] });
    expect(isTransient(bulk('connect ECONNREFUSED 127.0.0.1:27017'))).toBe(true);
    expect(isTransient(bulk('connection 12 to 127.0.0.1:27017 closed'))).toBe(true);
    expect(isTransient(bulk('Server selection timed out after 30000 ms'))).toBe(true);
    // The driver failing operations in flight when its health probe timed out (a slow store).
    expect(isTransient(bulk('Connection to 127.0.0.1:27017 interrupted due to server monitor timeout'))).toBe(true);
    expect(isTransient(Object.assign(new Error('Connection to 127.0.0.1:27017 interrupted due to server monitor timeout'), { name: 'PoolClearedOnNetworkError' }))).toBe(true);
    expect(isTransient(bulk('Document failed validation'))).toBe(false);
  });

  it("treats MongoDB's own step-down and shutdown errors as an outage, by code or by the driver's label", () => {
    expect(isTransient(Object.assign(new Error('not primary'), { name: 'MongoServerError', code: 10107 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('interrupted at shutdown'), { name: 'MongoServerError', code: 11600 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { name: 'MongoServerError', code: 2, errorLabels: ['RetryableWriteError'] }))).toBe(true);
    expect(isTransient(Object.assign(new Error('bad value'), { name: 'MongoServerError', code: 2, errorLabels: [] }))).toBe(false);
  });

  it('treats everything else as a fault of the record or the handler', () => {
    expect(isTransient(new Error('boom'))).toBe(false);
    expect(isTransient(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});
