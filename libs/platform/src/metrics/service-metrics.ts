import { Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { describeError, type Clock } from '@cpor/kernel';
import { deadLetterDepth, logicalTopicName, type MessagingAdmin, type MessagingConfig } from '@cpor/messaging';
import type { DeadlineSummary, OutboxBacklog } from '@cpor/persistence';
import { addGaugeSource, CachedReading, refreshedGauge, refreshFailures, waitAtMost, type GaugeReading } from './refreshed-gauges.js';

/**
 * How often the gauges that cost a query are refreshed, at most, and only while something scrapes:
 * the broker's offsets every 15 s, the store every 30 s (each refresh is one query per source,
 * on a filter the store pushes down: docs/performance.md). A scrape waits at most 2 s for a
 * refresh; after that it gets the previous values.
 */
export const METRICS_REFRESH = { brokerIntervalMs: 15_000, storeIntervalMs: 30_000, waitMs: 2_000 } as const;

/** How long a stopping service waits for a refresh in flight before closing the connections it uses. */
const SHUTDOWN_WAIT_MS = 5_000;

/** A deadline due for longer than this (business clock) is overdue: the poller should have fired it long since. */
export const OVERDUE_AFTER_MS = 60_000;

/** Names of the gauges refreshed from the broker and the store (counters and histograms are observed where things happen). */
export const GAUGES = {
  consumerLag: 'cpor_consumer_lag',
  deadLetters: 'cpor_dead_letters',
  deadLettersUnhandled: 'cpor_dead_letters_unhandled',
  outboxPending: 'cpor_outbox_pending',
  outboxOldestAge: 'cpor_outbox_oldest_age_seconds',
  deadlinesPending: 'cpor_deadlines_pending',
  deadlinesDue: 'cpor_deadlines_due',
  deadlinesOverdue: 'cpor_deadlines_overdue',
  emailsQueued: 'cpor_notifications_queued',
  emailsRetrying: 'cpor_notifications_retrying',
} as const;

refreshedGauge(GAUGES.consumerLag, "Records of a partition the consumer group has not committed yet (log end minus the group's committed offset), from the broker", ['group', 'topic', 'partition']);
refreshedGauge(GAUGES.deadLetters, "Records in the group's dead-letter topic of a source topic (<topic>.<group>.dlq), handled or not", ['group', 'topic']);
refreshedGauge(GAUGES.deadLettersUnhandled, 'Dead letters nobody has redriven or discarded yet (letters minus the decisions recorded on the .actions topic)', ['group', 'topic']);
refreshedGauge(GAUGES.outboxPending, 'Committed claim transitions whose events the relay has not published yet', ['service']);
refreshedGauge(GAUGES.outboxOldestAge, 'How long ago the oldest unpublished transition was committed (0 when none is pending)', ['service']);
refreshedGauge(GAUGES.deadlinesPending, "Deadlines scheduled and not yet fired or cancelled, by the owning service and the deadline's kind", ['service', 'kind']);
refreshedGauge(GAUGES.deadlinesDue, 'Pending deadlines whose due time has passed: the poller fires them within seconds', ['service', 'kind']);
refreshedGauge(GAUGES.deadlinesOverdue, `Pending deadlines due for more than ${OVERDUE_AFTER_MS / 1000} s: the poller is stopped, behind, or their firing keeps failing`, ['service', 'kind']);
refreshedGauge(GAUGES.emailsQueued, 'Emails recorded and not sent yet (due, or waiting for a retry)', ['service']);
refreshedGauge(GAUGES.emailsRetrying, 'Queued emails whose sending failed at least once', ['service']);

/** What the consumer source needs of the broker (MessagingAdmin, or a fake in tests). */
export type ConsumerOffsets = Pick<MessagingAdmin, 'consumerLag' | 'topicOffsets'>;

export interface ServiceMetricsOptions {
  brokerIntervalMs?: number;
  storeIntervalMs?: number;
  waitMs?: number;
  /** Monotonic milliseconds for the refresh intervals (tests). */
  now?: () => number;
}

/**
 * The gauges one service exposes beyond its counters and histograms, each refreshed from the store
 * or the broker at most every 15-30 s while scraped (see METRICS_REFRESH): its consumer group's lag
 * and dead letters, the outbox, and what the service itself adds (deadlines in review and consent,
 * queued emails in notifications). Values carry the service (or its group), so several services in
 * one process (the tests' systems) keep theirs apart; a stopped service's values disappear.
 */
export class ServiceMetrics implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly removals: Array<() => void> = [];
  private readonly closers: Array<() => Promise<void>> = [];
  private readonly readings: Array<CachedReading<GaugeReading[]>> = [];
  private closed = false;

  constructor(
    readonly service: string,
    private readonly options: ServiceMetricsOptions = {},
  ) {}

  /** Outbox backlog and the age of its oldest row (`read` is the relay's query; `clock` the one that stamped the rows). */
  watchOutbox(read: () => Promise<OutboxBacklog>, clock: Clock): void {
    this.watch('outbox', 'store', [GAUGES.outboxPending, GAUGES.outboxOldestAge], async () => {
      const backlog = await read();
      const age = backlog.oldestAt ? Math.max(0, (clock.now().getTime() - backlog.oldestAt.getTime()) / 1000) : 0;
      const labels = { service: this.service };
      return [
        { gauge: GAUGES.outboxPending, labels, value: backlog.pending },
        { gauge: GAUGES.outboxOldestAge, labels, value: age },
      ];
    });
  }

  /**
   * The group's lag on each partition of its topics and the depth of its dead-letter topics, from
   * the broker's offsets (no record is read). `config` names the physical topics the admin answers with.
   */
  watchConsumer(admin: ConsumerOffsets, config: Pick<MessagingConfig, 'topicPrefix'>, group: string, topics: readonly string[]): void {
    this.watch('consumer', 'broker', [GAUGES.consumerLag, GAUGES.deadLetters, GAUGES.deadLettersUnhandled], async () => {
      // Once the service stops, no new broker request starts (one would connect the admin again).
      const open = <T>(request: () => Promise<T>): Promise<T> => (this.closed ? Promise.reject(new Error('the service has stopped')) : request());
      const broker: ConsumerOffsets = { consumerLag: (...args) => open(() => admin.consumerLag(...args)), topicOffsets: (topic) => open(() => admin.topicOffsets(topic)) };
      const readings: GaugeReading[] = [];
      for (const row of await broker.consumerLag(group, [...topics])) {
        readings.push({ gauge: GAUGES.consumerLag, labels: { group, topic: logicalTopicName(config, row.topic), partition: String(row.partition) }, value: row.lag });
      }
      for (const topic of topics) {
        const depth = await deadLetterDepth(broker, topic, group);
        readings.push({ gauge: GAUGES.deadLetters, labels: { group, topic }, value: depth.letters });
        readings.push({ gauge: GAUGES.deadLettersUnhandled, labels: { group, topic }, value: depth.unhandled });
      }
      return readings;
    });
  }

  /** The service's pending, due and overdue deadlines per kind (`kinds` are shown even at 0). */
  watchDeadlines(store: { pendingSummary(overdueAfterMs: number, kinds?: readonly string[]): Promise<DeadlineSummary[]> }, kinds: readonly string[]): void {
    this.watch('deadlines', 'store', [GAUGES.deadlinesPending, GAUGES.deadlinesDue, GAUGES.deadlinesOverdue], async () =>
      (await store.pendingSummary(OVERDUE_AFTER_MS, kinds)).flatMap(({ kind, pending, due, overdue }) => {
        const labels = { service: this.service, kind };
        return [
          { gauge: GAUGES.deadlinesPending, labels, value: pending },
          { gauge: GAUGES.deadlinesDue, labels, value: due },
          { gauge: GAUGES.deadlinesOverdue, labels, value: overdue },
        ];
      }),
    );
  }

  /** Emails waiting to be sent, and those among them that failed at least once. */
  watchDeliveries(queue: { queueCounts(): Promise<{ queued: number; retrying: number }> }): void {
    this.watch('deliveries', 'store', [GAUGES.emailsQueued, GAUGES.emailsRetrying], async () => {
      const { queued, retrying } = await queue.queueCounts();
      const labels = { service: this.service };
      return [
        { gauge: GAUGES.emailsQueued, labels, value: queued },
        { gauge: GAUGES.emailsRetrying, labels, value: retrying },
      ];
    });
  }

  /** Runs `close` when the service stops (after its sources are removed): e.g. disconnecting the admin client. */
  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  /** The service's values leave the scrapes before its connections close (a refresh cut short is not a failure). */
  beforeApplicationShutdown(): void {
    this.closed = true;
    for (const remove of this.removals.splice(0)) remove();
  }

  /** Waits (a little) for refreshes in flight, then closes what the sources used. */
  async onApplicationShutdown(): Promise<void> {
    this.beforeApplicationShutdown();
    await waitAtMost(Promise.all(this.readings.splice(0).map((reading) => reading.idle())).then(() => undefined), SHUTDOWN_WAIT_MS);
    for (const close of this.closers.splice(0)) await close().catch(() => undefined);
  }

  private watch(source: string, from: 'store' | 'broker', gauges: readonly string[], compute: () => Promise<GaugeReading[]>): void {
    if (this.closed) return;
    const reading = new CachedReading(
      compute,
      {
        intervalMs: from === 'store' ? (this.options.storeIntervalMs ?? METRICS_REFRESH.storeIntervalMs) : (this.options.brokerIntervalMs ?? METRICS_REFRESH.brokerIntervalMs),
        waitMs: this.options.waitMs ?? METRICS_REFRESH.waitMs,
        ...(this.options.now ? { now: this.options.now } : {}),
      },
      (error) => {
        if (this.closed) return; // a refresh cut short by the shutdown
        refreshFailures.inc({ service: this.service, source });
        this.logger.warn(`refreshing the ${source} metrics of ${this.service} failed (the previous values stay): ${describeError(error)}`);
      },
    );
    this.readings.push(reading);
    this.removals.push(addGaugeSource({ gauges: new Set(gauges), read: () => reading.read() }));
  }
}
