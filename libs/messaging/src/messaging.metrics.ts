import { Counter, Histogram, register } from 'prom-client';

/** Reuses a metric already in the default registry (a second transport in one process must not throw). */
function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

function histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
  return (register.getSingleMetric(name) as Histogram<L> | undefined) ?? new Histogram({ name, help, labelNames, buckets });
}

/**
 * Seconds. Handlers write to the store (a ledger transition is up to 3 round trips, FerretDB answers in
 * milliseconds to seconds under load) and some wait on SMTP, so the buckets reach 30 s.
 */
export const HANDLER_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Consumer metrics on prom-client's default registry (served by each service's /metrics). The
 * consumer lag and dead-letter depth are read from the broker by the service's metrics
 * (libs/platform, metrics), not here.
 */
export const messagingMetrics = {
  processed: counter('cpor_messages_processed_total', 'Records a handler processed successfully', ['group', 'type']),
  failed: counter('cpor_messages_failed_total', 'Handler attempts that threw (each retry counts)', ['group', 'type']),
  deadLettered: counter('cpor_messages_dead_lettered_total', 'Records written to a dead-letter topic', ['group', 'topic']),
  skipped: counter('cpor_messages_skipped_total', 'Decodable records of a type this group has no handler for', ['group', 'type']),
  handlerDuration: histogram(
    'cpor_handler_duration_seconds',
    'Time one handler attempt took for a record, by consumer group, record type and outcome (ok, error); backoff between attempts is not counted',
    ['group', 'type', 'outcome'],
    HANDLER_DURATION_BUCKETS,
  ),
};

/** Runs one handler attempt and observes its duration in `cpor_handler_duration_seconds` (outcome ok or error). */
export async function observeHandler<T>(group: string, type: string, attempt: () => Promise<T>): Promise<T> {
  const stop = messagingMetrics.handlerDuration.startTimer({ group, type });
  try {
    const result = await attempt();
    stop({ outcome: 'ok' });
    return result;
  } catch (error) {
    stop({ outcome: 'error' });
    throw error;
  }
}
