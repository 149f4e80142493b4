import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { toKafkaMessage, type CloudEvent } from '@cpor/contracts';
import type { RawPublishRecord } from './kafka-publisher.js';
import { KafkaEventContext } from './kafka-event-context.js';
import { isRecordTooLarge, KafkaTransport } from './kafka-transport.js';
import { messagingMetrics } from './messaging.metrics.js';
import { NonRetryableError, requestContext, type RequestContext } from '@cpor/kernel';
import { KafkaJSNonRetriableError, KafkaJSProtocolError, logLevel } from 'kafkajs';
import { kafkajsLogCreator } from './kafka-client.js';
import { unmatchedOn, type UnmatchedRecord } from './routing.js';

// The consumer loop with a fake kafkajs batch and a fake publisher: no broker involved.

const LOGICAL = 'cpor.claim-events.v1';
const PHYSICAL = `p.${LOGICAL}`;

function record(offset: number, type: string, subject = 'claim-1') {
  const event: CloudEvent = { id: `evt-${offset}`, type, source: '/test', subject, time: '2020-06-01T00:00:00Z', data: { offset } };
  const message = toKafkaMessage(event);
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(message.headers)) headers[name] = Buffer.from(value);
  return { key: Buffer.from(message.key), value: message.value, headers, offset: String(offset), timestamp: '1591000000000', attributes: 0 };
}

function setUp(options: { running?: () => boolean } = {}) {
  const transport = new KafkaTransport({ config: { brokers: [], clientId: 'test', topicPrefix: 'p.' }, groupId: 'notifications', topics: [LOGICAL], backoffMs: 0 });
  const published: RawPublishRecord[] = [];
  Reflect.set(transport, 'publisher', { publishRaw: async (records: RawPublishRecord[]) => void published.push(...records) });
  const resolved: string[] = [];
  let heartbeats = 0;
  const consume = (messages: ReturnType<typeof record>[]) =>
    (transport as unknown as { consumeBatch(payload: unknown): Promise<void> }).consumeBatch({
      batch: { topic: PHYSICAL, partition: 2, highWatermark: String(messages.length), messages },
      resolveOffset: (offset: string) => void resolved.push(offset),
      heartbeat: async () => void heartbeats++,
      commitOffsetsIfNecessary: async () => undefined,
      isRunning: options.running ?? (() => true),
      isStale: () => false,
    });
  return { transport, published, resolved, consume, heartbeats: () => heartbeats };
}

/** Registers a handler the way Nest does: an async proxy with `extras`. */
function handle(transport: KafkaTransport, pattern: string, fn: (data: unknown, context: KafkaEventContext) => unknown, extras: Record<string, unknown> = {}) {
  transport.addHandler(pattern, async (data: unknown, context: KafkaEventContext) => fn(data, context), true, extras);
}

