// An in-memory Kafka with the operations the ops command uses (OpsKafka), for its unit tests.
import { GroupActiveError, type GroupDescription, type LogRecord, type PartitionLag, type RawHeaders, type RawPublishRecord, type ReadRange } from '@cpor/messaging';
import type { OpsContext, OpsKafka, OpsStore } from '../context.js';

interface StoredRecord {
  offset: bigint;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RawHeaders;
}

interface FakePartition {
  low: bigint;
  records: StoredRecord[];
}

const toBuffer = (value: Buffer | string | null) => (value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value));

/** Partition of a key: a small stable hash (any stable choice will do for the tests). */
function partitionOf(key: Buffer | null, count: number): number {
  if (key === null) return 0;
  let hash = 0;
  for (const byte of key) hash = (hash * 31 + byte) >>> 0;
  return hash % count;
}

export class FakeKafka implements OpsKafka {
  readonly topics = new Map<string, FakePartition[]>();
  readonly committed = new Map<string, Map<number, string>>();
  readonly groups = new Map<string, Omit<GroupDescription, 'group'>>();
  /** Every publishRaw call, in order (logical topics). */
  readonly published: RawPublishRecord[][] = [];
  readonly setOffsetsCalls: Array<{ group: string; topic: string; partitions: Array<{ partition: number; offset: string }> }> = [];
  nowMs = Date.parse('2024-03-01T12:00:00Z');

  constructor(readonly prefix = '') {}

  topicName(logical: string): string {
    return `${this.prefix}${logical}`;
  }

  createTopic(topic: string, partitions = 3): void {
    if (!this.topics.has(topic)) this.topics.set(topic, Array.from({ length: partitions }, () => ({ low: 0n, records: [] })));
  }

  /** Appends a record to a partition (the key's, unless given). */
  append(topic: string, record: { key?: string | null; value?: string | Buffer | null; headers?: Record<string, string>; timestamp?: number; partition?: number }): { partition: number; offset: string } {
    this.createTopic(topic);
    const partitions = this.topics.get(topic)!;
    const key = toBuffer(record.key ?? null);
    const partition = record.partition ?? partitionOf(key, partitions.length);
    const target = partitions[partition];
    const offset = target.low + BigInt(target.records.length);
    target.records.push({
      offset,
      timestamp: record.timestamp ?? this.nowMs,
      key,
      value: toBuffer(record.value ?? null),
      headers: Object.fromEntries(Object.entries(record.headers ?? {}).map(([name, value]) => [name, Buffer.from(value)])),
    });
    return { partition, offset: String(offset) };
  }

  /** Records of a topic as LogRecords, partition by partition. */
  records(topic: string): LogRecord[] {
    return (this.topics.get(topic) ?? []).flatMap((p, partition) =>
      p.records.map((r) => ({ topic, partition, offset: String(r.offset), timestamp: String(r.timestamp), key: r.key, value: r.value, headers: r.headers })),
    );
  }

  async ensureTopics(logicalTopics: string[], options: { partitions?: number } = {}): Promise<string[]> {
    const created = logicalTopics.filter((topic) => !this.topics.has(topic));
    for (const topic of created) this.createTopic(topic, options.partitions ?? 3);
    return created.map((topic) => this.topicName(topic));
  }

  async topicOffsets(topic: string) {
    const partitions = this.topics.get(topic);
    if (!partitions) return null;
    return partitions.map((p, partition) => ({ partition, low: String(p.low), high: String(p.low + BigInt(p.records.length)) }));
  }

  async offsetsForTime(topic: string, at: Date) {
    return (this.topics.get(topic) ?? []).map((p, partition) => {
      const first = p.records.find((r) => r.timestamp >= at.getTime());
      return { partition, offset: String(first ? first.offset : p.low + BigInt(p.records.length)) };
    });
  }

  async committedOffsets(group: string, topic: string) {
    const committed = this.committed.get(`${group}|${topic}`) ?? new Map<number, string>();
    return [...committed].map(([partition, offset]) => ({ partition, offset })).sort((a, b) => a.partition - b.partition);
  }

