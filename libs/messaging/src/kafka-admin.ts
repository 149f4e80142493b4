import { randomUUID } from 'node:crypto';
import { AssignerProtocol, type Admin, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage } from 'kafkajs';
import { createKafka, createMissingTopics, isRetriableKafkaError, topicCreationOptions } from './kafka-client.js';
import { KafkaPublisher, type RawPublishRecord } from './kafka-publisher.js';
import { groupName, logicalTopicName, topicName, type MessagingConfig } from './messaging.config.js';
import { DeadLetterQueue, type DeadLetterRecord, type RedriveResult } from './dead-letters.js';

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

export interface RewindResult {
  topic: string;
  partitions: Array<{ partition: number; offset: string }>;
}

/** Log start (`low`) and log end (`high`, the next offset to be written) of one partition. */
export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

/** Headers of a record as kafkajs gives and takes them. */
export type RawHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

/** One record as stored: nothing decoded. */
export interface LogRecord {
  /** Logical topic name. */
  topic: string;
  partition: number;
  offset: string;
  /** Record timestamp, ms since the epoch. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RawHeaders;
}

/** Offsets `[from, until)` of one partition of a (logical) topic. */
export interface ReadRange {
  topic: string;
  partition: number;
  from: string;
  until: string;
}

export interface GroupSummary {
  /** Logical group name (the prefix removed). */
  group: string;
  protocolType: string;
}

export interface GroupMemberDescription {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** Partitions assigned to the member, by logical topic. */
  assignments: Array<{ topic: string; partitions: number[] }>;
}

export interface GroupDescription {
  /** Logical group name. */
  group: string;
  /** Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty or Dead (unknown group). */
  state: string;
  protocol: string;
  members: GroupMemberDescription[];
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

/** How long a request answered by a group coordinator is retried while Kafka says to. */
const COORDINATOR_WAIT_MS = 30_000;

/** How long a read waits for the records it was asked for, by default. */
const READ_TIMEOUT_MS = 60_000;

/**
 * Operations on topics and consumer groups (used by `npm run ops`). Every topic and group
 * argument and result is a logical name (`cpor.claim-events.v1`, `notifications`); the configured
 * prefix is applied here, except where a field says "physical".
 */
export class MessagingAdmin {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private publisher?: KafkaPublisher;
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
    const publisher = this.publisher;
    this.publisher = undefined;
    await publisher?.disconnect();
    if (!this.connected) return;
    this.connected = false;
    await this.admin.disconnect();
  }

  /** Physical name of a logical topic under this admin's prefix. */
  topicName(logicalTopic: string): string {
    return topicName(this.config, logicalTopic);
  }

  /** Creates missing topics (with `partitions` when given); returns the physical names it created. */
  async ensureTopics(logicalTopics: string[], options: { partitions?: number } = {}): Promise<string[]> {
    await this.connect();
    const creation = topicCreationOptions(this.config);
    return createMissingTopics(
      this.admin,
      logicalTopics.map((topic) => topicName(this.config, topic)),
      { ...creation, ...(options.partitions ? { partitions: options.partitions } : {}) },
    );
  }

  /** Log start and end per partition, or null when the topic does not exist. */
  async topicOffsets(logicalTopic: string): Promise<PartitionOffsets[] | null> {
    await this.connect();
    const topic = topicName(this.config, logicalTopic);
    if (!(await this.topicExists(topic))) return null;
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.map(({ partition, low, high }) => ({ partition, low, high })).sort((a, b) => a.partition - b.partition);
  }

  /** Per partition, the first offset whose record is at or after `at` (the log end when none is). */
  async offsetsForTime(logicalTopic: string, at: Date): Promise<Array<{ partition: number; offset: string }>> {
    await this.connect();
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topicName(this.config, logicalTopic), at.getTime());
    return offsets.map(({ partition, offset }) => ({ partition, offset })).sort((a, b) => a.partition - b.partition);
  }

