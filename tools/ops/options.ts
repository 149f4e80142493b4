// Option values, parsed and checked where commander reads them: a bad value is a usage error
// (exit 2) that names the option, before anything connects to a server.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Duration } from 'luxon';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

/** A Kafka offset (>= 0), kept as a decimal string like kafkajs does. */
export function offset(value: string): string {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('must be an offset (a whole number >= 0)');
  return BigInt(value.trim()).toString();
}

/** Records per second: any number > 0 (0.5 = one record every two seconds). */
export function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of records per second > 0');
  return n;
}

/** `0,2` or repeated: partitions, accumulated. */
export function partitions(value: string, previous: number[] = []): number[] {
  const parsed = value.split(',').map((part) => part.trim());
  if (parsed.some((part) => !/^\d+$/.test(part))) throw new InvalidArgumentError('must list partition numbers, e.g. 0,2');
  return [...new Set([...previous, ...parsed.map(Number)])].sort((a, b) => a - b);
}

/** `a,b` or repeated: non-empty values, accumulated. */
export function list(value: string, previous: string[] = []): string[] {
  const parsed = value.split(',').map((part) => part.trim()).filter(Boolean);
  if (parsed.length === 0) throw new InvalidArgumentError('must not be empty');
  return [...new Set([...previous, ...parsed])];
}

/**
 * A point in time: RFC 3339 with a zone (`2020-06-01T10:00:00Z`, `...+02:00`) or a date
 * (`2020-06-01`, midnight UTC). A time without a zone is refused rather than read as local time.
 */
export function instant(value: string): Date {
  const text = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const zoned = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const at = new Date(dateOnly ? `${text}T00:00:00Z` : text);
  if ((!dateOnly && !zoned) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('must be an ISO-8601 time with a zone, e.g. 2020-06-01T10:00:00Z, or a date (midnight UTC)');
  }
  return at;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration in ms: `90s`, `15m`, `2h`, `1h30m`, `3d`, `1w`, or ISO-8601 (`PT2H`, `P1D`). */
export function duration(value: string): number {
  const text = value.trim();
  if (/^P/i.test(text)) {
    const parsed = Duration.fromISO(text.toUpperCase());
    if (parsed.isValid && parsed.toMillis() > 0) return parsed.toMillis();
  } else if (/^(\d+(ms|s|m|h|d|w))+$/.test(text)) {
    let ms = 0;
    for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(amount) * UNIT_MS[unit];
    if (ms > 0) return ms;
  }
  throw new InvalidArgumentError('must be a duration such as 90s, 15m, 2h, 1h30m, 3d or PT2H');
}

/** Offsets of dead letters: `P@N`, `P@A-B` (inclusive), `P@A-` (to the end); without `P@`, on every partition. */
export interface OffsetRange {
  partition: number | null;
  from: bigint;
  /** Inclusive; null = no end. */
  to: bigint | null;
  /** As written, for messages. */
  text: string;
}

export function offsetRanges(value: string, previous: OffsetRange[] = []): OffsetRange[] {
  const ranges = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((text) => {
      const match = /^(?:(\d+|\*)@)?(\d+)(?:(-)(\d+)?)?$/.exec(text);
      if (!match) throw new InvalidArgumentError(`'${text}' is not P@N, P@A-B, P@A- or A-B (P a partition)`);
      const [, partition, from, dash, to] = match;
      const range: OffsetRange = {
        partition: partition === undefined || partition === '*' ? null : Number(partition),
        from: BigInt(from),
        to: dash ? (to === undefined ? null : BigInt(to)) : BigInt(from),
        text,
      };
      if (range.to !== null && range.to < range.from) throw new InvalidArgumentError(`'${text}' ends before it starts`);
      return range;
    });
  if (ranges.length === 0) throw new InvalidArgumentError('must not be empty');
  return [...previous, ...ranges];
}

/** `--json` on every command: one JSON document on stdout instead of text. */
export function withJson(command: Command): Command {
  return command.option('--json', 'print the result as one JSON document on stdout (errors and progress stay on stderr)');
}

/** `--execute`, the option that turns a preview into the action. */
export function withExecute(command: Command, what: string): Command {
  return command.option('--execute', `${what} (without it: preview only, exit 3 when there is work to do)`);
}

export function hiddenOption(flags: string, description: string): Option {
  return new Option(flags, description).hideHelp();
}
