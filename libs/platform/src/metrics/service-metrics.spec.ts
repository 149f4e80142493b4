import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { register } from 'prom-client';
import type { PartitionLag, PartitionOffsets } from '@cpor/messaging';
import { OVERDUE_AFTER_MS, ServiceMetrics, type ConsumerOffsets } from './service-metrics.js';

// A service's refreshed gauges with fake store and broker reads, scraped from prom-client's default registry.

Logger.overrideLogger(false);

/** The sample lines of one metric in a scrape. */
async function samples(name: string): Promise<string[]> {
  return (await register.getSingleMetricAsString(name)).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

function fakeBroker(lag: PartitionLag[], offsets: Record<string, PartitionOffsets[]>): ConsumerOffsets & { calls: number } {
  const broker = {
    calls: 0,
    consumerLag: async (group: string, topics?: string[]) => {
      broker.calls++;
      expect(group).toBe('review');
      expect(topics).toEqual(['cpor.claim-events.v1']);
      return lag;
    },
    topicOffsets: async (topic: string) => offsets[topic] ?? null,
  };
  return broker;
}

describe('ServiceMetrics', () => {
  it("shows the group's lag per partition and its dead letters, by logical topic", async () => {
    const metrics = new ServiceMetrics('review');
    const broker = fakeBroker(
      [
        { topic: 'e2e-x.cpor.claim-events.v1', partition: 0, committedOffset: '10', logEndOffset: '12', lag: 2 },
        { topic: 'e2e-x.cpor.claim-events.v1', partition: 1, committedOffset: null, logEndOffset: '3', lag: 3 },
      ],
      {
        'cpor.claim-events.v1.review.dlq': [{ partition: 0, low: '0', high: '4' }],
        'cpor.claim-events.v1.review.dlq.actions': [{ partition: 0, low: '0', high: '1' }],
      },
    );
    metrics.watchConsumer(broker, { topicPrefix: 'e2e-x.' }, 'review', ['cpor.claim-events.v1']);

    expect(await samples('cpor_consumer_lag')).toEqual([
      'cpor_consumer_lag{group="review",topic="cpor.claim-events.v1",partition="0"} 2',
      'cpor_consumer_lag{group="review",topic="cpor.claim-events.v1",partition="1"} 3',
    ]);
    expect(await samples('cpor_dead_letters')).toEqual(['cpor_dead_letters{group="review",topic="cpor.claim-events.v1"} 4']);
    expect(await samples('cpor_dead_letters_unhandled')).toEqual(['cpor_dead_letters_unhandled{group="review",topic="cpor.claim-events.v1"} 3']);
    // One scrape reads the three gauges from one broker round: not one each.
    expect(broker.calls).toBe(1);
    await metrics.onApplicationShutdown();
  });

  it('shows the outbox backlog and the age of its oldest row on the clock that stamped it', async () => {
    const metrics = new ServiceMetrics('intake');
    const now = new Date('2026-03-02T12:00:00Z');
    let backlog = { pending: 3, oldestAt: new Date('2026-03-02T11:59:15Z') as Date | null };
    let monotonic = 0;
    const withClock = new ServiceMetrics('consent', { now: () => monotonic });
    metrics.watchOutbox(async () => backlog, { now: () => now });
    withClock.watchOutbox(async () => backlog, { now: () => now });
    expect(await samples('cpor_outbox_pending')).toEqual(['cpor_outbox_pending{service="intake"} 3', 'cpor_outbox_pending{service="consent"} 3']);
    expect(await samples('cpor_outbox_oldest_age_seconds')).toContain('cpor_outbox_oldest_age_seconds{service="intake"} 45');

    backlog = { pending: 0, oldestAt: null };
    // Within the store interval the cached values stay; after it, the new ones show.
    expect(await samples('cpor_outbox_pending')).toContain('cpor_outbox_pending{service="consent"} 3');
    monotonic = 30_000;
    expect(await samples('cpor_outbox_pending')).toContain('cpor_outbox_pending{service="consent"} 0');
    expect(await samples('cpor_outbox_oldest_age_seconds')).toContain('cpor_outbox_oldest_age_seconds{service="consent"} 0');
    await metrics.onApplicationShutdown();
    await withClock.onApplicationShutdown();
  });

  it('shows pending, due and overdue deadlines per kind, asking the store with the overdue threshold and the kinds', async () => {
    const metrics = new ServiceMetrics('review');
    const asked: unknown[] = [];
    metrics.watchDeadlines(
      {
        pendingSummary: async (overdueAfterMs, kinds) => {
          asked.push([overdueAfterMs, kinds]);
          return [
            { kind: 'decision', pending: 4, due: 2, overdue: 1 },
            { kind: 'review-start', pending: 0, due: 0, overdue: 0 },
          ];
        },
      },
      ['decision', 'review-start'],
    );
    expect(await samples('cpor_deadlines_overdue')).toEqual(['cpor_deadlines_overdue{service="review",kind="decision"} 1', 'cpor_deadlines_overdue{service="review",kind="review-start"} 0']);
    expect(await samples('cpor_deadlines_due')).toContain('cpor_deadlines_due{service="review",kind="decision"} 2');
    expect(await samples('cpor_deadlines_pending')).toContain('cpor_deadlines_pending{service="review",kind="decision"} 4');
    expect(asked).toEqual([[OVERDUE_AFTER_MS, ['decision', 'review-start']]]);
    await metrics.onApplicationShutdown();
  });

  it('shows the queued emails and those retrying', async () => {
    const metrics = new ServiceMetrics('notifications');
    metrics.watchDeliveries({ queueCounts: async () => ({ queued: 5, retrying: 2 }) });
    expect(await samples('cpor_notifications_queued')).toEqual(['cpor_notifications_queued{service="notifications"} 5']);
    expect(await samples('cpor_notifications_retrying')).toEqual(['cpor_notifications_retrying{service="notifications"} 2']);
    await metrics.onApplicationShutdown();
  });

  it('keeps the previous values when a refresh fails and counts the failure', async () => {
    let monotonic = 0;
    let fail = false;
    const metrics = new ServiceMetrics('notifications', { now: () => monotonic });
    metrics.watchDeliveries({
      queueCounts: async () => {
        if (fail) throw new Error('store unreachable');
        return { queued: 1, retrying: 0 };
      },
    });
    expect(await samples('cpor_notifications_queued')).toEqual(['cpor_notifications_queued{service="notifications"} 1']);
    fail = true;
    monotonic = 30_000;
    expect(await samples('cpor_notifications_queued')).toEqual(['cpor_notifications_queued{service="notifications"} 1']);
    expect(await samples('cpor_metrics_refresh_failures_total')).toEqual(['cpor_metrics_refresh_failures_total{service="notifications",source="deliveries"} 1']);
    await metrics.onApplicationShutdown();
  });

  it('on shutdown, lets a broker refresh in flight finish without starting new requests, then closes the admin', async () => {
    const metrics = new ServiceMetrics('review', { waitMs: 10 });
    const events: string[] = [];
    let release!: () => void;
    const broker: ConsumerOffsets = {
      consumerLag: async () => {
        events.push('lag asked');
        await new Promise<void>((resolve) => (release = resolve));
        events.push('lag answered');
        return [];
      },
      topicOffsets: async () => {
        events.push('offsets asked');
        return null;
      },
    };
    metrics.watchConsumer(broker, { topicPrefix: '' }, 'review', ['cpor.claim-events.v1']);
    metrics.onClose(async () => void events.push('admin closed'));
    await samples('cpor_consumer_lag'); // starts the refresh; the scrape gives up waiting after 10 ms
    const stopping = metrics.onApplicationShutdown();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual(['lag asked']);
    release();
    await stopping;
    // The refresh went on to the dead letters after the stop: refused, so the admin is not used again.
    expect(events).toEqual(['lag asked', 'lag answered', 'admin closed']);
    expect((await samples('cpor_metrics_refresh_failures_total')).filter((line) => line.includes('source="consumer"'))).toEqual([]);
  });

  it("on shutdown, removes the service's values and runs its closers; watching afterwards does nothing", async () => {
    const metrics = new ServiceMetrics('consent');
    let closed = 0;
    metrics.onClose(async () => void closed++);
    metrics.watchDeliveries({ queueCounts: async () => ({ queued: 1, retrying: 1 }) });
    expect(await samples('cpor_notifications_queued')).toEqual(['cpor_notifications_queued{service="consent"} 1']);
    await metrics.onApplicationShutdown();
    expect(closed).toBe(1);
    expect(await samples('cpor_notifications_queued')).toEqual([]);
    metrics.watchDeliveries({ queueCounts: async () => ({ queued: 1, retrying: 1 }) });
    expect(await samples('cpor_notifications_queued')).toEqual([]);
  });
});
