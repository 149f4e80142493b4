// `dlq list|show|redrive|discard`: the dead letters of `<topic>.<group>.dlq`.
//
// What an operator did is recorded on `<topic>.<group>.dlq.actions` (DeadLetterQueue in
// @cpor/messaging): one record per redriven or discarded letter with who, when, why and the
// letter's position and event id. A letter with an action is no longer pending, so redrive skips
// it; the DLQ itself is never rewritten and no consumer offset moves.
import { Option, type Command } from 'commander';
import { DeadLetterQueue, letterPosition, type DeadLetter, type DeadLetterRecord, type DeadLetterState } from '@cpor/messaging';
import { EXIT, NotFoundError, operator, printResult, UsageError, type OpsContext } from './context.js';
import { list, offsetRanges, positiveInt, rate, withExecute, withJson, type OffsetRange } from './options.js';
import { ProgressLine, RateLimiter } from './progress.js';
import type { Act } from './cli.js';

export interface Selection {
  ids?: string[];
  offsets?: OffsetRange[];
  all?: boolean;
}

interface DlqOptions {
  topic: string;
  group: string;
  json?: boolean;
}

type SelectOptions = DlqOptions & { id?: string[]; offsets?: OffsetRange[]; all?: boolean; limit?: number };

export function selectionOf(options: { id?: string[]; offsets?: OffsetRange[]; all?: boolean }): Selection {
  const named = Boolean(options.id?.length || options.offsets?.length);
  if (options.all && named) throw new UsageError('choose the dead letters with --all or with --id/--offsets, not both');
  if (!options.all && !named) throw new UsageError('choose the dead letters: --id <ce_id,...>, --offsets <P@A-B,...> or --all');
  return options.all ? { all: true } : { ids: options.id, offsets: options.offsets };
}

function inRange(letter: DeadLetterRecord, range: OffsetRange): boolean {
  const at = BigInt(letter.offset);
  return (range.partition === null || range.partition === letter.partition) && at >= range.from && (range.to === null || at <= range.to);
}

/**
 * The letters a selection names, in DLQ order: every letter with --all, else each letter whose
 * `ce_id` is among the ids or whose position is in one of the ranges. `missing` lists the ids
 * and ranges that named no letter.
 */
export function selectLetters(letters: DeadLetter[], selection: Selection): { selected: DeadLetter[]; missing: string[] } {
  if (selection.all) return { selected: letters, missing: [] };
  const ids = new Set(selection.ids ?? []);
  const ranges = selection.offsets ?? [];
  const selected = letters.filter(({ summary }) => (summary.id !== null && ids.has(summary.id)) || ranges.some((range) => inRange(summary, range)));
  const missing = [
    ...[...ids].filter((id) => !letters.some(({ summary }) => summary.id === id)),
    ...ranges.filter((range) => !letters.some(({ summary }) => inRange(summary, range))).map((range) => range.text),
  ];
  return { selected, missing };
}

function letterLine(letter: DeadLetterRecord): string {
  const handled = letter.handled
    ? ` ${letter.handled.action}${letter.handled.by ? ` by=${letter.handled.by}` : ''}${letter.handled.at ? ` at=${letter.handled.at}` : ''}${letter.handled.reason ? ` reason=${JSON.stringify(letter.handled.reason)}` : ''}`
    : '';
  return [
    `${letterPosition(letter)}`,
    `state=${letter.state}${handled ? ` (${handled.trim()})` : ''}`,
    `id=${letter.id ?? '-'}`,
    `type=${letter.type ?? '-'}`,
    `key=${letter.key ?? '-'}`,
    `source=${letter.sourceTopic ?? '-'}/${letter.sourcePartition ?? '-'}@${letter.sourceOffset ?? '-'}`,
    `attempts=${letter.attempts ?? '-'}`,
    `failed_at=${letter.failedAt ?? '-'}`,
    `error=${JSON.stringify(letter.error ?? '')}`,
  ].join(' ');
}

