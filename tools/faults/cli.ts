import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Backend } from './stack.js';
import { SCENARIOS } from './scenarios.js';

/** `npm run test:faults -- [options]`: the options, checked before anything is started. */

export interface FaultsOptions {
  claims: number;
  scenarios?: string[];
  repeat: number;
  short: boolean;
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
    .option('--short', 'the CI-sized run: 200 claims, each scenario once, faults held a quarter as long (the broker pause still outlasts the session timeout)', false)
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

/** The options, with --short's defaults applied where not given. */
export function parseOptions(argv: string[], writeErr?: (text: string) => void): FaultsOptions {
  const program = buildProgram(writeErr);
  program.parse(argv, { from: 'user' });
  const o = program.opts();
  const given = (name: string) => program.getOptionValueSource(name) === 'cli';
  const short = Boolean(o.short);
  return {
    claims: short && !given('claims') ? 200 : o.claims,
    scenarios: o.scenarios,
    repeat: short && !given('repeat') ? 1 : o.repeat,
    short,
    holdScale: o.holdScale ?? (short ? 0.25 : 1),
    concurrency: o.concurrency,
    backends: o.backends,
    drainTimeoutS: o.drainTimeout,
    keepServers: Boolean(o.keepServers),
    keepData: Boolean(o.keepData),
    json: Boolean(o.json),
    out: o.out,
    list: Boolean(o.list),
  };
}

export { CommanderError };
