import { Counter, Gauge, register } from 'prom-client';

/** Reuses a metric already in the default registry (a second transport in one process must not throw). */
function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

function gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
  return (register.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames });
}

/** Consumer metrics on prom-client's default registry (served by each service's /metrics). */
export const messagingMetrics = {
  processed: counter('cpor_messages_processed_total', 'Records a handler processed successfully', ['group', 'type']),
  failed: counter('cpor_messages_failed_total', 'Handler attempts that threw (each retry counts)', ['group', 'type']),
  deadLettered: counter('cpor_messages_dead_lettered_total', 'Records written to a dead-letter topic', ['group', 'topic']),
  skipped: counter('cpor_messages_skipped_total', 'Decodable records of a type this group has no handler for', ['group', 'type']),
  lag: gauge('cpor_consumer_lag', 'Records behind the log end, as seen by the consumer after each record', ['group', 'topic', 'partition']),
};
