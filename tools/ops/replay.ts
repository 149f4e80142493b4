// `replay`: a consumer group read again from an offset, a time or a duration ago
// (kafka-consumer-groups.sh --reset-offsets), or a range of a topic republished to a topic with
// the original keys, values and headers (kcat -C ... | kcat -P). Preview by default.
import { Option, type Command } from 'commander';
import { EXIT, NotFoundError, printResult, UsageError, type OpsContext, type OpsKafka } from './context.js';
import { duration, hiddenOption, instant, offset, partitions, rate, withExecute, withJson } from './options.js';
import { ProgressLine, RateLimiter } from './progress.js';
import type { Act } from './cli.js';

export type ReplayStart = { kind: 'beginning' } | { kind: 'offset'; offset: string } | { kind: 'time'; at: Date; agoMs?: number };
export type ReplayEnd = { kind: 'end' } | { kind: 'offset'; offset: string } | { kind: 'time'; at: Date };

export interface ReplayRequest {
  topic: string;
  /** Only these partitions (default: all). */
  partitions?: number[];
  start: ReplayStart;
  /** Republishing only: where the range ends (exclusive; default the log end when planned). */
  end?: ReplayEnd;
  /** Group mode: the group whose committed offsets move. */
  group?: string;
}

export interface ReplayPlanRow {
  partition: number;
  /** Log start and end when planned. */
  low: string;
  high: string;
  /** The group's committed offset (group mode; null where it never committed). */
  committedOffset?: string | null;
  /** Group mode: the new committed offset; republishing: the first offset copied. */
  from: string;
  /** Exclusive end: the log end (group mode) or the end of the range. */
  until: string;
  /** Records from `from` to `until`: what the group reads again, or what is copied. */
  records: number;
}

export type ReplayFacts = Pick<OpsKafka, 'topicOffsets' | 'offsetsForTime' | 'committedOffsets'>;

const clamp = (value: bigint, low: bigint, high: bigint) => (value < low ? low : value > high ? high : value);

/** Where a replay starts and ends on each partition, from the topic's offsets as they are now. */
export async function planReplay(kafka: ReplayFacts, request: ReplayRequest): Promise<ReplayPlanRow[]> {
  const offsets = await kafka.topicOffsets(request.topic);
  if (!offsets) throw new NotFoundError(`topic ${request.topic} does not exist`);
  const known = offsets.map((p) => p.partition);
  const unknown = (request.partitions ?? []).filter((p) => !known.includes(p));
  if (unknown.length > 0) throw new UsageError(`topic ${request.topic} has no partition ${unknown.join(', ')} (it has ${known.join(', ')})`);
  const chosen = offsets.filter((p) => !request.partitions || request.partitions.includes(p.partition));

  const byTime = async (at: Date) => new Map((await kafka.offsetsForTime(request.topic, at)).map(({ partition, offset: o }) => [partition, BigInt(o)]));
  const startTimes = request.start.kind === 'time' ? await byTime(request.start.at) : undefined;
  const endTimes = request.end?.kind === 'time' ? await byTime(request.end.at) : undefined;
  const committed = request.group ? new Map((await kafka.committedOffsets(request.group, request.topic)).map(({ partition, offset: o }) => [partition, o])) : undefined;

  return chosen.map(({ partition, low, high }) => {
    const [lo, hi] = [BigInt(low), BigInt(high)];
    const start = request.start;
    const from = clamp(start.kind === 'beginning' ? lo : start.kind === 'offset' ? BigInt(start.offset) : (startTimes!.get(partition) ?? hi), lo, hi);
    const end = request.end ?? { kind: 'end' };
    const until = request.group ? hi : clamp(end.kind === 'end' ? hi : end.kind === 'offset' ? BigInt(end.offset) : (endTimes!.get(partition) ?? hi), from, hi);
    return {
      partition,
      low,
      high,
      ...(committed ? { committedOffset: committed.get(partition) ?? null } : {}),
      from: String(from),
      until: String(until),
      records: Number(until - from),
    };
  });
}

interface ReplayOptions {
  topic: string;
  group?: string;
  toTopic?: string;
  fromBeginning?: boolean;
  fromOffset?: string;
  fromTime?: Date;
  fromAgo?: number;
  toTimestamp?: Date;
  untilOffset?: string;
  untilTime?: Date;
  partition?: number[];
  execute?: boolean;
  rate?: number;
  progress?: boolean;
  json?: boolean;
}

