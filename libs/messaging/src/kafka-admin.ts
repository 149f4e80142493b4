import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { headersToStrings, deadLetterTopic } from '@cpor/contracts';
import { createKafka, createMissingTopics, topicCreationOptions } from './kafka-client.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { groupName, topicName, type MessagingConfig } from './messaging.config.js';

/** Consumer group whose committed offsets on a DLQ mark the records already redriven (the topic prefix applies). */
export const REDRIVE_GROUP = 'ops-redrive';

/** Headers the transport adds to a dead letter; redrive strips every `dlq_*` header. */
export const DLQ_HEADER_PREFIX = 'dlq_';

export interface PartitionLag {
  /** Physical topic name. */
  topic: string;
  partition: number;
  /** Next offset the group will read; null when the group never committed on this partition. */
  committedOffset: string | null;
  logEndOffset: string;
  /** log-end minus committed (minus the log start when nothing is committed). */
  lag: number;
}

export interface DeadLetterRecord {
  /** Position in the DLQ. */
  partition: number;
  offset: string;
  key: string | null;
  id: string | null;
  type: string | null;
  sourceTopic: string | null;
  sourcePartition: string | null;
  sourceOffset: string | null;
  sourceTimestamp: string | null;
  error: string | null;
  failedAt: string | null;
  attempts: string | null;
  group: string | null;
  /** Already copied back by a redrive (below the `ops-redrive` committed offset). */
  redriven: boolean;
}

export interface RedriveResult {
  deadLetterTopic: string;
  /** Physical topic the records were copied to. */
  targetTopic: string;
  redriven: number;
}

export interface RewindResult {
  topic: string;
  partitions: Array<{ partition: number; offset: string }>;
}

/** Thrown when offsets of a group with live members would be changed. */
export class GroupActiveError extends Error {
  constructor(
    readonly groupId: string,
    readonly members: number,
  ) {
    super(
      `consumer group '${groupId}' has ${members} active member(s): stop every instance of the service first ` +
        `(Kafka only lets offsets be reset while the group is inactive), then run this again and restart the service`,
    );
    this.name = 'GroupActiveError';
  }
}

/** Committed offsets and log ends for one physical topic. */
interface TopicPositions {
  topic: string;
  partitions: Array<{ partition: number; low: bigint; high: bigint; committed: bigint | null }>;
}

/**
 * Operations on topics and consumer groups (used by `npm run ops`). Every topic and group
 * argument is a logical name (`cpor.claim-events.v1`, `notifications`); the configured prefix is applied.
 */
export class MessagingAdmin {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private connected = false;

  constructor(private readonly config: MessagingConfig) {
    this.kafka = createKafka(config);
    this.admin = this.kafka.admin();
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.admin.connect();
    this.connected = true;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.admin.disconnect();
  }

  /** Creates missing topics; returns the physical names it created. */
  async ensureTopics(logicalTopics: string[]): Promise<string[]> {
    await this.connect();
    return createMissingTopics(
      this.admin,
      logicalTopics.map((topic) => topicName(this.config, topic)),
      topicCreationOptions(this.config),
    );
  }

  /** Lag per partition: log-end offset minus the group's committed offset. All committed topics when none given. */
  async consumerLag(groupId: string, logicalTopics?: string[]): Promise<PartitionLag[]> {
    await this.connect();
    const topics = logicalTopics?.map((topic) => topicName(this.config, topic));
    const group = groupName(this.config, groupId);
    const committed = await this.admin.fetchOffsets({ groupId: group, ...(topics ? { topics } : {}) });
    const rows: PartitionLag[] = [];
    for (const { topic } of committed) {
      const positions = await this.positions(topic, group);
      for (const { partition, low, high, committed: offset } of positions.partitions) {
        const from = offset ?? low;
        rows.push({
          topic,
          partition,
          committedOffset: offset === null ? null : String(offset),
          logEndOffset: String(high),
          lag: Number(high > from ? high - from : 0n),
        });
      }
    }
    return rows;
  }

