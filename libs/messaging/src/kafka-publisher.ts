import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { toKafkaMessage, type CloudEvent } from '@cpor/contracts';
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

  /** Publishes all records in one batch; resolves once every record is acknowledged. */
  async publish(records: PublishRecord[]): Promise<void> {
    await this.send(
      records.map(({ topic, event }) => {
        const message = toKafkaMessage(event);
        return { topic, message: { key: message.key, value: message.value, headers: message.headers } };
      }),
    );
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