/** The request the options describe; usage errors for contradictory ones. */
export function replayRequest(options: ReplayOptions, now: Date): ReplayRequest & { toTopic?: string } {
  if (Boolean(options.group) === Boolean(options.toTopic)) throw new UsageError('replay needs --group <group> (move its offsets) or --to-topic <topic> (republish), one of them');
  const starts = [options.fromBeginning, options.fromOffset, options.fromTime, options.fromAgo, options.toTimestamp].filter((o) => o !== undefined);
  if (starts.length > 1) throw new UsageError('give one start: --from-beginning, --from-offset, --from-time or --from-ago');
  if (options.group && (options.untilOffset !== undefined || options.untilTime !== undefined)) {
    throw new UsageError('--until-offset and --until-time end a republished range (--to-topic); a group reads on to the log end');
  }
  if (options.untilOffset !== undefined && options.untilTime !== undefined) throw new UsageError('give one end: --until-offset or --until-time');
  if (options.group && options.rate !== undefined) throw new UsageError('--rate paces republishing (--to-topic); a rewound group reads at its own pace');
  const time = options.fromTime ?? options.toTimestamp;
  const start: ReplayStart =
    options.fromOffset !== undefined
      ? { kind: 'offset', offset: options.fromOffset }
      : time
        ? { kind: 'time', at: time }
        : options.fromAgo !== undefined
          ? { kind: 'time', at: new Date(now.getTime() - options.fromAgo), agoMs: options.fromAgo }
          : { kind: 'beginning' };
  const end: ReplayEnd | undefined =
    options.untilOffset !== undefined ? { kind: 'offset', offset: options.untilOffset } : options.untilTime ? { kind: 'time', at: options.untilTime } : undefined;
  return { topic: options.topic, partitions: options.partition, start, ...(end ? { end } : {}), ...(options.group ? { group: options.group } : { toTopic: options.toTopic }) };
}

