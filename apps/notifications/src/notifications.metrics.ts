import { Counter, register } from 'prom-client';

/** Reuses a metric already in the default registry (tests build several senders in one process). */
function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames });
}

/** Served by the service's /metrics (prom-client default registry). */
export const notificationMetrics = {
  planned: counter('cpor_notifications_planned_total', 'Deliveries recorded (a replayed event records none)', ['template']),
  sent: counter('cpor_notifications_sent_total', 'Deliveries the SMTP server accepted', ['template']),
  failed: counter('cpor_notifications_failed_total', 'Send attempts that failed and will be retried', ['template']),
};