function counts(letters: DeadLetter[]): Record<DeadLetterState, number> {
  const result: Record<DeadLetterState, number> = { pending: 0, redriven: 0, discarded: 0 };
  for (const { summary } of letters) result[summary.state]++;
  return result;
}

async function open(context: OpsContext, options: DlqOptions): Promise<{ queue: DeadLetterQueue; letters: DeadLetter[]; dlq: string }> {
  const kafka = await context.kafka();
  const queue = new DeadLetterQueue(kafka, options.topic, options.group);
  return { queue, letters: await queue.read(), dlq: kafka.topicName(queue.deadLetterTopic) };
}

function selected(letters: DeadLetter[], selection: Selection, dlq: string): DeadLetter[] {
  const { selected: chosen, missing } = selectLetters(letters, selection);
  if (missing.length > 0) throw new NotFoundError(`no dead letter ${missing.join(', ')} in ${dlq}; nothing was done`);
  return chosen;
}

export async function listLetters(context: OpsContext, options: DlqOptions & { limit?: number; state?: DeadLetterState }): Promise<number> {
  const { letters, dlq } = await open(context, options);
  const shown = letters.filter(({ summary }) => !options.state || summary.state === options.state).slice(0, options.limit);
  const total = counts(letters);
  printResult(context, Boolean(options.json), 'dlq list', { deadLetterTopic: dlq, counts: total, letters: shown.map(({ summary }) => summary) }, () => [
    ...shown.map(({ summary }) => letterLine(summary)),
    `${letters.length} dead letter(s) in ${dlq}: ${total.pending} pending, ${total.redriven} redriven, ${total.discarded} discarded`,
  ]);
  return EXIT.ok;
}

/** The record's value as text when it is UTF-8 (pretty-printed when JSON), else base64. */
export function payloadOf(value: Buffer | null): { value: string | null; valueEncoding: 'utf8' | 'base64'; pretty: string | null } {
  if (value === null) return { value: null, valueEncoding: 'utf8', pretty: null };
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value)) return { value: value.toString('base64'), valueEncoding: 'base64', pretty: null };
  try {
    return { value: text, valueEncoding: 'utf8', pretty: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return { value: text, valueEncoding: 'utf8', pretty: null };
  }
}

export async function showLetters(context: OpsContext, options: SelectOptions): Promise<number> {
  const selection = selectionOf(options);
  const { letters, dlq } = await open(context, options);
  const chosen = selected(letters, selection, dlq).slice(0, options.limit);
  const shown = chosen.map(({ summary, record }) => {
    const { value, valueEncoding, pretty } = payloadOf(record.value);
    const headers = Object.fromEntries(
      Object.entries(record.headers)
        .filter(([, header]) => header !== undefined)
        .map(([name, header]) => [name, (Array.isArray(header) ? header.at(-1)! : header!).toString()]),
    );
    return { summary, timestamp: new Date(Number(record.timestamp)).toISOString(), headers, value, valueEncoding, pretty };
  });
  printResult(
    context,
    Boolean(options.json),
    'dlq show',
    { deadLetterTopic: dlq, letters: shown.map(({ summary, timestamp, headers, value, valueEncoding }) => ({ ...summary, timestamp, headers, value, valueEncoding })) },
    () =>
      shown.flatMap(({ summary, timestamp, headers, value, valueEncoding, pretty }) => [
        `dead letter ${letterPosition(summary)} of ${dlq}: state=${summary.state}${summary.handled?.by ? ` (${summary.handled.action} by ${summary.handled.by})` : ''}`,
        `  key: ${summary.key ?? '(none)'}`,
        `  timestamp: ${timestamp}`,
        '  headers:',
        ...Object.entries(headers).map(([name, header]) => `    ${name}: ${header}`),
        `  payload${valueEncoding === 'base64' ? ' (base64, not UTF-8)' : ''}:`,
        ...(value === null ? ['    (null)'] : (pretty ?? value).split('\n').map((line) => `    ${line}`)),
        '',
      ]),
  );
  return EXIT.ok;
}