/** 5400000 -> `1h30m`. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]] as const) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join('') || '0s';
}

function describeStart(start: ReplayStart): string {
  if (start.kind === 'beginning') return 'the log start';
  if (start.kind === 'offset') return `offset ${start.offset}`;
  return `${start.agoMs !== undefined ? `${formatDuration(start.agoMs)} ago: ` : ''}the first record at or after ${start.at.toISOString()}`;
}

function startJson(start: ReplayStart): object {
  return start.kind === 'time' ? { kind: 'time', at: start.at.toISOString(), ...(start.agoMs !== undefined ? { agoMs: start.agoMs } : {}) } : start;
}

async function replayGroup(context: OpsContext, kafka: OpsKafka, request: ReplayRequest & { group: string }, options: ReplayOptions): Promise<number> {
  const plan = await planReplay(kafka, request);
  const description = await kafka.describeGroup(request.group);
  const changes = plan.filter((row) => row.committedOffset !== row.from);
  const records = plan.reduce((sum, row) => sum + row.records, 0);
  const topic = kafka.topicName(request.topic);
  const base = {
    mode: 'group',
    group: request.group,
    topic,
    start: startJson(request.start),
    groupState: description.state,
    activeMembers: description.members.length,
    partitions: plan,
    records,
  };
  const rows = () =>
    plan.map(
      (row) =>
        `  ${topic} partition=${row.partition} committed=${row.committedOffset ?? '-'} new=${row.from} end=${row.until} to_read=${row.records}${row.committedOffset === row.from ? ' (unchanged)' : ''}`,
    );
  if (!options.execute) {
    const active = description.members.length > 0 ? `; the group has ${description.members.length} active member(s): stop the service before --execute` : '';
    printResult(context, Boolean(options.json), 'replay', { executed: false, ...base }, () => [
      `group ${request.group} on ${topic} from ${describeStart(request.start)}:`,
      ...rows(),
      changes.length > 0
        ? `preview: would move the group's offsets on ${changes.length} partition(s); it then reads ${records} record(s) again when the service starts; run again with --execute${active}`
        : 'nothing to change: the group is already there',
    ]);
    return changes.length > 0 ? EXIT.preview : EXIT.ok;
  }
  await kafka.setGroupOffsets(request.group, request.topic, plan.map((row) => ({ partition: row.partition, offset: row.from })));
  printResult(context, Boolean(options.json), 'replay', { executed: true, ...base }, () => [
    `group ${request.group} on ${topic} moved to ${describeStart(request.start)}:`,
    ...rows(),
    `start the service: it reads ${records} record(s) from there`,
  ]);
  return EXIT.ok;
}

async function republish(context: OpsContext, kafka: OpsKafka, request: ReplayRequest & { toTopic: string }, options: ReplayOptions): Promise<number> {
  const plan = await planReplay(kafka, request);
  const records = plan.reduce((sum, row) => sum + row.records, 0);
  const [topic, toTopic] = [kafka.topicName(request.topic), kafka.topicName(request.toTopic)];
  const base = { mode: 'republish', topic, toTopic, start: startJson(request.start), partitions: plan, records, ratePerSecond: options.rate ?? null };
  const rows = () => plan.map((row) => `  ${topic} partition=${row.partition} offsets ${row.from}..${row.until} (exclusive) records=${row.records}`);
  if ((await kafka.topicOffsets(request.toTopic)) === null) throw new NotFoundError(`topic ${toTopic} does not exist (create it first)`);
  if (!options.execute) {
    printResult(context, Boolean(options.json), 'replay', { executed: false, ...base }, () => [
      `republish ${topic} to ${toTopic} from ${describeStart(request.start)}:`,
      ...rows(),
      records > 0
        ? `preview: would republish up to ${records} record(s) with their original keys, values and headers${options.rate ? ` at ${options.rate}/s` : ''}; run again with --execute`
        : 'nothing to republish: the range is empty',
    ]);
    return records > 0 ? EXIT.preview : EXIT.ok;
  }
  const limiter = options.rate ? new RateLimiter(options.rate, context) : null;
  const chunk = RateLimiter.chunk(options.rate);
  const progress = new ProgressLine(context, 'replay', records, options.progress !== false);
  let published = 0;
  await kafka.readRecords(
    plan.map((row) => ({ topic: request.topic, partition: row.partition, from: row.from, until: row.until })),
    async (batch, heartbeat) => {
      for (let start = 0; start < batch.length; start += chunk) {
        const part = batch.slice(start, start + chunk);
        await limiter?.take(part.length);
        await kafka.publishRaw(part.map((record) => ({ topic: request.toTopic, key: record.key, value: record.value, headers: record.headers })));
        published += part.length;
        progress.update(published);
        await heartbeat();
      }
      return 'continue' as const;
    },
  );
  progress.finish();
  printResult(context, Boolean(options.json), 'replay', { executed: true, ...base, published }, () => [
    `republished ${topic} to ${toTopic}:`,
    ...rows(),
    `republished ${published} record(s) with their original keys, values and headers`,
  ]);
  return EXIT.ok;
}

export async function replay(context: OpsContext, options: ReplayOptions): Promise<number> {
  const request = replayRequest(options, context.now());
  const kafka = await context.kafka();
  if (request.group) return replayGroup(context, kafka, { ...request, group: request.group }, options);
  return republish(context, kafka, { ...request, toTopic: request.toTopic! }, options);
}

export function registerReplay(program: Command, context: OpsContext, act: Act): void {
  withExecute(
    withJson(
      program
        .command('replay')
        .description(
          'read a topic again: move a stopped group back to an offset, a time or a duration ago (--group), or republish a range to a topic with the original keys, values and headers (--to-topic)',
        )
        .requiredOption('--topic <topic>', 'topic to replay (logical name, e.g. cpor.claim-events.v1)')
        .option('--group <group>', 'consumer group to move (a service name; stop the service first)')
        .option('--to-topic <topic>', 'republish the range to this topic instead (it may be --topic itself)')
        .option('--from-beginning', 'start at the log start (the default)')
        .option('--from-offset <offset>', 'start at this offset on each chosen partition (clamped to the log)', offset)
        .option('--from-time <time>', 'start at the first record at or after this time (ISO-8601 with a zone, or a date)', instant)
        .option('--from-ago <duration>', 'start this long ago: 90s, 15m, 2h, 1h30m, 3d, PT2H', duration)
        .addOption(hiddenOption('--to-timestamp <time>', 'earlier name of --from-time').argParser(instant))
        .option('--until-offset <offset>', 'republishing: stop before this offset', offset)
        .option('--until-time <time>', 'republishing: stop before the first record at or after this time', instant)
        .option('--partition <list>', 'only these partitions (comma separated, or repeat the option)', partitions)
        .addOption(new Option('--rate <records/s>', 'republishing: at most this many records per second').argParser(rate))
        .option('--no-progress', 'no progress line on stderr'),
    ),
    'act: move the offsets, or republish',
  )
    .addHelpText(
      'after',
      '\nThe group mode needs the group inactive (Kafka refuses otherwise); the service replays when restarted.\nReplays are safe: consumers deduplicate on ce_id.',
    )
    .action(act((options: ReplayOptions) => replay(context, options)));
}
