// The ops command: consumer groups, dead letters, replays and claims (docs/operations.md#ops-commands).
//   npm run build && npm run ops -- --help
// Kafka from KAFKA_BROKERS (default 127.0.0.1:9092), with SASL and TLS from KAFKA_SASL_* and KAFKA_TLS*
// (docs/operations.md#kafka-security); KAFKA_TOPIC_PREFIX applies to topics and groups.
// The store (claim show) from MONGO_URL and MONGO_DB. The commands are in cli.ts and one module per group.
import { Logger } from '@nestjs/common';
import { dropOutputWhenReaderCloses } from './closed-pipe.js';
import { runOps } from './cli.js';
import { serverContext } from './servers.js';

// kafkajs warnings and errors go through the Nest logger, whose console logger writes warnings to
// stdout: send them to stderr, so stdout carries results (and --json) only.
const toStderr = (level: string) => (message: unknown) => void process.stderr.write(`[${level}] ${String(message)}\n`);
Logger.overrideLogger({ log: () => undefined, debug: () => undefined, verbose: () => undefined, warn: toStderr('warn'), error: toStderr('error'), fatal: toStderr('fatal') });

// kafkajs's request queue arms a timer at `throttledUntil - Date.now()` with throttledUntil = -1
// when nothing is throttled, which Node 24 reports as a TimeoutNegativeWarning on every run (the
// timer fires at once, as intended). Keep that one off stderr; print every other warning.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

dropOutputWhenReaderCloses(process.stdout);
dropOutputWhenReaderCloses(process.stderr);

const { context, close } = serverContext(process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: Boolean(process.stderr.isTTY),
});
const code = await runOps(process.argv.slice(2), context);
await close();
process.exitCode = code;
// A client that still holds a handle must not keep the command alive (an unref'd timer fires only then).
setTimeout(() => process.exit(code), 2_000).unref();
