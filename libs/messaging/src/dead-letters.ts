import { deadLetterTopic, headersToStrings } from '@cpor/contracts';
import type { LogRecord, MessagingAdmin, PartitionOffsets, RawHeaders } from './kafka-admin.js';
import type { RawPublishRecord } from './kafka-publisher.js';

/**
 * Consumer group whose committed offsets on a DLQ marked, before the actions topic existed, the
 * records already redriven: a letter below it without an action is shown as redriven. Nothing
 * commits it any more.
 */
export const REDRIVE_GROUP = 'ops-redrive';

/** Headers the transport adds to a dead letter; redrive strips every `dlq_*` header. */
export const DLQ_HEADER_PREFIX = 'dlq_';

/**
 * Where operators' decisions about the dead letters of `<topic>.<group>.dlq` are recorded: one
 * record per redriven or discarded letter, saying who, when, why and which letter (one partition,
 * created on first use). Redrive reads it to skip letters already handled; the DLQ itself is never
 * rewritten.
 */
export function deadLetterActionsTopic(sourceTopic: string, group: string): string {
  return `${deadLetterTopic(sourceTopic, group)}.actions`;
}

export type DeadLetterState = 'pending' | 'redriven' | 'discarded';

/** What was done to a letter. `by` and `at` are null for letters redriven before actions were recorded. */
export interface DeadLetterHandling {
  action: 'redriven' | 'discarded';
  by: string | null;
  at: string | null;
  reason: string | null;
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
  state: DeadLetterState;
  handled: DeadLetterHandling | null;
  /** `state === 'redriven'` (kept for existing callers). */
  redriven: boolean;
}

/** A dead letter: its summary and the record as stored (key, value and every header). */
export interface DeadLetter {
  summary: DeadLetterRecord;
  record: LogRecord;
}

/** The record written to the actions topic for each letter an operator redrives or discards. */
export interface DeadLetterAction {
  action: 'redriven' | 'discarded';
  by: string;
  at: string;
  reason?: string;
  /** Physical DLQ topic and the letter's position in it. */
  deadLetterTopic: string;
  partition: number;
  offset: string;
  /** The letter's `ce_id`, `ce_type` and key. */
  id: string | null;
  type: string | null;
  key: string | null;
  /** Redriven: the physical topic it was copied to. */
  target?: string;
}

export interface RedriveResult {
  deadLetterTopic: string;
  /** Physical topic the records were copied to. */
  targetTopic: string;
  redriven: number;
}

export interface DiscardResult {
  deadLetterTopic: string;
  /** Physical topic the decisions were recorded on. */
  actionsTopic: string;
  discarded: number;
}

/** What DeadLetterQueue needs of Kafka (MessagingAdmin, or a fake in tests). */
export type DeadLetterLog = Pick<MessagingAdmin, 'topicName' | 'topicOffsets' | 'committedOffsets' | 'readRecords' | 'publishRaw' | 'ensureTopics'>;

/** Records per produce request when redriving or recording actions. */
const BATCH = 100;

/** Set on a letter written without its value (the record was too large with the dead-letter headers). */
export const VALUE_DROPPED_HEADER = `${DLQ_HEADER_PREFIX}value_dropped`;

export function withoutDlqHeaders(headers: RawHeaders): RawHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(DLQ_HEADER_PREFIX)));
}

export function letterPosition(letter: { partition: number; offset: string }): string {
  return `${letter.partition}@${letter.offset}`;
}

/**
 * The dead letters of one (topic, group) and the operators' actions on them. Topics are logical;
 * results name physical topics.
 */
export class DeadLetterQueue {
  readonly deadLetterTopic: string;
  readonly actionsTopic: string;

  constructor(
    private readonly log: DeadLetterLog,
    readonly sourceTopic: string,
    readonly group: string,
  ) {
    this.deadLetterTopic = deadLetterTopic(sourceTopic, group);
    this.actionsTopic = deadLetterActionsTopic(sourceTopic, group);
  }

  /** Every letter, in (partition, offset) order, with what was done to it. Changes no offset. */
  async read(options: { timeoutMs?: number } = {}): Promise<DeadLetter[]> {
    const letters = await this.log.topicOffsets(this.deadLetterTopic);
    if (!letters) return [];
    const [watermarks, actions] = await Promise.all([this.log.committedOffsets(REDRIVE_GROUP, this.deadLetterTopic), this.log.topicOffsets(this.actionsTopic)]);
    const records: LogRecord[] = [];
    const recorded: DeadLetterAction[] = [];
    const ranges = [
      ...letters.map(({ partition, low, high }) => ({ topic: this.deadLetterTopic, partition, from: low, until: high })),
      ...(actions ?? []).map(({ partition, low, high }) => ({ topic: this.actionsTopic, partition, from: low, until: high })),
    ];
    await this.log.readRecords(
      ranges,
      (batch) => {
        for (const record of batch) {
          if (record.topic === this.deadLetterTopic) records.push(record);
          else {
            const action = parseDeadLetterAction(record.value);
            if (action) recorded.push(action);
          }
        }
        return 'continue';
      },
      options,
    );
    return foldDeadLetters(records, recorded, watermarks);
  }

