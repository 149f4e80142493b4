import type { Scenario } from './scenarios.js';
import type { Backend } from './stack.js';

/** Which scenario runs where and with how many claims. */

export interface PlannedRun {
  scenario: Scenario;
  backend: Backend;
  round: number;
}

/** Every (scenario, backend) pair `repeat` times, round by round, grouped by backend (one system each). */
export function planRuns(scenarios: Scenario[], backends: Backend[], repeat: number): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const backend of backends) {
    for (let round = 1; round <= repeat; round++) {
      for (const scenario of scenarios) {
        if ((scenario.backends ?? [backends[0]]).includes(backend)) runs.push({ scenario, backend, round });
      }
    }
  }
  return runs;
}

/** A scenario's name in the report: with its backend when it runs on several. */
export function reportName(scenario: Scenario, backend: Backend): string {
  return scenario.backends && scenario.backends.length > 1 ? `${scenario.name}@${backend}` : scenario.name;
}

/** Claims per run: the total spread over the runs, at least one claim of each of the 9 paths. */
export function claimsPerRun(total: number, runs: number): number {
  return Math.max(9, Math.ceil(total / Math.max(1, runs)));
}

