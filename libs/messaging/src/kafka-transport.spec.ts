import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { toKafkaMessage, type CloudEvent } from '@cpor/contracts';
import type { RawPublishRecord } from './kafka-publisher.js';
import { KafkaEventContext } from './kafka-event-context.js';
import { KafkaTransport } from './kafka-transport.js';
import { NonRetryableError } from '@cpor/kernel';
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