  /**
   * Copies the letters back to the source topic with their original key, value and headers (so
   * the original `ce_id`: consumers deduplicate on it), minus the `dlq_*` headers, then records
   * each as redriven by `by`. A crash in between leaves them pending: redriving them again makes
   * duplicates, which consumers ignore. Every group reading the source topic sees the record
   * again; only the group that failed it does any work. A letter that fails again is
   * dead-lettered again, at the end of the DLQ.
   */
  async redrive(
    letters: DeadLetter[],
    options: {
      by: string;
      now?: () => Date;
      /** Records per produce request (default 100). */
      batch?: number;
      /** Awaited before each request with its record count (a rate limit). */
      pace?: (records: number) => Promise<void>;
      onProgress?: (done: number) => void;
    },
  ): Promise<RedriveResult> {
    const valueless = letters.filter(({ record }) => record.headers[VALUE_DROPPED_HEADER] !== undefined);
    if (valueless.length > 0) {
      // Redriven, it would be an empty record: the service would answer it as undecodable.
      throw new Error(
        `${valueless.length} of the chosen dead letters carry no value (too large for the dead-letter topic: ${valueless.map(({ summary }) => letterPosition(summary)).join(', ')}); replay each from its source offset instead (ops replay --topic <t> --to-topic <t> --partition <p> --from-offset <o> --until-offset <o+1>), then discard it`,
      );
    }
    const result: RedriveResult = { deadLetterTopic: this.log.topicName(this.deadLetterTopic), targetTopic: this.log.topicName(this.sourceTopic), redriven: 0 };
    if (letters.length > 0) await this.log.ensureTopics([this.actionsTopic], { partitions: 1 });
    const size = Math.max(1, options.batch ?? BATCH);
    for (let start = 0; start < letters.length; start += size) {
      const batch = letters.slice(start, start + size);
      await options.pace?.(batch.length);
      await this.log.publishRaw(
        batch.map(({ record }) => ({ topic: this.sourceTopic, key: record.key, value: record.value, headers: withoutDlqHeaders(record.headers) })),
      );
      const at = (options.now?.() ?? new Date()).toISOString();
      await this.log.publishRaw(batch.map((letter) => this.actionRecord(letter, { action: 'redriven', by: options.by, at, target: result.targetTopic })));
      result.redriven += batch.length;
      options.onProgress?.(result.redriven);
    }
    return result;
  }

  /**
   * Records each letter as discarded by `by` for `reason` on the actions topic: redrive skips it
   * from then on. The letter itself stays in the DLQ until retention removes it.
   */
  async discard(letters: DeadLetter[], options: { by: string; reason: string; now?: () => Date }): Promise<DiscardResult> {
    const result: DiscardResult = { deadLetterTopic: this.log.topicName(this.deadLetterTopic), actionsTopic: this.log.topicName(this.actionsTopic), discarded: 0 };
    if (letters.length === 0) return result;
    await this.log.ensureTopics([this.actionsTopic], { partitions: 1 });
    const at = (options.now?.() ?? new Date()).toISOString();
    for (let start = 0; start < letters.length; start += BATCH) {
      const batch = letters.slice(start, start + BATCH);
      await this.log.publishRaw(batch.map((letter) => this.actionRecord(letter, { action: 'discarded', by: options.by, at, reason: options.reason })));
      result.discarded += batch.length;
    }
    return result;
  }

  private actionRecord(letter: DeadLetter, what: Pick<DeadLetterAction, 'action' | 'by' | 'at' | 'reason' | 'target'>): RawPublishRecord {
    const { summary } = letter;
    const action: DeadLetterAction = {
      ...what,
      deadLetterTopic: this.log.topicName(this.deadLetterTopic),
      partition: summary.partition,
      offset: summary.offset,
      id: summary.id,
      type: summary.type,
      key: summary.key,
    };
    return { topic: this.actionsTopic, key: letterPosition(summary), value: JSON.stringify(action), headers: { 'content-type': 'application/json' } };
  }
}

