import type { DuplicateKind } from './checker.js';
import type { HttpStats } from './http-client.js';

/**
 * The report: one row per scenario (its runs added up; recovery is the slowest run's), written
 * as `reports/faults.json` ({"scenarios":[{"name","claims","lost","duplicate_effects",
 * "dead_lettered","recovery_s"}]}, with more fields beside those) and printed as a table.
 */

export interface RunRecord {
  scenario: string;
  run: string;
  backend: string;
  claims: number;
  lost: number;
  duplicate_effects: number;
  dead_lettered: number;
  /** Fault cleared to drained; null when the run did not drain before the deadline. */
  recovery_s: number | null;
  /** Fault cleared to every service answering /health/ready; null when they did not within 5 minutes. */
  ready_s: number | null;
  /** The scenario's target for ready_s (broker and store outages), if it has one. */
  ready_within_s?: number;
  drained: boolean;
  waiting_for?: string;
  smtp_handoff_repeats: number;
  rejected: number;
  events_missing: number;
  emails_missing: number;
  duplicates_by_kind: Record<DuplicateKind, number>;
  duplicate_keys: string[];
  lost_claims: Array<{ claimId: string; why: string }>;
  emails_missing_keys: string[];
  unexpected_emails: number;
  /** Claims whose snapshot document lags their transition log after the drain (all claims so far). */
  snapshots_behind: number;
  snapshots_behind_claims: string[];
  driver_failures: Array<{ claimId: string; path: string; error: string }>;
  hold_s: number;
  fault_s: number | null;
  seconds: number;
  http: HttpStats;
  notes: Record<string, unknown>;
  expectations: Array<{ what: string; ok: boolean; detail?: string }>;
  /** Services the runner had to restart after the scenario (a consumer out of its group, a process gone). */
  restarted: string[];
  replay?: {
    claims_hashed: number;
    hash_before: string;
    hash_after: string;
    /** Claims (as their transition log has them: version, state, history) that differ after the replay. */
    claims_changed: number;
    changed_claims: string[];
    /** The snapshot documents as stored: a replay that reads a lagging snapshot through the ledger repairs it. */
    documents_hash_before: string;
    documents_hash_after: string;
    documents_changed: number;
    changed_documents: string[];
    deadlines_fired: number;
    deadlines_before: Record<string, number>;
    deadlines_after: Record<string, number>;
    emails_sent: number;
    events_published: number;
    assessments_published: number;
    drained_at: string;
  };
  error?: string;
}

export interface ScenarioRow {
  name: string;
  runs: number;
  claims: number;
  lost: number;
  duplicate_effects: number;
  dead_lettered: number;
  /** The slowest run's; null when a run did not drain. */
  recovery_s: number | null;
  recovery_s_runs: Array<number | null>;
  /** Each run's seconds from the fault cleared to every service ready. */
  ready_s_runs: Array<number | null>;
  smtp_handoff_repeats: number;
  rejected: number;
  events_missing: number;
  emails_missing: number;
  duplicates_by_kind: Record<DuplicateKind, number>;
  /** Full replay only. */
  claims_changed?: number;
  deadlines_fired?: number;
  emails_sent?: number;
  events_published?: number;
  /** What missed a target (empty: every target met). */
  missed: string[];
}

export interface FaultsReport {
  scenarios: ScenarioRow[];
  ok: boolean;
  claims: number;
  started_at: string;
  finished_at: string;
  duration_s: number;
  options: Record<string, unknown>;
  systems: Array<Record<string, unknown>>;
  problems: string[];
  runs: RunRecord[];
}

/** What a run misses of the targets: 0 lost, 0 duplicate effects, drained, nothing missing, ready in time (unless `timing` is false), the scenario's own checks, and for the full replay no change at all. */
export function missedTargets(run: RunRecord, { timing = true }: { timing?: boolean } = {}): string[] {
  const missed: string[] = [];
  if (run.error) missed.push(`${run.run}: failed: ${run.error}`);
  if (run.lost > 0) missed.push(`${run.run}: ${run.lost} claims lost`);
  if (run.duplicate_effects > 0) missed.push(`${run.run}: ${run.duplicate_effects} duplicate effects`);
  if (!run.drained) missed.push(`${run.run}: not drained (${run.waiting_for ?? ''})`);
  if (timing && run.ready_within_s !== undefined && (run.ready_s === null || run.ready_s > run.ready_within_s)) {
    missed.push(`${run.run}: services ready ${run.ready_s === null ? 'not within 5 minutes' : `${run.ready_s} s`} after the fault cleared (target ${run.ready_within_s} s)`);
  }
  if (run.events_missing > 0) missed.push(`${run.run}: ${run.events_missing} lifecycle events missing from the topic`);
  if (run.emails_missing > 0) missed.push(`${run.run}: ${run.emails_missing} emails missing`);
  for (const r of run.restarted) missed.push(`${run.run}: had to restart ${r}`);
  for (const e of run.expectations) if (!e.ok) missed.push(`${run.run}: ${e.what}${e.detail ? ` (${e.detail})` : ''}`);
  if (run.replay) {
    if (run.replay.claims_changed > 0) missed.push(`${run.run}: the replay changed ${run.replay.claims_changed} claims`);
    if (run.replay.deadlines_fired > 0) missed.push(`${run.run}: the replay fired ${run.replay.deadlines_fired} deadlines`);
    if (run.replay.emails_sent > 0) missed.push(`${run.run}: the replay sent ${run.replay.emails_sent} emails`);
    if (run.replay.events_published > 0) missed.push(`${run.run}: the replay published ${run.replay.events_published} lifecycle events`);
  }
  return missed;
}

