// Ops CLI for topics, consumer lag, dead letters and replays. Plain lines out, exit code 1 on failure.
//   npm run build && npm run ops -- <command>
// Kafka from KAFKA_BROKERS (default 127.0.0.1:9092); KAFKA_TOPIC_PREFIX applies to topics and groups.
import { deadLetterTopic, SUBSCRIPTIONS, TOPICS } from '@cpor/contracts';
import { GroupActiveError, messagingConfigFromEnv, MessagingAdmin, topicName } from '@cpor/messaging';

const USAGE = `usage: npm run ops -- <command>

  topics ensure                                   create every topic and DLQ that is missing
  lag --group <group> [--topic <topic>]           committed offset, log end and lag per partition
  dlq list --topic <topic> --group <group> [--limit <n>]
                                                  show dead letters of <topic>.<group>.dlq (no offsets change)
  dlq redrive --topic <topic> --group <group> [--limit <n>]
                                                  copy dead letters back to <topic> (same ce_id, key, headers
                                                  minus dlq_*); each record is redriven once
  replay --group <group> --topic <topic> [--to-timestamp <ISO-8601>]
                                                  rewind the group to the log start (or the timestamp); stop
                                                  the service first, it replays when restarted

Topics and groups are logical names (e.g. ${TOPICS.claimEvents}, notifications).`;

class UsageError extends Error {}

interface ParsedArgs {
  positional: string[];
  flags: Map<string, string>;
}

function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positional, flags };
}

function required(args: ParsedArgs, name: string): string {
  const value = args.flags.get(name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function optionalCount(args: ParsedArgs, name: string): number | undefined {
  const value = args.flags.get(name);
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`--${name} must be a positive integer`);
  return count;
}

async function run(argv: string[], print: (line: string) => void): Promise<void> {
  const args = parseArgs(argv);
  const [command, sub] = args.positional;
  if (!command || command === 'help' || args.flags.has('help')) {
    print(USAGE);
    return;
  }
  const config = messagingConfigFromEnv('cpor-ops');
  const admin = new MessagingAdmin(config);
  try {
    if (command === 'topics' && sub === 'ensure') {
      const topics = new Set<string>(Object.values(TOPICS));
      // Every (service, topic) pair of SUBSCRIPTIONS has a dead-letter topic.
      for (const [group, byTopic] of Object.entries(SUBSCRIPTIONS)) for (const topic of Object.keys(byTopic)) topics.add(deadLetterTopic(topic, group));
      const created = new Set(await admin.ensureTopics([...topics]));
      for (const topic of [...topics].sort()) {
        const physical = topicName(config, topic);
        print(`${created.has(physical) ? 'created' : 'exists '} ${physical}`);
      }
      return;
    }

    if (command === 'lag') {
      const group = required(args, 'group');
      const topic = args.flags.get('topic');
      const rows = await admin.consumerLag(group, topic ? [topic] : undefined);
      if (rows.length === 0) print(`group ${group} has no committed offsets${topic ? ` on ${topic}` : ''}`);
      for (const row of rows) {
        print(`${row.topic} partition=${row.partition} committed=${row.committedOffset ?? '-'} end=${row.logEndOffset} lag=${row.lag}`);
      }
      print(`total lag ${rows.reduce((sum, row) => sum + row.lag, 0)}`);
      return;
    }

    if (command === 'dlq' && sub === 'list') {
      const topic = required(args, 'topic');
      const group = required(args, 'group');
      const letters = await admin.listDeadLetters(topic, group, { limit: optionalCount(args, 'limit') });
      for (const letter of letters) {
        print(
          [
            `${letter.partition}@${letter.offset}`,
            `id=${letter.id ?? '-'}`,
            `type=${letter.type ?? '-'}`,
            `key=${letter.key ?? '-'}`,
            `source=${letter.sourceTopic ?? '-'}/${letter.sourcePartition ?? '-'}@${letter.sourceOffset ?? '-'}`,
            `attempts=${letter.attempts ?? '-'}`,
            `failed_at=${letter.failedAt ?? '-'}`,
            `redriven=${letter.redriven ? 'yes' : 'no'}`,
            `error=${JSON.stringify(letter.error ?? '')}`,
          ].join(' '),
        );
      }
      const dlq = topicName(config, deadLetterTopic(topic, group));
      print(`${letters.length} dead letter(s) in ${dlq}, ${letters.filter((letter) => !letter.redriven).length} not redriven`);
      return;
    }

    if (command === 'dlq' && sub === 'redrive') {
      const topic = required(args, 'topic');
      const group = required(args, 'group');
      const result = await admin.redriveDeadLetters(topic, group, { limit: optionalCount(args, 'limit') });
      print(`redrove ${result.redriven} record(s) from ${result.deadLetterTopic} to ${result.targetTopic}`);
      return;
    }

    if (command === 'replay') {
      const topic = required(args, 'topic');
      const group = required(args, 'group');
      const timestamp = args.flags.get('to-timestamp');
      const toTimestamp = timestamp === undefined ? undefined : new Date(timestamp);
      if (toTimestamp && Number.isNaN(toTimestamp.getTime())) throw new UsageError('--to-timestamp must be an ISO-8601 timestamp');
      const result = await admin.rewindGroup(group, topic, { toTimestamp });
      for (const { partition, offset } of result.partitions) print(`${result.topic} partition=${partition} offset=${offset}`);
      print(`group ${group} rewound on ${result.topic}${toTimestamp ? ` to ${toTimestamp.toISOString()}` : ' to the log start'}; start the service to replay`);
      return;
    }

    throw new UsageError(`unknown command: ${args.positional.join(' ')}`);
  } finally {
    await admin.disconnect();
  }
}

run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof GroupActiveError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exit(1);
  },
);
