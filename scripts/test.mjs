#!/usr/bin/env node
// The project's one test command (`npm test`): type check, lint, then every Jest project
// (unit, integration, end-to-end) against real servers that it brings up itself (reusing any
// already listening) and stops again if it started them, then the fault suite's CI run. Ends with
// "N passed, N failed".
import './node-version.mjs'; // Node 24+: stops with a hint on an older Node
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as infra from './infra.mjs';
import { otherBackend } from './other-backend.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (label, cmd, args, env = {}) => {
  console.log(`\n== ${label}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
};

const jestArgs = process.argv.slice(2);
if (!run('type check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'])) process.exit(1);
if (!run('lint', bin('eslint'), ['.'])) process.exit(1);

// The portal's browser tests (test/browser) drive Debian's Chromium through playwright-core, which
// downloads no browser: install it like infra.mjs installs PostgreSQL (apt-get, when we are root).
if ((jestArgs.length === 0 || jestArgs.some((arg) => /e2e|browser/.test(arg))) && !ensureChromium()) process.exit(1);

function ensureChromium() {
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  console.log('\n== chromium');
  if (fs.existsSync(chromium)) {
    console.log(`${chromium} (for the portal's browser tests)`);
    return true;
  }
  const canInstall = !process.env.CHROMIUM_PATH && process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!canInstall) {
    console.error(`${chromium} is missing; the portal's browser tests need it: apt-get install chromium (Debian's package), or set CHROMIUM_PATH to a Chromium binary`);
    return false;
  }
  console.log(`${chromium} is missing; installing Debian's chromium with apt-get`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  return run('apt-get update', 'apt-get', ['update'], env) && run('apt-get install chromium', 'apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], env) && fs.existsSync(chromium);
}

const before = await infra.status({ quiet: true, log: () => {} });
const startedHere = before.every((server) => server.state === 'down');
console.log('\n== servers');
await infra.up();

const jest = (label, resultsFile, args, env = {}) => {
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.rmSync(resultsFile, { force: true });
  return run(
    label,
    process.execPath,
    ['--experimental-vm-modules', path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', '--json', `--outputFile=${resultsFile}`, ...args],
    { NODE_NO_WARNINGS: '1', ...env },
  );
};
const resultsFile = path.join(root, '.cache', 'jest-results.json');
let passed = jest('jest (unit, integration, e2e)', resultsFile, jestArgs);

// The integration tests again on FerretDB's other backend (SQLite when the default is
// PostgreSQL): both must hold the same guarantees. A second FerretDB on its own port and cache
// (scripts/other-backend.mjs), stopped afterwards. Skipped when a subset of tests was asked for.
const otherResultsFile = path.join(root, '.cache', 'jest-results-other-backend.json');
fs.rmSync(otherResultsFile, { force: true });
if (jestArgs.length === 0 && !process.env.MONGO_URL) {
  const { other, env } = otherBackend(root);
  passed = jest(`jest (integration on FerretDB/${other})`, otherResultsFile, ['--selectProjects', 'integration'], env) && passed;
  run(`stopping FerretDB/${other}`, process.execPath, [path.join(root, 'scripts', 'infra.mjs'), 'down'], env);
}

if (startedHere && !process.env.KEEP_SERVERS) {
  console.log('\n== stopping the servers this run started');
  await infra.down();
}

// The fault suite's CI-sized run (docs/faults.md: `--ci`, about 10 minutes), alone on the machine
// now that the servers above are stopped: on servers and ports of its own, so it also runs beside a
// developer's `npm start`. Only with the whole suite; SKIP_FAULTS=1 leaves it out.
let faultsPassed = true;
if (jestArgs.length === 0 && !process.env.SKIP_FAULTS) {
  faultsPassed = run('fault suite (npm run test:faults -- --ci)', 'npm', ['run', '--silent', 'test:faults', '--', '--ci']);
  console.log(`\nfault suite: ${faultsPassed ? 'every target met' : 'targets missed (above; reports/faults.json)'}`);
}

const summary = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 };
for (const file of [resultsFile, otherResultsFile]) {
  if (!fs.existsSync(file)) continue;
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const key of Object.keys(summary)) summary[key] += results[key];
}
console.log(`\ntests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed`);
process.exit(passed && faultsPassed && summary.numFailedTests === 0 && summary.numPassedTests > 0 ? 0 : 1);