/** One row per scenario; `timing: false` (the CI run) reports the seconds to be ready without holding them to their target. */
export function aggregate(runs: RunRecord[], { timing = true }: { timing?: boolean } = {}): ScenarioRow[] {
  const rows = new Map<string, ScenarioRow>();
  for (const run of runs) {
    let row = rows.get(run.scenario);
    if (!row) {
      row = {
        name: run.scenario,
        runs: 0,
        claims: 0,
        lost: 0,
        duplicate_effects: 0,
        dead_lettered: 0,
        recovery_s: 0,
        recovery_s_runs: [],
        ready_s_runs: [],
        smtp_handoff_repeats: 0,
        rejected: 0,
        events_missing: 0,
        emails_missing: 0,
        duplicates_by_kind: { event: 0, command: 0, assessment: 0, history: 0, email: 0, claim: 0 },
        missed: [],
      };
      rows.set(run.scenario, row);
    }
    row.runs++;
    row.claims += run.claims;
    row.lost += run.lost;
    row.duplicate_effects += run.duplicate_effects;
    row.dead_lettered += run.dead_lettered;
    row.recovery_s_runs.push(run.recovery_s);
    row.ready_s_runs.push(run.ready_s);
    row.recovery_s = row.recovery_s === null || run.recovery_s === null ? null : Math.max(row.recovery_s, run.recovery_s);
    row.smtp_handoff_repeats += run.smtp_handoff_repeats;
    row.rejected += run.rejected;
    row.events_missing += run.events_missing;
    row.emails_missing += run.emails_missing;
    for (const [kind, n] of Object.entries(run.duplicates_by_kind)) row.duplicates_by_kind[kind as DuplicateKind] += n;
    if (run.replay) {
      row.claims_changed = (row.claims_changed ?? 0) + run.replay.claims_changed;
      row.deadlines_fired = (row.deadlines_fired ?? 0) + run.replay.deadlines_fired;
      row.emails_sent = (row.emails_sent ?? 0) + run.replay.emails_sent;
      row.events_published = (row.events_published ?? 0) + run.replay.events_published;
    }
    row.missed.push(...missedTargets(run, { timing }));
  }
  return [...rows.values()];
}

export function formatTable(rows: ScenarioRow[]): string {
  const header = ['scenario', 'runs', 'claims', 'lost', 'dup', 'handoff', 'dlq', 'rejected', 'ready_s', 'recovery_s', 'target'];
  const seconds = (runs: Array<number | null>) => runs.map((r) => (r === null ? '-' : r.toFixed(1))).join(' / ');
  const lines = rows.map((row) => [
    row.name,
    String(row.runs),
    String(row.claims),
    String(row.lost),
    String(row.duplicate_effects),
    String(row.smtp_handoff_repeats),
    String(row.dead_lettered),
    String(row.rejected),
    seconds(row.ready_s_runs),
    row.recovery_s === null ? 'not drained' : seconds(row.recovery_s_runs),
    row.missed.length === 0 ? 'met' : 'MISSED',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((cell, i) => (i === 0 || i === cells.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
  const out = [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)];
  const totals = rows.reduce(
    (sum, row) => ({ claims: sum.claims + row.claims, lost: sum.lost + row.lost, dup: sum.dup + row.duplicate_effects, handoff: sum.handoff + row.smtp_handoff_repeats, dlq: sum.dlq + row.dead_lettered }),
    { claims: 0, lost: 0, dup: 0, handoff: 0, dlq: 0 },
  );
  out.push(`total: ${totals.claims} claims, ${totals.lost} lost, ${totals.dup} duplicate effects, ${totals.handoff} SMTP hand-off repeats (same Message-ID), ${totals.dlq} dead-lettered`);
  const replay = rows.find((row) => row.claims_changed !== undefined);
  if (replay) {
    out.push(
      `full replay: ${replay.claims_changed} claims changed, ${replay.deadlines_fired} deadlines fired, ${replay.emails_sent} emails sent, ${replay.events_published} lifecycle events published`,
    );
  }
  const missed = rows.flatMap((row) => row.missed);
  out.push(missed.length === 0 ? 'every target met' : `targets missed:\n${missed.map((m) => `  - ${m}`).join('\n')}`);
  return out.join('\n');
}