describe('KafkaTransport consumer loop', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('hands each record to the handler of its type, in offset order, then resolves it', async () => {
    const { transport, resolved, consume, heartbeats } = setUp();
    const calls: Array<{ id: string; topic: string; partition: number; offset: string; attempt: number }> = [];
    handle(transport, 'a.v1', (data, context) => {
      calls.push({ id: (data as CloudEvent).id, topic: context.topic, partition: context.partition, offset: context.offset, attempt: context.attempt });
    });
    await consume([record(0, 'a.v1'), record(1, 'a.v1')]);
    expect(calls).toEqual([
      { id: 'evt-0', topic: LOGICAL, partition: 2, offset: '0', attempt: 1 },
      { id: 'evt-1', topic: LOGICAL, partition: 2, offset: '1', attempt: 1 },
    ]);
    expect(resolved).toEqual(['0', '1']);
    expect(heartbeats()).toBe(2);
  });

  it('retries by the handler policy, dead-letters with source headers, then goes on', async () => {
    const { transport, resolved, consume, published } = setUp();
    let attempts = 0;
    handle(transport, 'poison.v1', () => Promise.reject(new Error(`attempt ${++attempts} failed`)), { retry: { maxAttempts: 2 } });
    handle(transport, 'a.v1', () => undefined);
    await consume([record(7, 'poison.v1'), record(8, 'a.v1')]);

    expect(attempts).toBe(2);
    expect(resolved).toEqual(['7', '8']);
    expect(published).toHaveLength(1);
    const [letter] = published;
    expect(letter.topic).toBe(`${LOGICAL}.notifications.dlq`); // logical: the publisher adds the prefix
    expect(letter.key?.toString()).toBe('claim-1');
    expect(letter.value?.toString()).toBe('{"offset":7}');
    expect(letter.headers).toMatchObject({
      ce_id: Buffer.from('evt-7'),
      dlq_source_topic: PHYSICAL,
      dlq_source_partition: '2',
      dlq_source_offset: '7',
      dlq_source_timestamp: '1591000000000',
      dlq_error: 'Error: attempt 2 failed',
      dlq_attempts: '2',
      dlq_group: 'notifications',
    });
    expect(Date.parse(letter.headers.dlq_failed_at as string)).not.toBeNaN();
  });

  it('dead-letters a NonRetryableError after one attempt', async () => {
    const { transport, consume, published } = setUp();
    let attempts = 0;
    handle(transport, 'bad.v1', () => {
      attempts++;
      throw new NonRetryableError('never valid');
    });
    await consume([record(0, 'bad.v1')]);
    expect(attempts).toBe(1);
    expect(published[0].headers).toMatchObject({ dlq_attempts: '1', dlq_error: 'NonRetryableError: never valid' });
  });

  it('writes a dead letter the broker refuses as too large again without its value (marked), rather than failing the batch on it for good', async () => {
    const { transport, resolved, consume, published } = setUp();
    // What kafkajs throws when the broker refuses the record: its protocol error, wrapped.
    const tooLarge = new KafkaJSProtocolError({ message: 'The request included a message larger than the max message size the server will accept', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as never);
    Reflect.set(transport, 'publisher', {
      publishRaw: async (records: RawPublishRecord[]) => {
        if (records.some((letter) => letter.value !== null)) throw Object.assign(new KafkaJSNonRetriableError(tooLarge), { cause: tooLarge });
        published.push(...records);
      },
    });
    handle(transport, 'poison.v1', () => Promise.reject(new NonRetryableError('never valid')));
    await consume([record(3, 'poison.v1')]);
    expect(resolved).toEqual(['3']);
    expect(published).toHaveLength(1);
    expect(published[0].value).toBeNull();
    expect(published[0].headers).toMatchObject({ dlq_source_offset: '3', dlq_value_dropped: expect.stringMatching(/source offset/) });
    expect(isRecordTooLarge(new Error('broker down'))).toBe(false);
  });

  it('leaves a failing record unresolved when the consumer stops during its retries', async () => {
    let running = true;
    const { transport, resolved, consume, published } = setUp({ running: () => running });
    handle(transport, 'a.v1', () => {
      running = false;
      throw new Error('store down');
    });
    await consume([record(0, 'a.v1'), record(1, 'a.v1')]);
    expect(resolved).toEqual([]);
    expect(published).toEqual([]);
  });

  it('skips types without a handler and dead-letters undecodable records', async () => {
    const { transport, resolved, consume, published } = setUp();
    handle(transport, 'a.v1', () => undefined);
    const broken = { ...record(1, 'a.v1'), value: Buffer.from('{oops') };
    await consume([record(0, 'other.v1'), broken]);
    expect(resolved).toEqual(['0', '1']);
    expect(published).toHaveLength(1);
    expect(published[0].headers).toMatchObject({ dlq_attempts: '0', dlq_error: 'undecodable record: value is not valid JSON' });
  });

  it('sends undecodable records to the unmatchedOn handler of the topic when there is one', async () => {
    const { transport, consume, published } = setUp();
    const unmatched: UnmatchedRecord[] = [];
    handle(transport, unmatchedOn(LOGICAL), (data) => void unmatched.push(data as UnmatchedRecord));
    await consume([{ ...record(0, 'a.v1'), value: Buffer.from('{oops') }]);
    expect(published).toEqual([]);
    expect(unmatched).toHaveLength(1);
    expect(unmatched[0]).toMatchObject({ raw: '{oops', errors: ['value is not valid JSON'], key: 'claim-1' });
  });

  it('observes each handler attempt in cpor_handler_duration_seconds by group, type and outcome', async () => {
    const { transport, consume } = setUp();
    const count = async (type: string, outcome: string) =>
      (await messagingMetrics.handlerDuration.get()).values.find(
        (value) => value.metricName === 'cpor_handler_duration_seconds_count' && value.labels.group === 'notifications' && value.labels.type === type && value.labels.outcome === outcome,
      )?.value ?? 0;
    const sum = async (type: string) =>
      (await messagingMetrics.handlerDuration.get()).values.find((value) => value.metricName === 'cpor_handler_duration_seconds_sum' && value.labels.type === type && value.labels.outcome === 'ok')?.value ?? 0;
    let attempts = 0;
    handle(transport, 'timed.v1', () => new Promise((resolve) => setTimeout(resolve, 20)));
    handle(transport, 'flaky.v1', () => (++attempts === 1 ? Promise.reject(new Error('once')) : undefined));
    await consume([record(0, 'timed.v1'), record(1, 'flaky.v1', 'claim-2')]);

    expect(await count('timed.v1', 'ok')).toBe(1);
    expect(await sum('timed.v1')).toBeGreaterThanOrEqual(0.015);
    expect(await count('flaky.v1', 'error')).toBe(1);
    expect(await count('flaky.v1', 'ok')).toBe(1);
  });

  it("handles each record in its own request context: the record's correlation and event ids, topic, partition, offset, claim", async () => {
    const { transport, consume } = setUp();
    const seen: Array<RequestContext | undefined> = [];
    handle(transport, 'a.v1', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(requestContext() && { ...requestContext() });
    });
    const claimId = '0b8c2a3e-1d4f-4a7b-9c2e-3f5a6b7c8d9e';
    const event = (id: string, extra: Partial<CloudEvent>): CloudEvent => ({ id, type: 'a.v1', source: '/test', subject: claimId, time: '2020-06-01T00:00:00Z', data: { claimId }, ...extra });
    const traced = toKafkaMessage(event('evt-1', { correlationId: 'corr-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    const plain = toKafkaMessage(event('evt-2', { data: { claimId: 'not a claim id' } }));
    const asRecord = (message: ReturnType<typeof toKafkaMessage>, offset: number) => ({
      key: Buffer.from(message.key),
      value: message.value,
      headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)])),
      offset: String(offset),
      timestamp: '1591000000000',
      attributes: 0,
    });
    await consume([asRecord(traced, 5), asRecord(plain, 6)]);
    expect(seen).toEqual([
      {
        origin: 'record',
        service: 'notifications',
        correlationId: 'corr-1',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        // Tracing off: the events the handler causes carry the record's traceparent on.
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        eventId: 'evt-1',
        topic: LOGICAL,
        partition: 2,
        offset: '5',
        claimId,
      },
      // No ce_correlationid: the record starts the chain; a claimId that is not one is not taken.
      { origin: 'record', service: 'notifications', correlationId: 'evt-2', eventId: 'evt-2', topic: LOGICAL, partition: 2, offset: '6' },
    ]);
    expect(requestContext()).toBeUndefined();
  });
});

