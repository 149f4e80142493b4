// The ops command's parser (commander): the command groups register themselves here, and
// runOps maps every outcome to an exit code (docs/operations.md#exit-codes).
import { Command, CommanderError } from 'commander';
import { GroupActiveError } from '@cpor/messaging';
import { EXIT, NotFoundError, UsageError, type OpsContext } from './context.js';
import { registerClaim } from './claim.js';
import { registerClock } from './clock.js';
import { registerDlq } from './dlq.js';
import { registerGroups } from './groups.js';
import { registerReplay } from './replay.js';
import { registerTopics } from './topics.js';

/** Wraps a command's handler: its exit code is kept for runOps. */
export type Act = <A extends unknown[]>(handler: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

const EPILOGUE = `
Names: topics and groups are logical (cpor.claim-events.v1, notifications); KAFKA_TOPIC_PREFIX is added.
Environment: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX, MONGO_URL, MONGO_DB (claim show).
Commands that change something preview by default and act with --execute.
Exit codes: 0 done, 1 failed, 2 usage error, 3 preview with work not done (add --execute), 4 not found.
Every command takes --help and --json. Guide: docs/operations.md#ops-commands`;

export function buildProgram(context: OpsContext, act: Act): Command {
  const program = new Command('ops')
    .usage('<command> [options]   (npm run ops -- <command> ...)')
    .description('CPOR operations: consumer groups, dead letters, replays, claims')
    .configureOutput({
      writeOut: (text) => context.io.stdout(text),
      writeErr: (text) => context.io.stderr(text),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .helpCommand('help [command]', 'help for a command')
    .addHelpText('afterAll', EPILOGUE);
  // Settings above are copied to each subcommand as it is created (program.command(...)).
  registerGroups(program, context, act);
  registerDlq(program, context, act);
  registerReplay(program, context, act);
  registerClaim(program, context, act);
  registerClock(program, context, act);
  registerTopics(program, context, act);
  return program;
}

function message(error: unknown): string {
  if (error instanceof GroupActiveError || error instanceof UsageError || error instanceof NotFoundError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Parses `argv` (the words after `npm run ops --`), runs the command, and answers its exit code. */
export async function runOps(argv: string[], context: OpsContext): Promise<number> {
  let code: number = EXIT.ok;
  const act: Act =
    (handler) =>
    async (...args) => {
      code = await handler(...args);
    };
  const program = buildProgram(context, act);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.ok;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help (and `help <command>`) exit 0; a group named without its subcommand shows its help on stderr: usage.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage; // commander has printed the error and the hint
    }
    if (error instanceof UsageError) {
      context.io.stderr(`error: ${error.message}\n(add --help for usage)\n`);
      return EXIT.usage;
    }
    context.io.stderr(`error: ${message(error)}\n`);
    return error instanceof NotFoundError ? EXIT.notFound : EXIT.failure;
  }
}
