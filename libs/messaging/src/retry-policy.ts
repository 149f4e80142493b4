import { isNonRetryable, isTransient } from '@cpor/kernel';

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
