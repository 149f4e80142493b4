import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend } from '../faults/stack.js';
import { storeBaseline } from './baselines.js';
import { round } from './processes.js';

/**
 * FerretDB's two backends compared in one run: the run's store and a second FerretDB on the other
 * backend (scripts/other-backend.mjs: its own port and cache folder), started for the comparison
 * and stopped after it. On each, a claim's write set (the store baseline) one claim at a time and
 * `parallel` claims at once: the default backend is the one that is faster under concurrency
 * (docs/operations.md, "FerretDB's backend"), and this shows whether it still is.
 */

export interface BackendFigures {
  one_at_a_time_claims_per_s: number;
  parallel_claims_per_s: number;
  /** Above 1: more writers at once get more done; below 1, the backend serialises them and loses by it. */
  parallel_over_one: number;
}

export interface BackendComparison {
  claims: number;
  parallel: number;
  /** The run's store; the other backend is started beside it. */
  run_backend: Backend;
  /** What `npm start` and the tests use unless FERRETDB_BACKEND says otherwise. */
  default_backend: Backend;
  backends: Partial<Record<Backend, BackendFigures>>;
  faster_under_concurrency: Backend;
}

interface OtherBackend {
  defaultBackend: Backend;
  other: Backend;
  servers: string[];
  env: Record<string, string>;
}

/**
 * The backend of the run's store, from `infra.mjs status`: its FerretDB line must say it is up,
 * at the host and port MONGO_URL names. Null otherwise (MongoDB, a store elsewhere, FerretDB down).
 */
export function runStoreBackend(status: string, mongoUrl: string): Backend | null {
  const line = status.split('\n').find((l) => l.startsWith('mongodb '));
  const match = line === undefined ? null : /^mongodb\s+up\s.*?(mongodb:\/\/\S+)\s+\(FerretDB on (\w+)\)/.exec(line);
  if (!match || new URL(match[1]).host !== new URL(mongoUrl).host) return null;
  const name = match[2].toLowerCase();
  return name === 'postgresql' || name === 'sqlite' ? name : null;
}

async function measure(mongoUrl: string | undefined, claims: number, transitions: number, parallel: number): Promise<BackendFigures> {
  const options = { mongoUrl, postgresWork: false };
  const one = await storeBaseline(claims, transitions, 1, options);
  const many = await storeBaseline(claims, transitions, parallel, options);
  return {
    one_at_a_time_claims_per_s: round(one.claimsPerS, 1),
    parallel_claims_per_s: round(many.claimsPerS, 1),
    parallel_over_one: round(many.claimsPerS / one.claimsPerS, 2),
  };
}

/** The backend whose claims/s with `parallel` writers at once is the higher. */
export function fasterUnderConcurrency(backends: BackendComparison['backends']): Backend {
  const ranked = (Object.entries(backends) as Array<[Backend, BackendFigures]>).sort((a, b) => b[1].parallel_claims_per_s - a[1].parallel_claims_per_s);
  if (ranked.length === 0) throw new Error('no backend measured');
  return ranked[0][0];
}

export async function compareBackends(main: Backend, claims: number, transitions: number, parallel: number): Promise<BackendComparison> {
  const root = process.cwd();
  const { otherBackend } = (await import(pathToFileURL(path.join(root, 'scripts', 'other-backend.mjs')).href)) as {
    otherBackend(root: string, env: NodeJS.ProcessEnv): OtherBackend;
  };
  const other = otherBackend(root, { ...process.env, FERRETDB_BACKEND: main });
  const infra = (command: 'up' | 'down') =>
    execFileSync(process.execPath, [path.join(root, 'scripts', 'infra.mjs'), command, ...other.servers], {
      env: { ...process.env, ...other.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const backends: BackendComparison['backends'] = {};
  backends[main] = await measure(undefined, claims, transitions, parallel);
  // Stopped also after a start that failed halfway (PostgreSQL up, FerretDB not); the first
  // failure is the one reported.
  let failure: unknown;
  try {
    infra('up');
    backends[other.other] = await measure(other.env.MONGO_URL, claims, transitions, parallel);
  } catch (error) {
    failure = error;
  }
  try {
    infra('down');
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) throw failure;
  return { claims, parallel, run_backend: main, default_backend: other.defaultBackend, backends, faster_under_concurrency: fasterUnderConcurrency(backends) };
}

export function printBackendComparison(c: BackendComparison): void {
  console.log(`\n--- FerretDB backends: a claim's write set (raw driver, as the store baseline), ${c.claims} claims ---`);
  for (const [backend, f] of Object.entries(c.backends)) {
    const label = `${backend}${backend === c.run_backend ? ' (this run)' : ''}`;
    console.log(`${label.padEnd(22)} one at a time ${f.one_at_a_time_claims_per_s} claims/s, ${c.parallel} in parallel ${f.parallel_claims_per_s} claims/s (x${f.parallel_over_one})`);
  }
  const isDefault = c.faster_under_concurrency === c.default_backend;
  console.log(`faster under concurrency: ${c.faster_under_concurrency}, ${isDefault ? 'the default' : `NOT the default (${c.default_backend}): see docs/operations.md, "FerretDB's backend"`}`);
}