  /** Reads the dead letters of (topic, group) without changing any offset. */
  async listDeadLetters(logicalTopic: string, groupId: string, options: { limit?: number; timeoutMs?: number } = {}): Promise<DeadLetterRecord[]> {
    await this.connect();
    const dlq = topicName(this.config, deadLetterTopic(logicalTopic, groupId));
    if (!(await this.topicExists(dlq))) return [];
    const redrivePositions = await this.positions(dlq, groupName(this.config, REDRIVE_GROUP));
    const redrivenBelow = new Map(redrivePositions.partitions.map((p) => [p.partition, p.committed ?? p.low]));
    // A throwaway group reads from the log start; it commits nothing and is deleted afterwards.
    const inspectGroup = groupName(this.config, `ops-inspect-${randomUUID()}`);
    const records: DeadLetterRecord[] = [];
    try {
      await this.readUpToEnd(dlq, inspectGroup, options.timeoutMs, async (partition, messages) => {
        for (const message of messages) {
          if (options.limit !== undefined && records.length >= options.limit) return 'stop';
          records.push(toDeadLetterRecord(partition, message, BigInt(message.offset) < (redrivenBelow.get(partition) ?? 0n)));
        }
        return 'continue';
      });
    } finally {
      await this.admin.deleteGroups([inspectGroup]).catch(() => undefined);
    }
    return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  }

  /**
   * Copies dead letters back to their source topic with the original key, value and headers
   * (so the original `ce_id`: consumers deduplicate), minus the `dlq_*` headers; then commits the
   * DLQ offsets of the `ops-redrive` group, so a record is never redriven twice. Every group
   * reading the source topic sees the record again; consumers are idempotent, so only the
   * group that failed it does real work. Records dead-lettered again go to the DLQ's end and
   * wait for the next redrive.
   */
  async redriveDeadLetters(logicalTopic: string, groupId: string, options: { limit?: number; timeoutMs?: number } = {}): Promise<RedriveResult> {
    await this.connect();
    const dlq = topicName(this.config, deadLetterTopic(logicalTopic, groupId));
    const targetTopic = topicName(this.config, logicalTopic);
    const result: RedriveResult = { deadLetterTopic: dlq, targetTopic, redriven: 0 };
    if (!(await this.topicExists(dlq))) return result;

    const publisher = new KafkaPublisher(this.config, this.kafka);
    try {
      await this.readUpToEnd(dlq, groupName(this.config, REDRIVE_GROUP), options.timeoutMs, async (partition, messages, commit) => {
        const remaining = options.limit === undefined ? messages.length : Math.max(0, options.limit - result.redriven);
        const chosen = messages.slice(0, remaining);
        if (chosen.length > 0) {
          await publisher.publishRaw(
            chosen.map((message) => ({ topic: logicalTopic, key: message.key, value: message.value, headers: withoutDlqHeaders(message.headers) })),
          );
          // Commit only after the copies are acknowledged: a crash in between redrives again (duplicates are harmless).
          await commit(chosen[chosen.length - 1].offset);
          result.redriven += chosen.length;
        }
        return options.limit !== undefined && result.redriven >= options.limit ? 'stop' : 'continue';
      });
    } finally {
      await publisher.disconnect();
    }
    return result;
  }

  /**
   * Moves a group's committed offsets on one topic back to the log start, or to the first record
   * at or after `toTimestamp`, so the service replays from there when it restarts. Kafka accepts
   * this only while the group is inactive: stop every instance of the service first.
   */
  async rewindGroup(groupId: string, logicalTopic: string, options: { toTimestamp?: Date } = {}): Promise<RewindResult> {
    await this.connect();
    const topic = topicName(this.config, logicalTopic);
    const group = groupName(this.config, groupId);
    const { groups } = await this.admin.describeGroups([group]);
    const members = groups[0]?.members.length ?? 0;
    if (members > 0) throw new GroupActiveError(group, members);

    if (options.toTimestamp) {
      const partitions = await this.admin.fetchTopicOffsetsByTimestamp(topic, options.toTimestamp.getTime());
      await this.admin.setOffsets({ groupId: group, topic, partitions });
      return { topic, partitions: partitions.map(({ partition, offset }) => ({ partition, offset })) };
    }
    const offsets = await this.admin.fetchTopicOffsets(topic);
    const partitions = offsets.map(({ partition, low }) => ({ partition, offset: low }));
    await this.admin.setOffsets({ groupId: group, topic, partitions });
    return { topic, partitions };
  }

