import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { activeTraceIds, configSchema, logScrubber, readEnv, requestContext, setting, type Environment, type RequestContext } from '@cpor/kernel';

export type LogFormat = 'json' | 'pretty';

export interface LogSettings {
  level: LevelWithSilent;
  format: LogFormat;
}

/** Where finished lines go: anything with a `write(line)`. */
export interface LogDestination {
  write(line: string): unknown;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LevelWithSilent[];

/** The logging variables every service reads (checked at start with the chassis's). */
export const logSettingsSchema = configSchema({
  LOG_LEVEL: setting.oneOf<(typeof LEVELS)[number], 'info'>(LEVELS, { description: 'the least severe level logged (docs/operations.md, Logs)', default: 'info' }),
  LOG_FORMAT: setting.oneOf(['json', 'pretty'], {
    description: '`json`: one JSON object per line; `pretty`: readable, coloured text (`npm start` asks for it when its own output is a terminal)',
    shownDefault: '`pretty` when standard output is a terminal, else `json`',
  }),
});

/** LOG_LEVEL and LOG_FORMAT; the format's default depends on whether standard output is a terminal. */
export function logSettingsFromEnv(env: Environment = process.env, stdoutIsTty = Boolean(process.stdout.isTTY)): LogSettings {
  const { LOG_LEVEL, LOG_FORMAT } = readEnv(logSettingsSchema, env);
  return { level: LOG_LEVEL, format: LOG_FORMAT ?? (stdoutIsTty ? 'pretty' : 'json') };
}

/** Secrets of the environment that no line may ever hold, searched for literally. */
export function secretsFromEnv(env: Environment = process.env): Array<string | undefined> {
  return [env.JWT_SECRET, env.CONSENT_LINK_SECRET, env.SMTP_PASSWORD, env.OIDC_CLIENT_SECRET, env.PORTAL_SESSION_SECRET];
}

/** Standard output, looked up at each write (so a test can capture it). */
export const STDOUT: LogDestination = { write: (line) => process.stdout.write(line) };

/**
 * The order and names of the context fields in a line. `traceId` and `spanId` are the active
 * span's when tracing is on; otherwise `traceId` is the one the request or record came with.
 */
export function contextFields(context: Readonly<RequestContext> | undefined, service: string): Record<string, unknown> {
  const fields: Record<string, unknown> = { service: context?.service ?? service };
  const span = activeTraceIds();
  const ids: Partial<RequestContext> & { spanId?: string } = { ...context, ...span };
  for (const key of ['correlationId', 'traceId', 'spanId', 'claimId', 'eventId', 'topic', 'partition', 'offset'] as const) {
    if (ids[key] !== undefined) fields[key] = ids[key];
  }
  return fields;
}

/**
 * Keys that never hold anything loggable, wherever they sit in a logged object (one level deep):
 * pino replaces their values. Headers are not logged at all (the request serializer keeps the
 * method and path only), so this is a second fence.
 */
const REDACT_PATHS = ['authorization', 'cookie', 'password', 'token', 'secret', 'headers', 'body', 'email'].flatMap((key) => [key, `*.${key}`]);

/**
 * The one pino logger of a service process: Nest's logger, kafkajs (through Nest's logger), the
 * HTTP access log and our code all write through it. Each line is one JSON object with `level`
 * (a name), `time` (ISO 8601), `service`, the current request context's ids (see
 * `contextFields`), `context` (the Nest logger's name) and `msg`; `LOG_FORMAT=pretty` renders the
 * same lines as coloured text. Every finished line is scrubbed (see libs/kernel/src/redaction.ts).
 */
export function createServiceLogger(
  service: string,
  settings: LogSettings = logSettingsFromEnv(),
  destination: LogDestination = STDOUT,
  secrets: Array<string | undefined> = secretsFromEnv(),
): PinoLogger {
  const scrub = logScrubber(secrets);
  return pino(
    {
      level: settings.level,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => contextFields(requestContext(), service),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: { streamWrite: scrub },
    },
    settings.format === 'pretty' ? prettyDestination(destination) : destination,
  );
}

/** Human-readable lines for a terminal (`npm start`): one line each, coloured when the terminal takes colours. */
function prettyDestination(destination: LogDestination): LogDestination {
  const pretty = prettyFactory({
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return { write: (line) => destination.write(pretty(line)) };
}
