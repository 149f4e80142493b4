import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Backend } from './stack.js';
import { SCENARIOS } from './scenarios.js';

/** `npm run test:faults -- [options]`: the options, checked before anything is started. */

export interface FaultsOptions {
  claims: number;
  scenarios?: string[];
  repeat: number;
  short: boolean;
  /** The CI-sized run (`--ci`): timing is reported, not a target. */
  ci: boolean;
  holdScale: number;
  concurrency: number;
  backends: Backend[];
  drainTimeoutS: number;
  keepServers: boolean;
  keepData: boolean;
  json: boolean;
  out: string;
  list: boolean;
}

/**
 * What `--ci` runs: a fault of each kind that has broken a guarantee before (docs/faults.md, "What
 * it found"), once, with the fewest claims: about 10 minutes on a 2-core machine.
 */
export const CI_SCENARIOS = ['broker-kill', 'kill-review', 'kill-notifications', 'store-stop', 'duplicates', 'poison', 'full-replay'];

const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
  return n;
};

const scale = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 10) throw new InvalidArgumentError('a factor between 0 and 10');
  return n;
};

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

const backends = (value: string): Backend[] => {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => n !== 'postgresql' && n !== 'sqlite');
  if (bad.length > 0 || names.length === 0) throw new InvalidArgumentError('postgresql and/or sqlite, comma separated');
  return [...new Set(names)] as Backend[];
};

export function buildProgram(writeErr: (text: string) => void = (text) => process.stderr.write(text)): Command {
  return new Command('test:faults')
    .description(
      'the fault suite: drives claims through their whole lifecycle against the five services running as processes, ' +
        'injects one fault at a time (broker killed and paused, services killed, the store stopped, SMTP down, duplicates and rewinds, ' +
        'poison records, second instances, a full replay), and checks from outside that no claim is lost and no effect happens twice',
    )
    .option('--claims <n>', 'claims in the whole run, spread over the scenario runs', positive('--claims'), 2000)
    .option('--scenarios <names>', `only these scenarios, comma separated (${SCENARIOS.map((s) => s.name).join(', ')})`, list)
    .option('--repeat <k>', 'runs of each scenario', positive('--repeat'), 2)
    .option('--short', 'a shorter run: 200 claims, each scenario once, faults held a quarter as long (the broker pause still outlasts the session timeout)', false)
    .option(
      '--ci',
      `the run npm test does: ${CI_SCENARIOS.join(', ')}, once each with 9 claims, faults held a quarter as long, on postgresql; seconds to recover and to be ready are reported, not targets`,
      false,
    )
    .addOption(new Option('--hold-scale <factor>', 'scale of the fault durations (1 = 60 s store stop, 2 min SMTP outage)').argParser(scale))
    .option('--concurrency <n>', 'claims driven at once', positive('--concurrency'), 16)
    .option('--backends <list>', 'FerretDB backends: one system each (the store-stop scenario runs on each; the others on the first)', backends, ['postgresql', 'sqlite'] as Backend[])
    .option('--drain-timeout <s>', 'how long a scenario may take to drain after its fault cleared', positive('--drain-timeout'), 600)
    .option('--keep-servers', 'leave the suite\'s servers running at the end', false)
    .option('--keep-data', 'keep the run\'s topics, database and emails (for a post-mortem)', false)
    .option('--json', 'print the JSON report on stdout instead of the table', false)
    .option('--out <file>', 'where the JSON report goes', 'reports/faults.json')
    .option('--list', 'list the scenarios and exit', false)
    .exitOverride()
    .configureOutput({ writeErr });
}

/** The options, with --short's or --ci's defaults applied where not given. */
export function parseOptions(argv: string[], writeErr?: (text: string) => void): FaultsOptions {
  const program = buildProgram(writeErr);
  program.parse(argv, { from: 'user' });
  const o = program.opts();
  const given = (name: string) => program.getOptionValueSource(name) === 'cli';
  const short = Boolean(o.short);
  const ci = Boolean(o.ci);
  const scenarios: string[] | undefined = o.scenarios ?? (ci ? CI_SCENARIOS : undefined);
  return {
    claims: given('claims') ? o.claims : ci ? 9 * (scenarios?.length ?? 1) : short ? 200 : o.claims,
    scenarios,
    repeat: (short || ci) && !given('repeat') ? 1 : o.repeat,
    short,
    ci,
    holdScale: o.holdScale ?? (short || ci ? 0.25 : 1),
    concurrency: o.concurrency,
    backends: ci && !given('backends') ? ['postgresql'] : o.backends,
    drainTimeoutS: o.drainTimeout,
    keepServers: Boolean(o.keepServers),
    keepData: Boolean(o.keepData),
    json: Boolean(o.json),
    out: o.out,
    list: Boolean(o.list),
  };
}

export { CommanderError };
