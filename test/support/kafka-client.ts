import { expect } from '@jest/globals';
import type { Consumer, IHeaders } from 'kafkajs';
import { createKafka, messagingConfigFromEnv } from '@cpor/messaging';

export interface ReceivedRecord {
  topic: string;
  key: string | null;
  headers: Record<string, string>;
  value: string;
  /** The record's Kafka timestamp (ms since epoch, as kafkajs gives it). */
  timestamp: string;
  json: () => any;
}

/**
 * A plain Kafka client playing the part of upstream and downstream systems in tests: it
 * publishes raw records and collects what the system writes to a topic. Brokers, SASL and TLS
 * from the environment (KAFKA_BROKERS, KAFKA_SASL_*, KAFKA_TLS*), like the services.
 */
export class TestKafkaClient {
  private readonly kafka = createKafka(messagingConfigFromEnv('cpor-tests'), { quiet: true });
  private readonly producer = this.kafka.producer();
  private readonly consumers: Consumer[] = [];
  readonly received: ReceivedRecord[] = [];

  constructor(private readonly topicPrefix: string) {}

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Sends one record as-is (value may be invalid JSON on purpose). */
  async send(topic: string, record: { key?: string; value: string; headers?: Record<string, string> }): Promise<void> {
    await this.producer.send({ topic: this.topicPrefix + topic, acks: -1, messages: [{ key: record.key ?? null, value: record.value, headers: record.headers }] });
  }

  /** Publishes a CloudEvent in Kafka binary mode, as an upstream system would. */
  async sendEvent(topic: string, event: { id: string; type: string; source?: string; subject: string; data: unknown; value?: string }): Promise<void> {
    await this.send(topic, {
      key: event.subject,
      // `value`: the data as this exact text (formatting and all), else its JSON.
      value: event.value ?? JSON.stringify(event.data),
      headers: {
        ce_specversion: '1.0',
        ce_id: event.id,
        ce_type: event.type,
        ce_source: event.source ?? 'urn:test:upstream',
        ce_subject: event.subject,
        ce_time: new Date().toISOString(),
        'content-type': 'application/json',
      },
    });
  }

  /** Collects every record of these topics from the beginning into `received`. */
  async collect(topics: string[]): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const physical = topics.map((topic) => this.topicPrefix + topic);
    const existing = new Set(await admin.listTopics());
    const missing = physical.filter((topic) => !existing.has(topic));
    if (missing.length) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
    await admin.disconnect();
    const consumer = this.kafka.consumer({ groupId: `cpor-tests-${Math.random().toString(36).slice(2)}` });
    this.consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: physical, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const value = message.value?.toString('utf8') ?? '';
        this.received.push({
          topic: topic.slice(this.topicPrefix.length),
          key: message.key?.toString('utf8') ?? null,
          headers: decodeHeaders(message.headers),
          value,
          timestamp: message.timestamp,
          json: () => JSON.parse(value),
        });
      },
    });
  }

  on(topic: string): ReceivedRecord[] {
    return this.received.filter((record) => record.topic === topic);
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled(this.consumers.map((consumer) => consumer.disconnect()));
    await this.producer.disconnect();
  }
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return out;
}

/**
 * The topics are at-least-once: a repeated record keeps its CloudEvents id. Returns each event
 * once, after checking that every repeat is exactly the record first seen with that id.
 */
export function distinctEvents(records: ReceivedRecord[]): ReceivedRecord[] {
  const byId = new Map<string, ReceivedRecord>();
  for (const record of records) {
    const first = byId.get(record.headers.ce_id);
    if (first) expect(record.value).toBe(first.value);
    else byId.set(record.headers.ce_id, record);
  }
  return [...byId.values()];
}
