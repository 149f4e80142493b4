import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { toKafkaMessage, type CloudEvent } from '@cpor/contracts';
import { startSpan, withoutInstrumentation } from '@cpor/kernel';
import { createKafka } from './kafka-client.js';
import { topicName, type MessagingConfig } from './messaging.config.js';

export interface PublishRecord {
  /** Logical topic name, e.g. `TOPICS.claimEvents`; the configured prefix is added here. */
  topic: string;
  event: CloudEvent;
}

/** A record copied as-is (dead letters, redrive): original key, value and headers. */
export interface RawPublishRecord {
  /** Logical topic name; the configured prefix is added here. */
  topic: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}

/**
 * The one producer seam. Every call is one `sendBatch` round trip (kafkajs has no linger, and an
 * awaited send per record is an order of magnitude slower), acknowledged by all in-sync replicas.
 * The key is the event subject (claimId), so one claim's events land on one partition in order.
 * Not idempotent (experimental in kafkajs) and no transactions: consumers deduplicate on `ce_id`.
 */
export class KafkaPublisher {
  private readonly producer: Producer;
  private connecting?: Promise<void>;

  constructor(
    private readonly config: MessagingConfig,
    kafka: Kafka = createKafka(config),
  ) {
    this.producer = kafka.producer({
      idempotent: false,
      // One request in flight per broker: a retried request cannot overtake a later one, so
      // per-key order survives broker hiccups.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /**
   * Publishes all records in one batch; resolves once every record is acknowledged.
   *
   * Each record gets its own producer span, child of the event's `traceparent` (the request or
   * record that caused it, stored with the outbox row) or else of the active span, and carries
   * that span as its `traceparent` header. One batch holds the events of many traces, and
   * instrumentation-kafkajs would parent all of a batch's spans to whatever is active at the
   * call and overwrite each header: it is silenced for these sends.
   */
  async publish(records: PublishRecord[]): Promise<void> {
    const spans = records.map(({ topic, event }) =>
      startSpan(`send ${topicName(this.config, topic)}`, {
        kind: 'producer',
        ...(event.traceparent ? { parent: event.traceparent } : {}),
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': topicName(this.config, topic),
          'messaging.kafka.message.key': event.subject,
          'messaging.message.id': event.id,
          'cloudevents.event_type': event.type,
        },
      }),
    );
    const messages = records.map(({ topic, event }, i) => {
      const traceparent = spans[i]!.traceparent ?? event.traceparent;
      const message = toKafkaMessage(traceparent ? { ...event, traceparent } : event);
      return { topic, message: { key: message.key, value: message.value, headers: message.headers } };
    });
    try {
      await withoutInstrumentation(() => this.send(messages));
    } catch (error) {
      for (const span of spans) span.fail(error);
      throw error;
    } finally {
      for (const span of spans) span.end();
    }
  }

  /** Publishes records byte for byte (no envelope encoding), in one batch. */
  async publishRaw(records: RawPublishRecord[]): Promise<void> {
    await this.send(records.map(({ topic, key, value, headers }) => ({ topic, message: { key, value, headers } })));
  }

  async disconnect(): Promise<void> {
    if (!this.connecting) return;
    await this.connecting.catch(() => undefined);
    this.connecting = undefined;
    await this.producer.disconnect();
  }

  private async send(records: Array<{ topic: string; message: Message }>): Promise<void> {
    if (records.length === 0) return;
    await this.connect();
    // Group by topic, keeping each topic's records in call order.
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of records) {
      const physical = topicName(this.config, topic);
      const messages = byTopic.get(physical) ?? [];
      messages.push(message);
      byTopic.set(physical, messages);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
