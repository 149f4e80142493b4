// What every command works with: the Kafka and store seams (behind interfaces, so unit tests
// drive the commands with fakes), where output goes, the time, and the exit codes.
import type { MessagingAdmin } from '@cpor/messaging';
import type { ClaimDossier } from '@cpor/persistence';

/** Exit codes of `npm run ops` (docs/operations.md#exit-codes). */
export const EXIT = {
  /** Done (or nothing to do); `--help`. */
  ok: 0,
  /** Failed: a server unreachable, a group still active, a timeout... (message on stderr). */
  failure: 1,
  /** Usage error: unknown command or option, a missing or invalid value (message and hint on stderr). */
  usage: 2,
  /** Preview: there is work to do and nothing was done; run again with `--execute`. */
  preview: 3,
  /** A claim or dead letter named on the command line does not exist; nothing was done. */
  notFound: 4,
} as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The Kafka operations the commands use (MessagingAdmin implements them; tests use a fake). */
export type OpsKafka = Pick<
  MessagingAdmin,
  | 'topicName'
  | 'ensureTopics'
  | 'topicOffsets'
  | 'offsetsForTime'
  | 'committedOffsets'
  | 'consumerLag'
  | 'listGroups'
  | 'describeGroup'
  | 'setGroupOffsets'
  | 'readRecords'
  | 'publishRaw'
>;

/** The store reads of `claim show`. */
export interface OpsStore {
  claimDossier(claimId: string): Promise<ClaimDossier | null>;
  /** The controlled business clock's offset from the wall clock (0 before any move). */
  clockOffsetMs(): Promise<number>;
  recordClockMove(offsetMs: number, by: string): Promise<void>;
}

export interface OpsIo {
  /** Results: text, or one JSON document with `--json`. */
  stdout(text: string): void;
  /** Errors, progress and hints: never mixed with results. */
  stderr(text: string): void;
  /** Whether stderr is a terminal (the progress line redraws itself only there). */
  stderrIsTTY: boolean;
}

export interface OpsContext {
  /** Connected on first use, so `--help` and usage errors never reach a server. */
  kafka(): Promise<OpsKafka>;
  store(): Promise<OpsStore>;
  io: OpsIo;
  env: NodeJS.ProcessEnv;
  now(): Date;
  /** Milliseconds on a monotonic clock, and a way to wait: the rate limit (fakes in tests). */
  monotonicMs(): number;
  sleep(ms: number): Promise<void>;
}

/** Every result printed with `--json` names its command. */
export function printResult(context: OpsContext, json: boolean, command: string, result: object, text: () => string[]): void {
  if (json) context.io.stdout(`${JSON.stringify({ command, ...result }, null, 2)}\n`);
  else for (const line of text()) context.io.stdout(`${line}\n`);
}

/** Who acts (`--by`, else the login name), for the records redrive and discard leave. */
export function operator(by: string | undefined, env: NodeJS.ProcessEnv): string {
  const name = (by ?? env.USER ?? env.LOGNAME ?? env.USERNAME ?? '').trim();
  if (!name) throw new UsageError('who is acting is unknown: pass --by <name>');
  return name;
}
