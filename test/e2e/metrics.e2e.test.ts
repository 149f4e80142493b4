import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { EVENT_TYPES, TOPICS } from '@cpor/contracts';
import { leaseModel, openMongoConnection } from '@cpor/persistence';
import { SERVICE_NAMES } from '@cpor/platform';
import { http } from '../support/http.js';
import { TestKafkaClient } from '../support/kafka-client.js';
import { claimFields, LifecycleDriver } from '../support/lifecycle-driver.js';
import { startSystem, type RunningSystem } from '../support/system.js';
import { waitFor } from '../support/wait-for.js';

/**
 * GET /metrics of a running system after some traffic: a claim taken to consent, a claim left
 * waiting for review whose review-start deadline is made overdue, a record no consumer can decode,
 * a request no route matches. The histograms (handlers, HTTP) and the gauges read from the store
 * and the broker (consumer lag, dead letters, outbox, deadlines, queued emails) must be there with
 * plausible values. The five services share this process, so each one's /metrics shows every
 * service's series (told apart by their `service` or `group` label); each is scraped here once.
 * The store and broker gauges are refreshed at most every 15-30 s, hence the long waits.
 */

const tag = randomUUID().slice(0, 8);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function select(samples: Sample[], name: string, labels: Record<string, string | RegExp> = {}): Sample[] {
  return samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, want]) => (typeof want === 'string' ? sample.labels[key] === want : want.test(sample.labels[key] ?? ''))),
  );
}

const total = (samples: Sample[]) => samples.reduce((sum, sample) => sum + sample.value, 0);