/** How many letters a DLQ holds and how many decisions its actions topic holds. */
export interface DeadLetterDepth {
  /** Records in `<topic>.<group>.dlq` (log end minus log start, over its partitions; 0 when it does not exist). */
  letters: number;
  /** Records on its actions topic: one per letter redriven or discarded. */
  decisions: number;
  /** Letters nobody has redriven or discarded yet: letters minus decisions, never below 0. */
  unhandled: number;
}

/**
 * The depth of the DLQ of (topic, group) from offsets alone, without reading a record (what
 * metrics poll). `unhandled` counts each recorded decision against one letter: exact while both
 * topics keep their records, approximate once retention has removed letters before their
 * decisions; letters marked redriven only by the legacy `ops-redrive` offsets count as unhandled.
 * `dlq list` reads the records and tells exactly.
 */
export async function deadLetterDepth(log: Pick<DeadLetterLog, 'topicOffsets'>, sourceTopic: string, group: string): Promise<DeadLetterDepth> {
  const records = (offsets: PartitionOffsets[] | null) => (offsets ?? []).reduce((sum, { low, high }) => sum + Math.max(0, Number(BigInt(high) - BigInt(low))), 0);
  const letters = records(await log.topicOffsets(deadLetterTopic(sourceTopic, group)));
  const decisions = letters === 0 ? 0 : records(await log.topicOffsets(deadLetterActionsTopic(sourceTopic, group)));
  return { letters, decisions, unhandled: Math.max(0, letters - decisions) };
}

/** An action record's value, or null when it is not one (a foreign record on the topic). */
export function parseDeadLetterAction(value: Buffer | string | null): DeadLetterAction | null {
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value.toString()) as Partial<DeadLetterAction>;
    if ((parsed.action !== 'redriven' && parsed.action !== 'discarded') || typeof parsed.partition !== 'number' || typeof parsed.offset !== 'string') return null;
    return parsed as DeadLetterAction;
  } catch {
    return null;
  }
}

/**
 * The letters with their state: the last action recorded for the same position and event id,
 * else `redriven` below the legacy `ops-redrive` committed offset, else `pending`. A letter
 * written twice (a producer retry, a crash between dead-lettering and the offset commit) is one
 * letter: the same event id from the same source position; the first copy stands for both, and
 * an action on either copy handles it.
 */
export function foldDeadLetters(records: LogRecord[], actions: DeadLetterAction[], watermarks: Array<{ partition: number; offset: string | null }>): DeadLetter[] {
  const lastAction = new Map<string, DeadLetterAction>();
  for (const action of actions) lastAction.set(letterPosition(action), action);
  const below = new Map(watermarks.map(({ partition, offset }) => [partition, offset === null ? 0n : BigInt(offset)]));
  const letters = records
    .map((record) => {
      const headers = headersToStrings(record.headers);
      const header = (name: string) => headers[name] ?? null;
      const id = header('ce_id');
      const action = lastAction.get(letterPosition(record));
      const handled: DeadLetterHandling | null =
        action && action.id === id
          ? { action: action.action, by: action.by, at: action.at, reason: action.reason ?? null }
          : BigInt(record.offset) < (below.get(record.partition) ?? 0n)
            ? { action: 'redriven', by: null, at: null, reason: null }
            : null;
      const state: DeadLetterState = handled?.action ?? 'pending';
      const summary: DeadLetterRecord = {
        partition: record.partition,
        offset: record.offset,
        key: record.key?.toString('utf8') ?? null,
        id,
        type: header('ce_type'),
        sourceTopic: header('dlq_source_topic'),
        sourcePartition: header('dlq_source_partition'),
        sourceOffset: header('dlq_source_offset'),
        sourceTimestamp: header('dlq_source_timestamp'),
        error: header('dlq_error'),
        failedAt: header('dlq_failed_at'),
        attempts: header('dlq_attempts'),
        group: header('dlq_group'),
        state,
        handled,
        redriven: state === 'redriven',
      };
      return { summary, record };
    })
    .sort((a, b) => a.summary.partition - b.summary.partition || Number(BigInt(a.summary.offset) - BigInt(b.summary.offset)));
  const byIdentity = new Map<string, (typeof letters)[number]>();
  for (const letter of letters) {
    const { id, sourceTopic, sourcePartition, sourceOffset } = letter.summary;
    const identity = JSON.stringify([id, sourceTopic, sourcePartition, sourceOffset]);
    const first = byIdentity.get(identity);
    if (!first) byIdentity.set(identity, letter);
    else if (!first.summary.handled && letter.summary.handled) {
      first.summary.handled = letter.summary.handled;
      first.summary.state = letter.summary.state;
      first.summary.redriven = letter.summary.redriven;
    }
  }
  return [...byIdentity.values()];
}