  /**
   * Deletes every topic and consumer group under this config's prefix: clean-up for test runs
   * and throwaway tenants. Refuses to run without a prefix.
   */
  async deletePrefixedTopicsAndGroups(): Promise<{ topics: string[]; groups: string[] }> {
    const prefix = this.config.topicPrefix;
    if (!prefix) throw new Error('refusing to delete topics without a KAFKA_TOPIC_PREFIX');
    await this.connect();
    const { groups: allGroups } = await this.admin.listGroups();
    const groups = allGroups.map((group) => group.groupId).filter((group) => group.startsWith(prefix));
    if (groups.length > 0) await this.admin.deleteGroups(groups);
    const topics = (await this.admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await this.admin.deleteTopics({ topics });
    return { topics, groups };
  }

  private async topicExists(topic: string): Promise<boolean> {
    return (await this.admin.listTopics()).includes(topic);
  }

  private async positions(topic: string, groupId: string): Promise<TopicPositions> {
    const [ends, committed] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
    const committedByPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return {
      topic,
      partitions: ends
        .map(({ partition, low, high }) => {
          const offset = committedByPartition.get(partition);
          return { partition, low: BigInt(low), high: BigInt(high), committed: offset === undefined || offset < 0n ? null : offset };
        })
        .sort((a, b) => a.partition - b.partition),
    };
  }

  /**
   * Reads `topic` as `groupId` from the group's committed offsets (or the log start) up to the
   * log end seen when it starts, handing each partition's records to `onRecords` in order.
   * Stops when every partition is read, `onRecords` says 'stop', or the timeout passes.
   */
  private async readUpToEnd(
    topic: string,
    groupId: string,
    timeoutMs = 60_000,
    onRecords: (partition: number, messages: KafkaMessage[], commit: (offset: string) => Promise<void>) => Promise<'continue' | 'stop'>,
  ): Promise<void> {
    const start = await this.positions(topic, groupId);
    const pending = new Map<number, bigint>();
    for (const { partition, low, high, committed } of start.partitions) {
      if ((committed ?? low) < high) pending.set(partition, high);
    }
    if (pending.size === 0) return;

    const consumer: Consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    let finish!: (error?: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = (error?: unknown) => (error ? reject(error) : resolve());
    });
    finished.catch(() => undefined); // awaited below; this only keeps an early timeout from being "unhandled"
    let done = false;
    const timer = setTimeout(() => finish(new Error(`reading ${topic} timed out after ${timeoutMs} ms`)), timeoutMs);

    const eachBatch = async ({ batch, commitOffsetsIfNecessary, heartbeat }: EachBatchPayload) => {
      const end = pending.get(batch.partition);
      if (done || end === undefined) return;
      const messages = batch.messages.filter((message) => BigInt(message.offset) < end);
      const commit = (offset: string) =>
        commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition: batch.partition, offset: String(BigInt(offset) + 1n) }] }] });
      try {
        const next = messages.length > 0 ? await onRecords(batch.partition, messages, commit) : 'continue';
        await heartbeat();
        const last = batch.messages[batch.messages.length - 1];
        if (last && BigInt(last.offset) + 1n >= end) pending.delete(batch.partition);
        if (next === 'stop' || pending.size === 0) {
          done = true;
          finish();
        }
      } catch (error) {
        done = true;
        finish(error);
      }
    };

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
      await finished;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect();
    }
  }
}

function withoutDlqHeaders(headers: KafkaMessage['headers']): Record<string, Buffer | string | Array<Buffer | string> | undefined> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith(DLQ_HEADER_PREFIX)));
}

function toDeadLetterRecord(partition: number, message: KafkaMessage, redriven: boolean): DeadLetterRecord {
  const headers = headersToStrings(message.headers);
  const header = (name: string) => headers[name] ?? null;
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    id: header('ce_id'),
    type: header('ce_type'),
    sourceTopic: header('dlq_source_topic'),
    sourcePartition: header('dlq_source_partition'),
    sourceOffset: header('dlq_source_offset'),
    sourceTimestamp: header('dlq_source_timestamp'),
    error: header('dlq_error'),
    failedAt: header('dlq_failed_at'),
    attempts: header('dlq_attempts'),
    group: header('dlq_group'),
    redriven,
  };
}