  /** The group's committed offset per partition of the topic (null where it never committed). */
  async committedOffsets(groupId: string, logicalTopic: string): Promise<Array<{ partition: number; offset: string | null }>> {
    await this.connect();
    const committed = await this.coordinated(() => this.admin.fetchOffsets({ groupId: groupName(this.config, groupId), topics: [topicName(this.config, logicalTopic)] }));
    return (committed[0]?.partitions ?? [])
      .map(({ partition, offset }) => ({ partition, offset: BigInt(offset) < 0n ? null : offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** Lag per partition: log-end offset minus the group's committed offset. All committed topics when none given. */
  async consumerLag(groupId: string, logicalTopics?: string[]): Promise<PartitionLag[]> {
    await this.connect();
    const topics = logicalTopics?.map((topic) => topicName(this.config, topic));
    const group = groupName(this.config, groupId);
    const committed = await this.coordinated(() => this.admin.fetchOffsets({ groupId: group, ...(topics ? { topics } : {}) }));
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

  /** Consumer groups under this admin's prefix (every group when there is none), by logical name. */
  async listGroups(): Promise<GroupSummary[]> {
    await this.connect();
    const prefix = this.config.topicPrefix;
    const { groups } = await this.coordinated(() => this.admin.listGroups());
    return groups
      .filter((group) => !prefix || group.groupId.startsWith(prefix))
      .map((group) => ({ group: group.groupId.slice(prefix.length), protocolType: group.protocolType }))
      .sort((a, b) => a.group.localeCompare(b.group));
  }

  /** The group's state and its members with the partitions each one holds. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    await this.connect();
    const { groups } = await this.coordinated(() => this.admin.describeGroups([groupName(this.config, groupId)]));
    const group = groups[0];
    return {
      group: groupId,
      state: group?.state ?? 'Dead',
      protocol: group?.protocol ?? '',
      members: (group?.members ?? []).map((member) => {
        const decoded = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
        return {
          memberId: member.memberId,
          clientId: member.clientId,
          clientHost: member.clientHost,
          assignments: Object.entries(decoded?.assignment ?? {})
            .map(([topic, partitions]) => ({ topic: logicalTopicName(this.config, topic), partitions: [...partitions].sort((a, b) => a - b) }))
            .sort((a, b) => a.topic.localeCompare(b.topic)),
        };
      }),
    };
  }

  /**
   * Sets the group's committed offsets on one topic. Kafka accepts this only while the group has
   * no active member: GroupActiveError otherwise (stop every instance of the service first).
   */
  async setGroupOffsets(groupId: string, logicalTopic: string, partitions: Array<{ partition: number; offset: string }>): Promise<void> {
    await this.connect();
    const group = groupName(this.config, groupId);
    const { groups } = await this.coordinated(() => this.admin.describeGroups([group]));
    const members = groups[0]?.members.length ?? 0;
    if (members > 0) throw new GroupActiveError(group, members);
    if (partitions.length === 0) return;
    await this.coordinated(() => this.admin.setOffsets({ groupId: group, topic: topicName(this.config, logicalTopic), partitions }));
  }

  /** Publishes records byte for byte (original key, value, headers) on logical topics. */
  async publishRaw(records: RawPublishRecord[]): Promise<void> {
    this.publisher ??= new KafkaPublisher(this.config, this.kafka);
    await this.publisher.publishRaw(records);
  }

  /**
   * Reads the records of each range, in offset order per partition, handing them to `onRecords`
   * batch by batch; stops when every range is read or `onRecords` says 'stop', and fails when
   * Kafka sends nothing for `timeoutMs` (the time `onRecords` takes does not count: a slow,
   * rate-limited consumer calls `heartbeat` to keep its partitions). A throwaway consumer group
   * (deleted afterwards) reads, so no group's offsets change.
   */
  async readRecords(
    ranges: ReadRange[],
    onRecords: (records: LogRecord[], heartbeat: () => Promise<void>) => Promise<'continue' | 'stop'> | 'continue' | 'stop',
    options: { timeoutMs?: number } = {},
  ): Promise<void> {
    const wanted = ranges.filter((range) => BigInt(range.from) < BigInt(range.until));
    if (wanted.length === 0) return;
    await this.connect();
    const key = (topic: string, partition: number) => `${partition}@${topic}`;
    const pending = new Map(wanted.map((range) => [key(topicName(this.config, range.topic), range.partition), { ...range, from: BigInt(range.from), until: BigInt(range.until) }]));
    const topics = [...new Set(wanted.map((range) => topicName(this.config, range.topic)))];
    const timeoutMs = options.timeoutMs ?? READ_TIMEOUT_MS;

    const groupId = groupName(this.config, `ops-read-${randomUUID()}`);
    const consumer: Consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    let finish!: (error?: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      finish = (error?: unknown) => (error ? reject(error) : resolve());
    });
    finished.catch(() => undefined); // awaited below; this only keeps an early timeout from being "unhandled"
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const waitForKafka = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(new Error(`reading ${topics.join(', ')}: nothing received for ${timeoutMs} ms`)), timeoutMs);
    };
    waitForKafka();

    const eachBatch = async ({ batch, heartbeat }: EachBatchPayload) => {
      const range = pending.get(key(batch.topic, batch.partition));
      if (done || range === undefined) return;
      clearTimeout(timer);
      try {
        const records = batch.messages
          .filter((message) => BigInt(message.offset) >= range.from && BigInt(message.offset) < range.until)
          .map((message) => toLogRecord(range.topic, batch.partition, message));
        // Never hand a record over twice: a batch fetched again (a rejoin, the seek applied late) starts below `from`.
        const lastOffset = BigInt(batch.lastOffset());
        if (lastOffset + 1n > range.from) range.from = lastOffset + 1n;
        const next = records.length > 0 ? await onRecords(records, heartbeat) : 'continue';
        await heartbeat();
        waitForKafka();
        if (BigInt(batch.lastOffset()) + 1n >= range.until) pending.delete(key(batch.topic, batch.partition));
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
      const partitionsOf = new Map<string, number[]>();
      for (const topic of topics) partitionsOf.set(topic, (await this.admin.fetchTopicOffsets(topic)).map((p) => p.partition));
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      // Not awaited before seeking: kafkajs takes seeks and pauses once `run` has been called.
      // Commits (of this throwaway group) only make a member that lost its partitions and got them
      // back resume where it was rather than at the log start.
      const running = consumer.run({ partitionsConsumedConcurrently: 1, eachBatch });
      for (const topic of topics) {
        const idle = (partitionsOf.get(topic) ?? []).filter((partition) => !pending.has(key(topic, partition)));
        if (idle.length > 0) consumer.pause([{ topic, partitions: idle }]);
      }
      for (const range of wanted) consumer.seek({ topic: topicName(this.config, range.topic), partition: range.partition, offset: range.from });
      await running;
      await finished;
    } finally {
      clearTimeout(timer);
      await consumer.disconnect();
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
  }

  /** Reads the dead letters of (topic, group) without changing any offset. */
  async listDeadLetters(logicalTopic: string, groupId: string, options: { limit?: number; timeoutMs?: number } = {}): Promise<DeadLetterRecord[]> {
    const letters = await new DeadLetterQueue(this, logicalTopic, groupId).read(options);
    return letters.slice(0, options.limit ?? letters.length).map(({ summary }) => summary);
  }

  /**
   * Redrives every pending dead letter of (topic, group), up to `limit` (see DeadLetterQueue.redrive):
   * each is copied back to its source topic with its original id, key, value and headers (minus `dlq_*`),
   * and recorded as redriven, so it is redriven once.
   */
  async redriveDeadLetters(logicalTopic: string, groupId: string, options: { limit?: number; timeoutMs?: number; by?: string } = {}): Promise<RedriveResult> {
    const queue = new DeadLetterQueue(this, logicalTopic, groupId);
    const pending = (await queue.read(options)).filter((letter) => letter.summary.state === 'pending');
    return queue.redrive(pending.slice(0, options.limit ?? pending.length), { by: options.by ?? 'ops' });
  }

  /**
   * Moves a group's committed offsets on one topic back to the log start, or to the first record
   * at or after `toTimestamp`, so the service replays from there when it restarts. Kafka accepts
   * this only while the group is inactive: stop every instance of the service first.
   */
  async rewindGroup(groupId: string, logicalTopic: string, options: { toTimestamp?: Date } = {}): Promise<RewindResult> {
    await this.connect();
    const topic = topicName(this.config, logicalTopic);
    const partitions = options.toTimestamp
      ? await this.offsetsForTime(logicalTopic, options.toTimestamp)
      : ((await this.topicOffsets(logicalTopic)) ?? []).map(({ partition, low }) => ({ partition, offset: low }));
    await this.setGroupOffsets(groupId, logicalTopic, partitions);
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

  /**
   * Runs a request that a group's coordinator answers, again while Kafka says to retry: a broker
   * that has just started (or moved a coordinator) answers NOT_COORDINATOR or
   * COORDINATOR_LOAD_IN_PROGRESS for a few seconds, and kafkajs's admin gives up on the first.
   */
  private async coordinated<T>(request: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + COORDINATOR_WAIT_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (!isRetriableKafkaError(error) || Date.now() >= giveUpAt) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1_000)));
    }
  }

  private async topicExists(topic: string): Promise<boolean> {
    return (await this.admin.listTopics()).includes(topic);
  }

  private async positions(topic: string, groupId: string): Promise<TopicPositions> {
    const [ends, committed] = await Promise.all([this.admin.fetchTopicOffsets(topic), this.coordinated(() => this.admin.fetchOffsets({ groupId, topics: [topic] }))]);
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
}

function toLogRecord(logicalTopic: string, partition: number, message: KafkaMessage): LogRecord {
  return {
    topic: logicalTopic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: { ...(message.headers ?? {}) },
  };
}