describe('kafkajs log lines', () => {
  it('go to the Nest logger as one structured entry, with the ids and without the rest', () => {
    const entries: Array<[string, unknown]> = [];
    const logger = { error: (entry: unknown) => void entries.push(['error', entry]), warn: (entry: unknown) => void entries.push(['warn', entry]), debug: () => undefined };
    const log = kafkajsLogCreator(logger as never)(logLevel.WARN);
    log({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 'x', message: 'Crash', groupId: 'review', topic: 'p.t', partition: 1, error: new Error('gone'), payload: { big: true } } as never });
    log({ namespace: 'Connection', level: logLevel.WARN, label: 'WARN', log: { timestamp: 'x', message: 'slow', broker: '127.0.0.1:9092' } as never });
    expect(entries).toEqual([
      ['error', { msg: 'Crash', namespace: 'Consumer', groupId: 'review', kafkaTopic: 'p.t', kafkaPartition: 1, error: 'Error: gone' }],
      ['warn', { msg: 'slow', namespace: 'Connection', broker: '127.0.0.1:9092' }],
    ]);
  });
});

describe('KafkaTransport handlers against the subscription table', () => {
  const listen = (transport: KafkaTransport) =>
    new Promise<unknown>((resolve) => {
      Reflect.set(transport, 'start', async () => undefined); // no broker: only the check before it runs
      void transport.listen((error?: unknown) => resolve(error));
    });
  const transport = (handledTypes: string[], patterns: string[]) => {
    const t = new KafkaTransport({ config: { brokers: [], clientId: 'test', topicPrefix: 'p.' }, groupId: 'review', topics: [LOGICAL], handledTypes });
    for (const pattern of patterns) handle(t, pattern, () => undefined);
    return t;
  };

  it('starts when the handlers cover exactly the listed types (an unmatchedOn handler aside)', async () => {
    expect(await listen(transport(['a.v1', 'b.v1'], ['a.v1', 'b.v1', unmatchedOn(LOGICAL)]))).toBeUndefined();
  });

  it('refuses to start on a listed type without a handler, or a handler for a type not listed', async () => {
    const missing = (await listen(transport(['a.v1', 'b.v1'], ['a.v1']))) as Error;
    expect(missing.message).toMatch(/no handler for: b\.v1; handled but not subscribed: none/);
    const unlisted = (await listen(transport(['a.v1'], ['a.v1', 'c.v1']))) as Error;
    expect(unlisted.message).toMatch(/no handler for: none; handled but not subscribed: c\.v1/);
  });
});

