#!/usr/bin/env node
// The project's one test command (`npm test`): type check, lint, then every Jest project
// (unit, integration, end-to-end) against real servers that it brings up itself (reusing any
// already listening) and stops again if it started them. Ends with "N passed, N failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as infra from './infra.mjs';

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

const before = await infra.status({ quiet: true, log: () => {} });
const startedHere = before.every((server) => server.state === 'down');
console.log('\n== servers');
await infra.up();

const resultsFile = path.join(root, '.cache', 'jest-results.json');
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });
const passed = run(
  'jest (unit, integration, e2e)',
  process.execPath,
  ['--experimental-vm-modules', path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', '--json', `--outputFile=${resultsFile}`, ...jestArgs],
  { NODE_NO_WARNINGS: '1' },
);

if (startedHere && !process.env.KEEP_SERVERS) {
  console.log('\n== stopping the servers this run started');
  await infra.down();
}

let summary = { numPassedTests: 0, numFailedTests: 0, numPendingTests: 0 };
if (fs.existsSync(resultsFile)) summary = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
console.log(`\ntests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed`);
process.exit(passed && summary.numFailedTests === 0 && summary.numPassedTests > 0 ? 0 : 1);
