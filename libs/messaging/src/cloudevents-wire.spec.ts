import { beforeAll, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CloudEvent as SdkEvent, Kafka, type KafkaMessage } from 'cloudevents';
import type { Kafka as KafkaClient, Message, ProducerBatch } from 'kafkajs';
import { EVENT_TYPES, TOPICS, type CloudEvent } from '@cpor/contracts';
import { KafkaEventContext } from './kafka-event-context.js';
import { KafkaPublisher, type RawPublishRecord } from './kafka-publisher.js';
import { KafkaTransport } from './kafka-transport.js';

// What really goes over Kafka, checked against the `cloudevents` SDK's Kafka binding (binary
// mode), with a fake kafkajs producer and a fake fetched batch: no broker involved.

const claimId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const config = { brokers: [], clientId: 'test', topicPrefix: 'p.' };

describe('KafkaPublisher on the wire', () => {
  it('sends records the SDK reads as the events published', async () => {
    const batches: ProducerBatch[] = [];
    const producer = { connect: async () => undefined, disconnect: async () => undefined, sendBatch: async (batch: ProducerBatch) => void batches.push(batch) };
    const publisher = new KafkaPublisher(config, { producer: () => producer } as unknown as KafkaClient);
    const event: CloudEvent = {
      id: 'be3215d8-909b-52b3-bceb-5ead7b0dd8ed',
      type: 'cpor.claim-eligibility.assessment.v1',
      source: 'cpor/eligibility',
      subject: claimId,
      time: '2026-12-01T10:00:01.204Z',
      data: { assessmentId: 'be3215d8-909b-52b3-bceb-5ead7b0dd8ed', claimId, eligible: true },
      claimVersion: 9,
      correlationId: '5d2a9c1e-8f3b-4a6d-b7e0-1c4f2a9d8e37',
      causationId: '0b6f7f04-2c4e-4c1c-9f7e-0d8a1b3c2e11',
    };
    await publisher.publish([{ topic: TOPICS.claimEligibility, event }]);

    expect(batches.map((batch) => batch.topicMessages?.map(({ topic }) => topic))).toEqual([[`p.${TOPICS.claimEligibility}`]]);
    const sent: Message = batches[0].topicMessages![0].messages[0];
    const wire: KafkaMessage<Message['value']> = { key: sent.key as string, value: sent.value, headers: sent.headers as Record<string, string>, body: sent.value };
    const read = Kafka.toEvent(wire) as SdkEvent<unknown>;
    expect(read.validate()).toBe(true);
    expect(JSON.parse(read.toString())).toEqual({
      specversion: '1.0',
      id: event.id,
      type: event.type,
      source: event.source,
      subject: claimId,
      time: event.time,
      datacontenttype: 'application/json',
      data: event.data,
      claimversion: '9',
      correlationid: event.correlationId,
      causationid: event.causationId,
      partitionkey: claimId,
    });
  });
});

describe('KafkaTransport consuming an SDK-made record', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('hands it to the handler of its type as the same event, and resolves it', async () => {
    const sdkEvent = new SdkEvent({
      type: EVENT_TYPES.approved,
      source: 'cpor/review',
      subject: claimId,
      datacontenttype: 'application/json',
      data: { claimId, status: 'Approved' },
      claimversion: '5',
      correlationid: 'corr-1',
      partitionkey: claimId,
    });
    const message = Kafka.binary(sdkEvent);
    // As kafkajs fetches it: bytes everywhere; the value as the producer's JSON serializer wrote it.
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(message.headers)) if (value !== undefined) headers[name] = Buffer.from(String(value));
    const fetched = { key: Buffer.from(message.key), value: Buffer.from(JSON.stringify(message.value)), headers, offset: '0', timestamp: message.timestamp, attributes: 0 };

    const transport = new KafkaTransport({ config, groupId: 'consent', topics: [TOPICS.claimEvents], backoffMs: 0 });
    const deadLetters: RawPublishRecord[] = [];
    Reflect.set(transport, 'publisher', { publishRaw: async (records: RawPublishRecord[]) => void deadLetters.push(...records) });
    const handled: unknown[] = [];
    transport.addHandler(EVENT_TYPES.approved, async (data: unknown, _context: KafkaEventContext) => void handled.push(data), true, {});
    const resolved: string[] = [];
    await (transport as unknown as { consumeBatch(payload: unknown): Promise<void> }).consumeBatch({
      batch: { topic: `p.${TOPICS.claimEvents}`, partition: 0, highWatermark: '1', messages: [fetched] },
      resolveOffset: (offset: string) => void resolved.push(offset),
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    });

    expect(deadLetters).toEqual([]);
    expect(resolved).toEqual(['0']);
    expect(handled).toEqual([
      {
        id: sdkEvent.id,
        type: EVENT_TYPES.approved,
        source: 'cpor/review',
        subject: claimId,
        time: sdkEvent.time,
        data: { claimId, status: 'Approved' },
        claimVersion: 5,
        correlationId: 'corr-1',
      },
    ]);
  });
});