interface ActOptions extends SelectOptions {
  execute?: boolean;
  by?: string;
  rate?: number;
  progress?: boolean;
}

/** Selected letters that are pending (up to --limit), and those skipped because already handled. */
function actionable(letters: DeadLetter[], selection: Selection, options: ActOptions, dlq: string): { chosen: DeadLetter[]; skipped: DeadLetterRecord[] } {
  const picked = selected(letters, selection, dlq);
  const pending = picked.filter(({ summary }) => summary.state === 'pending');
  return { chosen: pending.slice(0, options.limit), skipped: picked.filter(({ summary }) => summary.state !== 'pending').map(({ summary }) => summary) };
}

function skippedLines(skipped: DeadLetterRecord[]): string[] {
  return skipped.length === 0 ? [] : [`skipped ${skipped.length} letter(s) already handled: ${skipped.map((s) => `${letterPosition(s)} (${s.state}${s.handled?.by ? ` by ${s.handled.by}` : ''})`).join(', ')}`];
}

export async function redriveLetters(context: OpsContext, options: ActOptions): Promise<number> {
  const selection = selectionOf(options);
  const by = options.execute ? operator(options.by, context.env) : undefined;
  const { queue, letters, dlq } = await open(context, options);
  const kafka = await context.kafka();
  const target = kafka.topicName(options.topic);
  const { chosen, skipped } = actionable(letters, selection, options, dlq);
  const base = { deadLetterTopic: dlq, targetTopic: target, letters: chosen.map(({ summary }) => summary), skipped, count: chosen.length };
  if (!options.execute) {
    printResult(context, Boolean(options.json), 'dlq redrive', { executed: false, ...base }, () => [
      ...chosen.map(({ summary }) => letterLine(summary)),
      ...skippedLines(skipped),
      chosen.length > 0
        ? `preview: would redrive ${chosen.length} dead letter(s) from ${dlq} to ${target}, each with its original ce_id; run again with --execute`
        : `nothing to redrive in ${dlq}`,
    ]);
    return chosen.length > 0 ? EXIT.preview : EXIT.ok;
  }
  const progress = new ProgressLine(context, 'redrive', chosen.length, options.progress !== false && chosen.length > 100);
  const limiter = options.rate ? new RateLimiter(options.rate, context) : null;
  const result = await queue.redrive(chosen, {
    by: by!,
    now: () => context.now(),
    batch: RateLimiter.chunk(options.rate),
    pace: async (records) => limiter?.take(records),
    onProgress: (done) => progress.update(done),
  });
  progress.finish();
  printResult(context, Boolean(options.json), 'dlq redrive', { executed: true, ...base, by, redriven: result.redriven }, () => [
    ...chosen.map(({ summary }) => letterLine(summary)),
    ...skippedLines(skipped),
    `redrove ${result.redriven} dead letter(s) from ${dlq} to ${target} (recorded on ${kafka.topicName(queue.actionsTopic)} as redriven by ${by})`,
  ]);
  return EXIT.ok;
}

export async function discardLetters(context: OpsContext, options: ActOptions & { reason: string }): Promise<number> {
  const reason = options.reason.trim();
  if (!reason) throw new UsageError('--reason must say why the letters are discarded');
  const selection = selectionOf(options);
  const by = options.execute ? operator(options.by, context.env) : undefined;
  const { queue, letters, dlq } = await open(context, options);
  const kafka = await context.kafka();
  const actionsTopic = kafka.topicName(queue.actionsTopic);
  const { chosen, skipped } = actionable(letters, selection, options, dlq);
  const base = { deadLetterTopic: dlq, actionsTopic, reason, letters: chosen.map(({ summary }) => summary), skipped, count: chosen.length };
  if (!options.execute) {
    printResult(context, Boolean(options.json), 'dlq discard', { executed: false, ...base }, () => [
      ...chosen.map(({ summary }) => letterLine(summary)),
      ...skippedLines(skipped),
      chosen.length > 0
        ? `preview: would discard ${chosen.length} dead letter(s) of ${dlq}, recorded on ${actionsTopic}; run again with --execute`
        : `nothing to discard in ${dlq}`,
    ]);
    return chosen.length > 0 ? EXIT.preview : EXIT.ok;
  }
  const result = await queue.discard(chosen, { by: by!, reason, now: () => context.now() });
  printResult(context, Boolean(options.json), 'dlq discard', { executed: true, ...base, by, discarded: result.discarded }, () => [
    ...chosen.map(({ summary }) => letterLine(summary)),
    ...skippedLines(skipped),
    `discarded ${result.discarded} dead letter(s) of ${dlq} (recorded on ${actionsTopic}: by ${by}, reason ${JSON.stringify(reason)})`,
  ]);
  return EXIT.ok;
}

