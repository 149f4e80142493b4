#!/usr/bin/env node
// Regenerates the generated blocks of docs/lifecycle.md (state diagram, transitions, policies,
// reasons, eligibility rules) from libs/domain. The domain is TypeScript, so this runs the doc
// spec through Jest/ts-jest in write mode; without LIFECYCLE_DOC=write the same spec only checks.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', 'libs/domain/src/lifecycle-diagram.spec.ts', '--selectProjects', 'unit'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, LIFECYCLE_DOC: 'write' } },
);
process.exit(result.status ?? 1);
