/**
 * `npm run test:faults`: the fault suite (docs/faults.md). Builds nothing itself (the npm script
 * builds first); starts its own servers (scripts/infra.mjs, on ports of its own), runs the
 * scenarios, prints the table, writes reports/faults.json, and exits 1 when a target is missed.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError, parseOptions } from './cli.js';
import { aggregate, formatTable, type FaultsReport } from './report.js';
import { runSuite } from './runner.js';
import { SCENARIOS, selectScenarios } from './scenarios.js';
import { stackSettings } from './stack.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// kafkajs computes a negative timeout now and then (a known quirk; Node sets it to 1 ms and warns).
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    throw error;
  }
  if (options.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(20)} ${s.what}${s.backends ? ` [backends: ${s.backends.join(', ')}]` : ''}`);
    return 0;
  }
  let scenarios;
  try {
    scenarios = selectScenarios(options.scenarios);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  const settings = stackSettings(root, process.env);
  const logDir = path.join(root, 'reports', 'faults-logs');
  mkdirSync(logDir, { recursive: true });
  // The suite's own Kafka clients (libs/messaging) log through Nest's logger: kafkajs's
  // connection errors while the broker is down, by the hundred. They go to a file.
  const suiteLog = path.join(logDir, 'suite.log');
  const toFile = (level: string) => (message: unknown) => appendFileSync(suiteLog, `${new Date().toISOString()} ${level} ${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  Logger.overrideLogger({ log: toFile('log'), error: toFile('error'), warn: toFile('warn'), debug: toFile('debug'), verbose: toFile('verbose'), fatal: toFile('fatal') });
  log(`servers: ${settings.cacheDir} (kafka ${settings.ports.kafka}, store ${settings.ports.mongo}, postgres ${settings.ports.postgres}, smtp ${settings.ports.smtp}, mail API ${settings.ports.mailHttp})`);
  const started = Date.now();
  const result = await runSuite({
    root,
    stack: settings,
    scenarios,
    claims: options.claims,
    repeat: options.repeat,
    holdScale: options.holdScale,
    concurrency: options.concurrency,
    backends: options.backends,
    drainTimeoutMs: options.drainTimeoutS * 1000,
    keepServers: options.keepServers,
    keepData: options.keepData,
    logDir,
    log,
  });
  const rows = aggregate(result.runs, { timing: !options.ci });
  const report: FaultsReport = {
    scenarios: rows,
    ok: rows.every((row) => row.missed.length === 0) && result.problems.length === 0,
    claims: result.claimsTotal,
    started_at: result.startedAt,
    finished_at: result.finishedAt,
    duration_s: Math.round((Date.now() - started) / 1000),
    options: { ...options, scenarios: scenarios.map((s) => s.name) },
    systems: result.systems,
    problems: result.problems,
    runs: result.runs,
  };
  const out = path.resolve(root, options.out);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(formatTable(rows));
    for (const problem of result.problems) console.log(`problem: ${problem}`);
    console.log(`${report.claims} claims in ${Math.round(report.duration_s / 60)} min; report: ${path.relative(process.cwd(), out)}`);
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`test:faults failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