const STATES: DeadLetterState[] = ['pending', 'redriven', 'discarded'];

function dlqCommand(parent: Command, name: string, description: string): Command {
  return withJson(
    parent
      .command(name)
      .description(description)
      .requiredOption('--topic <topic>', 'source topic of the dead letters (logical name, e.g. cpor.claim-events.v1)')
      .requiredOption('--group <group>', 'consumer group that dead-lettered them (a service name, e.g. notifications)'),
  );
}

function withSelection(command: Command): Command {
  return command
    .option('--id <ids>', 'dead letters with these ce_id values (comma separated, or repeat the option)', list)
    .option('--offsets <ranges>', 'dead letters at these DLQ positions: P@N, P@A-B (inclusive), P@A- (to the end), A-B (any partition); comma separated or repeated', offsetRanges)
    .option('--all', 'every dead letter');
}

export function registerDlq(program: Command, context: OpsContext, act: Act): void {
  const dlq = program
    .command('dlq')
    .description('dead letters of <topic>.<group>.dlq: list, show, redrive, discard')
    .addHelpText('after', '\nDecisions (redriven, discarded: who, when, why) are recorded on <topic>.<group>.dlq.actions; redrive skips letters already handled.');

  dlqCommand(dlq, 'list', 'one line per dead letter: position, state, ce_id, type, key, source, attempts, failure time, error (kcat -C -e on the DLQ)')
    .option('--limit <n>', 'at most n letters', positiveInt)
    .addOption(new Option('--state <state>', 'only letters in this state').choices(STATES))
    .action(act((options: DlqOptions & { limit?: number; state?: DeadLetterState }) => listLetters(context, options)));

  withSelection(dlqCommand(dlq, 'show', 'headers and payload of the chosen dead letters (kcat -C -J -o <offset> -c 1)'))
    .option('--limit <n>', 'at most n letters', positiveInt)
    .action(act((options: SelectOptions) => showLetters(context, options)));

  withExecute(
    withSelection(dlqCommand(dlq, 'redrive', 'copy the chosen pending dead letters back to <topic> with their original ce_id, key and headers (minus dlq_*)')),
    'redrive them',
  )
    .option('--limit <n>', 'at most n letters (the first pending ones, in DLQ order)', positiveInt)
    .option('--by <name>', 'who redrives, recorded with each letter (default: $USER)')
    .addOption(new Option('--rate <records/s>', 'at most this many letters per second').argParser(rate))
    .option('--no-progress', 'no progress line on stderr (shown from 100 letters on)')
    .action(act((options: ActOptions) => redriveLetters(context, options)));

  withExecute(
    withSelection(dlqCommand(dlq, 'discard', 'record the chosen pending dead letters as discarded (who and why), so redrive never sends them')),
    'discard them',
  )
    .requiredOption('--reason <text>', 'why they are discarded, recorded with each letter')
    .option('--limit <n>', 'at most n letters (the first pending ones, in DLQ order)', positiveInt)
    .option('--by <name>', 'who discards, recorded with each letter (default: $USER)')
    .action(act((options: ActOptions & { reason: string }) => discardLetters(context, options)));
}