describe('KafkaTransport readiness: consuming means joined, not crashed, and heard from within the session timeout', () => {
  /** A consumer whose events the test emits (the kafkajs instrumentation event names). */
  function fakeConsumer() {
    const listeners = new Map<string, Array<(event: { payload: unknown }) => void>>();
    const events = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop', DISCONNECT: 'consumer.disconnect', FETCH_START: 'consumer.fetch_start', HEARTBEAT: 'consumer.heartbeat' };
    return {
      events,
      on: (name: string, listener: (event: { payload: unknown }) => void) => void listeners.set(name, [...(listeners.get(name) ?? []), listener]),
      emit: (name: string, payload: unknown = {}) => (listeners.get(name) ?? []).forEach((listener) => listener({ payload })),
      disconnect: async () => undefined,
    };
  }

  afterEach(() => void jest.useRealTimers());

  it('is not consuming before joining, consuming after, and not once silent longer than the session timeout', () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    const transport = new KafkaTransport({ config: { brokers: [], clientId: 'test', topicPrefix: 'p.' }, groupId: 'review', topics: [LOGICAL] });
    const consumer = fakeConsumer();
    (transport as unknown as { watchConsumer(consumer: unknown): void }).watchConsumer(consumer);
    expect(transport.health()).toMatchObject({ running: false, consuming: false, idleMs: null });

    consumer.emit(consumer.events.GROUP_JOIN, { memberAssignment: { [PHYSICAL]: [0, 1, 2] } });
    expect(transport.health()).toMatchObject({ running: true, assignedPartitions: 3, consuming: true, idleMs: 0 });

    jest.setSystemTime(new Date('2026-12-01T10:00:20Z'));
    consumer.emit(consumer.events.HEARTBEAT);
    // A fetch is no sign of membership: fetches go on for a member the group has dropped.
    consumer.emit(consumer.events.FETCH_START);
    jest.setSystemTime(new Date('2026-12-01T10:00:45Z'));
    expect(transport.health()).toMatchObject({ consuming: true, idleMs: 25_000 });
    jest.setSystemTime(new Date('2026-12-01T10:00:51Z'));
    expect(transport.health()).toMatchObject({ running: true, consuming: false, idleMs: 31_000 });

    consumer.emit(consumer.events.HEARTBEAT);
    expect(transport.health().consuming).toBe(true);
    consumer.emit(consumer.events.CRASH, { error: new Error('broker gone'), restart: true });
    expect(transport.health()).toMatchObject({ running: false, consuming: false });
  });

  it('replaces a consumer its group has not answered for twice the session timeout, though kafkajs still calls it running', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    const transport = new KafkaTransport({ config: { brokers: [], clientId: 'test', topicPrefix: 'p.' }, groupId: 'intake', topics: [LOGICAL] });
    const stuck = fakeConsumer();
    Reflect.set(transport, 'consumer', stuck);
    (transport as unknown as { watchConsumer(consumer: unknown): void }).watchConsumer(stuck);
    const replacement = fakeConsumer();
    let replaced = 0;
    Reflect.set(transport, 'startConsumer', async () => {
      replaced++;
      (transport as unknown as { watchConsumer(consumer: unknown): void }).watchConsumer(replacement);
      replacement.emit(replacement.events.GROUP_JOIN, { memberAssignment: { [PHYSICAL]: [0, 1, 2] } });
    });
    (transport as unknown as { startWatchdog(): void }).startWatchdog();
    stuck.emit(stuck.events.GROUP_JOIN, { memberAssignment: { [PHYSICAL]: [0, 1, 2] } });

    await jest.advanceTimersByTimeAsync(55_000); // silent, but not yet twice the session timeout
    expect(replaced).toBe(0);
    expect(transport.health().consuming).toBe(false);
    await jest.advanceTimersByTimeAsync(12_000); // the watchdog's look at 65 s, then the restart's 1 s pause
    expect(replaced).toBe(1);
    expect(transport.health()).toMatchObject({ running: true, consuming: true, assignedPartitions: 3 });
    // The replacement answers its heartbeats: nothing more is replaced.
    for (let i = 0; i < 30; i++) {
      replacement.emit(replacement.events.HEARTBEAT);
      await jest.advanceTimersByTimeAsync(5_000);
    }
    expect(replaced).toBe(1);
    await transport.close();
  });

  it('replaces within seconds a consumer the broker says its group has dropped, and only then', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    /** A transport whose consumer joined as `m-1` and then went silent, and what the broker says of its group. */
    const silentConsumer = (group: () => Promise<{ state: string; members: Array<{ memberId: string }> }>) => {
      const transport = new KafkaTransport({ config: { brokers: [], clientId: 'test', topicPrefix: 'p.' }, groupId: 'intake', topics: [LOGICAL] });
      const stuck = fakeConsumer();
      Reflect.set(transport, 'consumer', stuck);
      (transport as unknown as { watchConsumer(consumer: unknown): void }).watchConsumer(stuck);
      Reflect.set(transport, 'describeOwnGroup', group);
      const replaced = { count: 0 };
      Reflect.set(transport, 'startConsumer', async () => void replaced.count++);
      (transport as unknown as { startWatchdog(): void }).startWatchdog();
      stuck.emit(stuck.events.GROUP_JOIN, { memberId: 'm-1', memberAssignment: { [PHYSICAL]: [0, 1, 2] } });
      return { transport, replaced };
    };

    // Back from a pause, the group is empty: replaced at the first look after 10 s of silence.
    const dropped = silentConsumer(async () => ({ state: 'Empty', members: [] }));
    await jest.advanceTimersByTimeAsync(9_000);
    expect(dropped.replaced.count).toBe(0);
    await jest.advanceTimersByTimeAsync(8_000);
    expect(dropped.replaced.count).toBe(1);
    await dropped.transport.close();

    // Still a member (a slow batch), or a rebalance under way, or no answer: left alone until twice the session timeout.
    for (const group of [
      async () => ({ state: 'Stable', members: [{ memberId: 'm-1' }, { memberId: 'm-2' }] }),
      async () => ({ state: 'PreparingRebalance', members: [] }),
      async () => Promise.reject(new Error('no answer within 3000 ms')),
    ]) {
      const kept = silentConsumer(group);
      await jest.advanceTimersByTimeAsync(55_000);
      expect(kept.replaced.count).toBe(0);
      await jest.advanceTimersByTimeAsync(12_000);
      expect(kept.replaced.count).toBe(1);
      await kept.transport.close();
    }
  });

  it('gives up (and says so once) when a crashed consumer cannot be replaced for giveUpAfterMs', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') });
    const reasons: string[] = [];
    const transport = new KafkaTransport({
      config: { brokers: [], clientId: 'test', topicPrefix: 'p.' },
      groupId: 'review',
      topics: [LOGICAL],
      giveUpAfterMs: 10_000,
      onUnrecoverable: (reason) => void reasons.push(reason),
    });
    let attempts = 0;
    Reflect.set(transport, 'startConsumer', async () => {
      attempts++;
      throw new Error('no broker');
    });
    (transport as unknown as { scheduleRestart(): void }).scheduleRestart();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/consumer review could not be restarted for \d+ s: .*no broker/);
    const stoppedAt = attempts;
    await jest.advanceTimersByTimeAsync(600_000);
    expect(attempts).toBe(stoppedAt);
  });
});