  commit(group: string, topic: string, partition: number, offset: string): void {
    const key = `${group}|${topic}`;
    if (!this.committed.has(key)) this.committed.set(key, new Map());
    this.committed.get(key)!.set(partition, offset);
  }

  async consumerLag(group: string, topics?: string[]): Promise<PartitionLag[]> {
    const rows: PartitionLag[] = [];
    for (const [key, offsets] of this.committed) {
      const [owner, topic] = key.split('|');
      if (owner !== group || (topics && !topics.includes(topic))) continue;
      for (const { partition, low, high } of (await this.topicOffsets(topic)) ?? []) {
        const committed = offsets.get(partition) ?? null;
        rows.push({ topic: this.topicName(topic), partition, committedOffset: committed, logEndOffset: high, lag: Number(BigInt(high) - BigInt(committed ?? low)) });
      }
    }
    return rows;
  }

  async listGroups() {
    return [...this.groups.keys()].sort().map((group) => ({ group, protocolType: 'consumer' }));
  }

  async describeGroup(group: string): Promise<GroupDescription> {
    return { group, ...(this.groups.get(group) ?? { state: 'Dead', protocol: '', members: [] }) };
  }

  async setGroupOffsets(group: string, topic: string, partitions: Array<{ partition: number; offset: string }>): Promise<void> {
    const members = this.groups.get(group)?.members.length ?? 0;
    if (members > 0) throw new GroupActiveError(group, members);
    this.setOffsetsCalls.push({ group, topic, partitions });
    for (const { partition, offset } of partitions) this.commit(group, topic, partition, offset);
  }

  async readRecords(
    ranges: ReadRange[],
    onRecords: (records: LogRecord[], heartbeat: () => Promise<void>) => Promise<'continue' | 'stop'> | 'continue' | 'stop',
  ): Promise<void> {
    for (const range of ranges) {
      const records = this.records(range.topic).filter(
        (r) => r.partition === range.partition && BigInt(r.offset) >= BigInt(range.from) && BigInt(r.offset) < BigInt(range.until),
      );
      if (records.length > 0 && (await onRecords(records, async () => undefined)) === 'stop') return;
    }
  }

  async publishRaw(records: RawPublishRecord[]): Promise<void> {
    this.published.push(records);
    for (const record of records) {
      const headers = Object.fromEntries(Object.entries(record.headers).map(([name, value]) => [name, String(Array.isArray(value) ? value.at(-1) : value)]));
      this.append(record.topic, { key: record.key === null ? null : record.key.toString(), value: record.value, headers });
    }
  }
}

/** A context over the fake Kafka and store, capturing what is printed; time moves only when slept. */
/** A store with no claim and a business clock kept in memory (inserts only, the largest offset wins). */
export function fakeStore(overrides: Partial<OpsStore> = {}): OpsStore & { moves: Array<{ offsetMs: number; by: string }> } {
  const moves: Array<{ offsetMs: number; by: string }> = [];
  return {
    moves,
    claimDossier: async () => null,
    clockOffsetMs: async () => Math.max(0, ...moves.map((move) => move.offsetMs)),
    recordClockMove: async (offsetMs, by) => void moves.push({ offsetMs, by }),
    ...overrides,
  };
}

/** A context over the fake Kafka and store, capturing what is printed; time moves only when slept. */
export function fakeContext(kafka: FakeKafka = new FakeKafka(), store: OpsStore = fakeStore()) {
  const out: string[] = [];
  const err: string[] = [];
  let monotonic = 0;
  const sleeps: number[] = [];
  const context: OpsContext = {
    kafka: async () => kafka,
    store: async () => store,
    io: { stdout: (text) => void out.push(text), stderr: (text) => void err.push(text), stderrIsTTY: false },
    env: { USER: 'tester' },
    now: () => new Date(kafka.nowMs),
    monotonicMs: () => monotonic,
    sleep: async (ms) => {
      sleeps.push(ms);
      monotonic += ms;
    },
  };
  return {
    context,
    kafka,
    sleeps,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    json: () => JSON.parse(out.join('')) as Record<string, any>,
    advance: (ms: number) => void (monotonic += ms),
  };
}