describe('metrics at /metrics after traffic', () => {
  let system: RunningSystem;
  let kafka: TestKafkaClient;
  let driver: LifecycleDriver;
  let store: Connection;
  const blockingLease = `deadline-poller:review#${1_000_000_000}`;

  beforeAll(async () => {
    system = await startSystem();
    driver = new LifecycleDriver(system, `p-${tag}`);
    kafka = new TestKafkaClient(system.topicPrefix);
    await kafka.connect();
    store = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', system.mongoDb);
  });

  afterAll(async () => {
    await leaseModel(store).deleteOne({ _id: blockingLease }).exec().catch(() => undefined);
    await store?.close();
    await kafka?.disconnect();
    await system?.stop();
  });

  async function scrape(service: (typeof SERVICE_NAMES)[number]): Promise<Sample[]> {
    const response = await http('GET', `${system.urls[service]}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return parseExposition(response.text);
  }

  it('shows handler and HTTP latency histograms, consumer lag, dead letters, the outbox, due and overdue deadlines and the email queue', async () => {
    // Traffic: a claim through review to consent (events through every consumer, emails sent).
    const approved = await driver.approved(claimFields(`${tag}-approved`));
    await driver.waitForConsentRequested(approved.id);
    // A request no route matches.
    expect((await http('GET', `${system.urls.intake}/v1/nowhere/${approved.id}`)).status).toBe(404);
    // A record nobody can decode: each group reading the topic dead-letters it.
    await kafka.send(TOPICS.claimEvents, { key: `poison-${tag}`, value: '{oops' });

    // A claim left waiting for review, its review-start deadline made overdue while the review
    // service's deadline poller cannot take its lease (held, as if by a stuck instance).
    const waiting = await driver.submitted(claimFields(`${tag}-waiting`));
    const item = await driver.queueItem(waiting.id);
    await leaseModel(store).collection.insertOne({ _id: blockingLease, key: 'deadline-poller:review', generation: 1_000_000_000, until: new Date(Date.now() + 3_600_000) } as never);
    await new Promise((resolve) => setTimeout(resolve, 500)); // a poll round in flight ends and leaves the lease
    const delta = Date.parse(item.sla!.dueAt) - system.clock.now().getTime() + 5 * 60_000;
    if (delta > 0) system.clock.advance(delta);

    // The gauges follow within their refresh intervals (15 s broker, 30 s store).
    const samples = await waitFor(
      async () => {
        const scraped = await scrape('review');
        const ready =
          total(select(scraped, 'cpor_deadlines_overdue', { service: 'review', kind: 'review-start' })) >= 1 &&
          total(select(scraped, 'cpor_dead_letters', { group: 'notifications', topic: TOPICS.claimEvents })) >= 1 &&
          total(select(scraped, 'cpor_notifications_sent_total')) >= 1 &&
          select(scraped, 'cpor_consumer_lag', { group: 'eligibility' }).length > 0 &&
          select(scraped, 'cpor_consumer_lag').every((sample) => sample.value === 0);
        return ready ? scraped : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, message: 'the refreshed gauges to show the traffic' },
    );

    // Handler durations per group and type: every consumer handled the submitted claim's events.
    for (const group of ['review', 'notifications']) {
      const [count] = select(samples, 'cpor_handler_duration_seconds_count', { group, type: EVENT_TYPES.submitted, outcome: 'ok' });
      expect(count?.value).toBeGreaterThanOrEqual(1);
      const [sum] = select(samples, 'cpor_handler_duration_seconds_sum', { group, type: EVENT_TYPES.submitted, outcome: 'ok' });
      expect(sum!.value).toBeGreaterThan(0);
      expect(sum!.value).toBeLessThan(60 * count!.value);
      const inf = select(samples, 'cpor_handler_duration_seconds_bucket', { group, type: EVENT_TYPES.submitted, outcome: 'ok', le: '+Inf' });
      expect(inf[0]?.value).toBe(count!.value);
    }
    expect(select(samples, 'cpor_handler_duration_seconds_count', { group: 'consent', type: EVENT_TYPES.approved, outcome: 'ok' })[0]?.value).toBeGreaterThanOrEqual(1);

    // HTTP durations per route template and status class: never a claim id in a label.
    const created = select(samples, 'cpor_http_request_duration_seconds_count', { service: 'intake', method: 'POST', route: /^\/v1\/claims\/?$/, status_class: '2xx' });
    expect(total(created)).toBeGreaterThanOrEqual(2);
    expect(total(select(samples, 'cpor_http_request_duration_seconds_count', { service: 'review', method: 'POST', route: /^\/v1\/reviews\/:[A-Za-z]+\/approve$/, status_class: '2xx' }))).toBeGreaterThanOrEqual(1);
    expect(total(select(samples, 'cpor_http_request_duration_seconds_count', { service: 'intake', method: 'GET', route: 'unmatched', status_class: '4xx' }))).toBeGreaterThanOrEqual(1);
    const routes = select(samples, 'cpor_http_request_duration_seconds_count').map((sample) => sample.labels.route!);
    expect(routes.filter((route) => route.includes(approved.id) || route.includes(waiting.id))).toEqual([]);
    const [metricsSum] = select(samples, 'cpor_http_request_duration_seconds_sum', { service: 'intake', method: 'POST', route: /^\/v1\/claims\/?$/, status_class: '2xx' });
    expect(metricsSum!.value).toBeGreaterThan(0);

    // Consumer lag per group, topic and partition (the system is idle: nothing left to read).
    for (const group of ['intake', 'review', 'consent', 'eligibility', 'notifications']) {
      const lag = select(samples, 'cpor_consumer_lag', { group });
      expect(lag.length).toBeGreaterThan(0);
      for (const sample of lag) expect(sample.labels).toEqual({ group, topic: group === 'intake' ? TOPICS.claimRequests : TOPICS.claimEvents, partition: expect.stringMatching(/^\d+$/) });
    }

    // Dead letters: the undecodable record, once in each DLQ of the groups reading the topic, none handled yet.
    for (const group of ['review', 'consent', 'eligibility', 'notifications']) {
      expect(select(samples, 'cpor_dead_letters', { group, topic: TOPICS.claimEvents })[0]?.value).toBe(1);
      expect(select(samples, 'cpor_dead_letters_unhandled', { group, topic: TOPICS.claimEvents })[0]?.value).toBe(1);
    }
    expect(select(samples, 'cpor_dead_letters', { group: 'intake', topic: TOPICS.claimRequests })[0]?.value).toBe(0);

    // The outbox, from every service (one collection): a count and an age, 0 when nothing waits.
    for (const service of SERVICE_NAMES) {
      const [pending] = select(samples, 'cpor_outbox_pending', { service });
      const [age] = select(samples, 'cpor_outbox_oldest_age_seconds', { service });
      expect(pending?.value).toBeGreaterThanOrEqual(0);
      expect(age?.value).toBeGreaterThanOrEqual(0);
      if (pending!.value === 0) expect(age!.value).toBe(0);
    }

    // Deadlines: the waiting claim's review-start deadline is pending, due and overdue; every review kind is listed.
    for (const name of ['cpor_deadlines_pending', 'cpor_deadlines_due', 'cpor_deadlines_overdue']) {
      expect(select(samples, name, { service: 'review', kind: 'review-start' })[0]?.value).toBeGreaterThanOrEqual(1);
      expect(select(samples, name, { service: 'review' }).map((sample) => sample.labels.kind).sort()).toEqual(['decision', 'dispute-answer', 'partner-response', 'review-start']);
    }
    expect(select(samples, 'cpor_deadlines_pending', { service: 'consent', kind: 'consent-window' })).toHaveLength(1);

    // Emails: sent ones counted by template, the queue shown (what is left of it).
    const [queued] = select(samples, 'cpor_notifications_queued', { service: 'notifications' });
    const [retrying] = select(samples, 'cpor_notifications_retrying', { service: 'notifications' });
    expect(queued?.value).toBeGreaterThanOrEqual(0);
    expect(retrying?.value).toBeGreaterThanOrEqual(0);
    expect(retrying!.value).toBeLessThanOrEqual(queued!.value);
    expect(total(select(samples, 'cpor_notifications_sent_total', { template: 'claim-submitted' }))).toBeGreaterThanOrEqual(1);

    // Nothing failed to refresh.
    expect(total(select(samples, 'cpor_metrics_refresh_failures_total'))).toBe(0);

    // Let the poller have its lease back: the overdue deadline fires and leaves the gauges.
    await leaseModel(store).deleteOne({ _id: blockingLease }).exec();
  });
});
