import { RpcException } from '@nestjs/microservices';

/**
 * How often a handler is tried before its record goes to the dead-letter topic, and how long to
 * wait between tries. Declared beside the handler:
 * `@EventPattern(EVENT_TYPES.approved, { retry: { maxAttempts: 8, backoffMs: 500 } })`.
 */
export interface RetryPolicy {
  /** Total attempts including the first one. */
  maxAttempts: number;
  /** Wait after the first failure; doubles after each further failure up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, backoffMs: 100, maxBackoffMs: 5_000 };

/** The `@EventPattern` extras this transport reads. */
export interface KafkaHandlerExtras {
  retry?: Partial<RetryPolicy>;
}

/** Handler policy over transport defaults; nonsense values fall back to the defaults. */
export function resolveRetryPolicy(extras: Record<string, unknown> | undefined, defaults: RetryPolicy = DEFAULT_RETRY_POLICY): RetryPolicy {
  const declared = ((extras as KafkaHandlerExtras | undefined)?.retry ?? {}) as Partial<RetryPolicy>;
  const pick = (value: unknown, fallback: number, min: number) =>
    typeof value === 'number' && Number.isFinite(value) && value >= min ? Math.floor(value) : fallback;
  return {
    maxAttempts: pick(declared.maxAttempts, defaults.maxAttempts, 1),
    backoffMs: pick(declared.backoffMs, defaults.backoffMs, 0),
    maxBackoffMs: pick(declared.maxBackoffMs, defaults.maxBackoffMs, 0),
  };
}

/** Wait before the next attempt, after `failedAttempts` failures (1 = after the first failure). */
export function backoffDelay(policy: RetryPolicy, failedAttempts: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(policy.backoffMs * 2 ** exponent, policy.maxBackoffMs);
}

/**
 * Throw this from a handler when retrying cannot help (a payload that will never be valid, a
 * rule the record breaks for good): the record goes straight to the dead-letter topic.
 * It is an RpcException so its marker survives Nest's default exception filter, which turns any
 * other error into a generic `{ status: 'error', message: 'Internal server error' }`.
 */
export class NonRetryableError extends RpcException {
  constructor(message: string) {
    super({ status: 'error', message, nonRetryable: true });
    this.name = 'NonRetryableError';
  }
}

export function isNonRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError) return true;
  return typeof error === 'object' && error !== null && (error as { nonRetryable?: unknown }).nonRetryable === true;
}

const TRANSIENT_ERROR_NAMES =
  /^(Mongo(Network|NetworkTimeout|ServerSelection|NotConnected|PoolCleared|TopologyClosed)Error|MongooseServerSelectionError|KafkaJS(Connection|RequestTimeout|BrokerNotFound|NumberOfRetriesExceeded|Timeout)Error)$/;
const TRANSIENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);
/** The store is there but busy: SQLite's lock (FerretDB on SQLite under write load), PostgreSQL's lock and connection limits. */
const TRANSIENT_STORE_MESSAGES = /SQLITE_BUSY|SQLITE_LOCKED|database is locked|deadlock detected|could not serialize access|too many clients|canceling statement due to (lock|statement) timeout|operation exceeded time limit/i;

/**
 * An outage of what the handler depends on (the store or the broker unreachable or busy)
 * says nothing about the record. Dead-lettering it after a few quick attempts
 * would turn a short outage into lost effects, so such records are retried, with the capped
 * backoff, for as long as the outage lasts (the partition waits; nothing is skipped).
 * Errors can also opt in with `transient: true`.
 */
export function isTransient(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as { name?: unknown; code?: unknown; transient?: unknown; cause?: unknown };
    if (candidate.transient === true) return true;
    if (typeof candidate.name === 'string' && TRANSIENT_ERROR_NAMES.test(candidate.name)) return true;
    if (typeof candidate.code === 'string' && TRANSIENT_ERROR_CODES.has(candidate.code)) return true;
    if (typeof (current as { message?: unknown }).message === 'string' && TRANSIENT_STORE_MESSAGES.test((current as { message: string }).message)) return true;
    current = candidate.cause;
  }
  return false;
}

/** One line of error text for logs and the `dlq_error` header. */
export function describeError(error: unknown, maxLength = 1_000): string {
  let text: string;
  if (error instanceof Error) text = `${error.name}: ${error.message}`;
  else if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    text = (error as { message: string }).message;
  } else text = String(error);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export type AttemptOutcome =
  | { status: 'handled'; attempts: number }
  /** Attempts ran out (for an error that is not transient), or the error was non-retryable: dead-letter the record. */
  | { status: 'failed'; attempts: number; error: unknown }
  /** The consumer is stopping or the partition was revoked/seeked: leave the record unresolved. */
  | { status: 'aborted'; attempts: number; error: unknown };

export interface AttemptHooks {
  /** Waits between attempts (the transport heartbeats while it waits; a rebalance error thrown here propagates). */
  sleep(ms: number): Promise<void>;
  /** False when the consumer stops or the partition moves: stop retrying. */
  shouldContinue(): boolean;
  onFailure?(error: unknown, attempt: number): void;
}

/** Runs `attempt` under `policy`. Handler errors become outcomes; only `hooks.sleep` errors propagate. */
export async function runWithRetries(attempt: (attemptNumber: number) => Promise<void>, policy: RetryPolicy, hooks: AttemptHooks): Promise<AttemptOutcome> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      await attempt(attemptNumber);
      return { status: 'handled', attempts: attemptNumber };
    } catch (error) {
      hooks.onFailure?.(error, attemptNumber);
      if (isNonRetryable(error) || (attemptNumber >= policy.maxAttempts && !isTransient(error))) {
        return { status: 'failed', attempts: attemptNumber, error };
      }
      if (!hooks.shouldContinue()) return { status: 'aborted', attempts: attemptNumber, error };
      await hooks.sleep(backoffDelay(policy, attemptNumber));
      if (!hooks.shouldContinue()) return { status: 'aborted', attempts: attemptNumber, error };
    }
  }
}
