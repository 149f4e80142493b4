import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS } from '@cpor/contracts';
import { changedClaims, check, hashClaims, missedTarget, newFindings, type CheckResult, type DrivenClaim } from './checker.js';
import { topicTotals, waitForGroup } from './broker.js';
import { Driver, type BatchProgress, type ClaimRun } from './driver.js';
import { HttpClient, type HttpStats } from './http-client.js';
import { observe, TopicLog } from './observe.js';
import type { RunRecord } from './report.js';
import { claimsPerRun, planRuns, reportName, type PlannedRun } from './plan.js';
import { retrying, type Scenario, type ScenarioContext } from './scenarios.js';
import { SERVICES } from './services.js';
import { Stack, type Backend, type StackSettings } from './stack.js';
import { startFaultSystem, type FaultSystem } from './system.js';

/**
 * The suite: for each FerretDB backend, one system; on it, each scenario in turn (every scenario
 * once per round, `repeat` rounds), each with its own batch of claims; after each scenario the
 * drain, then the checker over everything read so far, whose new findings are the scenario's.
 */

export interface SuiteOptions {
  root: string;
  stack: StackSettings;
  scenarios: Scenario[];
  claims: number;
  repeat: number;
  /** Fault durations scale (1 full; less with --short). */
  holdScale: number;
  concurrency: number;
  backends: Backend[];
  drainTimeoutMs: number;
  keepServers: boolean;
  keepData: boolean;
  logDir: string;
  log: (line: string) => void;
}

export interface SuiteResult {
  runs: RunRecord[];
  startedAt: string;
  finishedAt: string;
  claimsTotal: number;
  systems: Array<{ backend: Backend; runId: string; topicPrefix: string; mongoDb: string }>;
  problems: string[];
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const { log } = options;
  const startedAt = new Date().toISOString();
  const plan = planRuns(options.scenarios, options.backends, options.repeat);
  if (plan.length === 0) throw new Error(`no scenario runs on backend(s) ${options.backends.join(', ')}`);
  const perRun = claimsPerRun(options.claims, plan.length);
  log(`${plan.length} scenario runs of ${perRun} claims each (${plan.length * perRun} claims) on ${options.backends.join(', ')}`);
  mkdirSync(options.logDir, { recursive: true });

  const stack = await Stack.open(options.root, options.stack, plan[0].backend, (line) => log(line));
  await stack.up();
  const runs: RunRecord[] = [];
  const systems: SuiteResult['systems'] = [];
  const problems: string[] = [];
  let system: FaultSystem | undefined;
  // Interrupted: kill the services, stop the servers (unless --keep-servers), then exit.
  const onSignal = () => {
    system?.fleet.killAllNow();
    const servers = options.keepServers ? Promise.resolve() : stack.down().catch(() => undefined);
    void servers.finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const backend of options.backends) {
      const mine = plan.filter((run) => run.backend === backend);
      if (mine.length === 0) continue;
      await stack.useBackend(backend);
      await stack.up();
      system = await startFaultSystem(options.root, stack, options.logDir, log);
      systems.push({ backend, runId: system.runId, topicPrefix: system.topicPrefix, mongoDb: system.mongoDb });
      const phase = new Phase(system, stack, options, perRun);
      try {
        for (const planned of mine) runs.push(await phase.run(planned));
      } finally {
        await system.stop(!options.keepData).catch((error) => problems.push(`stopping system ${system?.runId}: ${(error as Error).message}`));
        system = undefined;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!options.keepServers) await stack.down().catch((error) => problems.push(`stopping the servers: ${(error as Error).message}`));
  }
  return { runs, startedAt, finishedAt: new Date().toISOString(), claimsTotal: runs.reduce((sum, r) => sum + r.claims, 0), systems, problems };
}

/** One system and the scenario runs on it. */
class Phase {
  private readonly driver: Driver;
  private readonly http: HttpClient;
  private readonly topics: TopicLog;
  private readonly driven: ClaimRun[] = [];
  private previous: CheckResult | undefined;
  private nextIndex = 0;
  private runCount = new Map<string, number>();

  constructor(
    private readonly system: FaultSystem,
    private readonly stack: Stack,
    private readonly options: SuiteOptions,
    private readonly perRun: number,
  ) {
    this.http = new HttpClient();
    this.driver = new Driver(system.driverSystem, this.http);
    this.topics = new TopicLog(system.admin);
  }

  async run(planned: PlannedRun): Promise<RunRecord> {
    const { scenario, backend } = planned;
    const name = reportName(scenario, backend);
    const n = (this.runCount.get(name) ?? 0) + 1;
    this.runCount.set(name, n);
    const label = `${name}#${n}`;
    const log = (line: string) => this.options.log(`[${label}] ${line}`);
    log(`start: ${scenario.what}`);
    const started = Date.now();
    const httpBefore = { ...this.http.stats };
    const batch = this.driver.start({
      run: label,
      count: this.perRun,
      firstIndex: this.nextIndex,
      concurrency: this.options.concurrency,
      spreadMs: scenario.quiet ? 0 : (scenario.trafficS + scenario.holdS * this.options.holdScale) * 1000,
      duplicateUpstream: scenario.duplicateUpstream,
      log,
    });
    this.nextIndex += this.perRun;
    this.driven.push(...batch.claims);

    let injectedAt: number | undefined;
    let clearedAt: number | undefined;
    let ready: Promise<number | null> | undefined;
    const notes: Record<string, unknown> = {};
    const expectations: Array<{ what: string; ok: boolean; detail?: string }> = [];
    const context: ScenarioContext = {
      stack: this.stack,
      fleet: this.system.fleet,
      admin: this.system.admin,
      ops: (argv) => retrying(() => this.system.ops(argv)),
      batch,
      holdScale: this.options.holdScale,
      warmup: () => warmup(batch),
      injected: () => {
        injectedAt ??= Date.now();
      },
      cleared: () => {
        clearedAt = Date.now();
        ready = this.secondsUntilReady(clearedAt);
        log(`fault cleared ${injectedAt ? `after ${((clearedAt - injectedAt) / 1000).toFixed(1)} s` : ''}`);
      },
      publish: (topic, records) => retrying(() => this.system.admin.publishRaw(records.map((r) => ({ topic, ...r })))),
      claimIds: () => batch.claims.filter((c) => c.accepted && c.phase !== 'done' && c.phase !== 'failed').map((c) => c.claimId),
      note: (key, value) => {
        notes[key] = value;
      },
      expect: (what, ok, detail) => {
        expectations.push({ what, ok, ...(detail ? { detail } : {}) });
        if (!ok) log(`expectation failed: ${what}${detail ? ` (${detail})` : ''}`);
      },
      log,
    };

    let error: string | undefined;
    let replay: RunRecord['replay'];
    try {
      if (scenario.quiet) {
        await batch.done;
        const rest = await this.drain(batch, log, started);
        if (!rest.drained) log(`the batch did not drain before the replay (${rest.waitingFor})`);
        const before = await this.replaySnapshot();
        await scenario.run(context);
        const drainedAt = (await this.drain(batch, log, clearedAt ?? Date.now())).at;
        // Anything a replay would do late (a deadline, an email) has had time to show.
        await sleep(10_000);
        const after = await this.replaySnapshot();
        const claimsChanged = changedClaims(before.perClaim, after.perClaim);
        const documentsChanged = changedClaims(before.rawPerClaim, after.rawPerClaim);
        replay = {
          claims_hashed: before.claims,
          hash_before: before.hash,
          hash_after: after.hash,
          claims_changed: claimsChanged.length,
          changed_claims: claimsChanged.slice(0, 10),
          documents_hash_before: before.rawHash,
          documents_hash_after: after.rawHash,
          documents_changed: documentsChanged.length,
          changed_documents: documentsChanged.slice(0, 10),
          deadlines_fired: Math.max(0, (after.deadlines.fired ?? 0) - (before.deadlines.fired ?? 0)),
          deadlines_before: before.deadlines,
          deadlines_after: after.deadlines,
          emails_sent: after.emails - before.emails,
          events_published: after.events - before.events,
          assessments_published: after.assessments - before.assessments,
          drained_at: new Date(drainedAt).toISOString(),
        };
        log(
          `replay: ${replay.claims_changed} of ${replay.claims_hashed} claims changed, ${replay.deadlines_fired} deadlines fired, ${replay.emails_sent} emails sent, ${replay.events_published} lifecycle events published`,
        );
      } else {
        const outcome = await Promise.allSettled([batch.done, scenario.run(context)]);
        const failed = outcome.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (failed) throw failed.reason;
      }
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      log(`scenario failed: ${error}`);
      await batch.done.catch(() => undefined);
    }
    // Before restore(), which would restart a service that never came back.
    const readyS = ready ? await ready : null;
    const restarted = await this.restore(log);
    clearedAt ??= Date.now();
    const drain = scenario.quiet ? { drained: true, at: Date.now(), waitingFor: '' } : await this.drain(batch, log, clearedAt);

    // The checker, over everything read so far; this run's findings are what is new.
    const input = await retrying(
      () =>
        observe(this.topics, this.system.store, this.system.mail, {
          driven: this.driven as DrivenClaim[],
          partnerIds: this.system.partnerIds,
          tag: this.system.tag,
          reviewersEmail: this.system.reviewersEmail,
          opsEmail: this.system.opsEmail,
        }),
      300_000,
    );
    const result = check(input);
    const findings = newFindings(result, this.previous);
    this.previous = result;
    const failedClaims = batch.claims.filter((c) => c.phase === 'failed');
    const record: RunRecord = {
      scenario: name,
      run: label,
      backend,
      claims: batch.accepted(),
      lost: findings.lost,
      duplicate_effects: findings.duplicateEffects,
      dead_lettered: findings.deadLettered,
      recovery_s: drain.drained ? round1((drain.at - clearedAt) / 1000) : null,
      ready_s: readyS,
      ...(scenario.readyWithinS !== undefined ? { ready_within_s: scenario.readyWithinS } : {}),
      drained: drain.drained,
      ...(drain.drained ? {} : { waiting_for: drain.waitingFor }),
      smtp_handoff_repeats: findings.smtpHandoffRepeats,
      rejected: findings.rejected,
      events_missing: findings.eventsMissing,
      emails_missing: findings.emailsMissing,
      duplicates_by_kind: findings.duplicatesByKind,
      duplicate_keys: findings.duplicateKeys.slice(0, 20),
      lost_claims: findings.lostClaims.slice(0, 20),
      emails_missing_keys: findings.emailsMissingKeys.slice(0, 20),
      unexpected_emails: result.unexpectedEmails,
      snapshots_behind: result.snapshotsBehind.size,
      snapshots_behind_claims: [...result.snapshotsBehind].slice(0, 10),
      driver_failures: failedClaims.map((c) => ({ claimId: c.claimId, path: c.path, error: c.error ?? '' })).slice(0, 20),
      hold_s: scenario.holdS ? Math.max(1, Math.round(scenario.holdS * this.options.holdScale)) : 0,
      fault_s: injectedAt !== undefined ? round1((clearedAt - injectedAt) / 1000) : null,
      seconds: round1((Date.now() - started) / 1000),
      http: diffStats(this.http.stats, httpBefore),
      notes,
      expectations,
      restarted,
      ...(replay ? { replay } : {}),
      ...(error ? { error } : {}),
    };
    log(
      `done in ${record.seconds} s: ${record.claims} claims, lost ${record.lost}, duplicate effects ${record.duplicate_effects}, handoff repeats ${record.smtp_handoff_repeats}, dead-lettered ${record.dead_lettered}, recovery ${record.recovery_s ?? 'not drained'} s`,
    );
    return record;
  }

  /**
   * Drained: every group without lag, the outbox empty, no email waiting, the mail server's count
   * for the run steady for 3 s, and every claim of the batch the driver did not give up on at
   * its target. Polled every second until the deadline.
   */
  private async drain(batch: BatchProgress, log: (line: string) => void, from: number): Promise<{ drained: boolean; at: number; waitingFor: string }> {
    // From the clear; and whatever held the batch up past that, the drain is polled for at least 30 s.
    const giveUpAt = Math.max(from + this.options.drainTimeoutMs, Date.now() + 30_000);
    const ids = batch.claims.filter((c) => c.accepted && c.phase !== 'failed').map((c) => c.claimId);
    const targets = new Map(batch.claims.map((c) => [c.claimId, c.target]));
    let mails = -1;
    let steadySince = Date.now();
    let waitingFor: string;
    let lastReport = 0;
    for (;;) {
      try {
        const [lag, outbox, deliveries, claims, mailCount] = await Promise.all([
          this.system.lag(),
          this.system.store.outboxPending(),
          this.system.store.deliveriesPending(),
          this.system.store.claims(ids),
          this.system.mail.count(this.system.tag),
        ]);
        if (mailCount !== mails) {
          mails = mailCount;
          steadySince = Date.now();
        }
        const off = ids.filter((id) => missedTarget(claims.find((c) => c.id === id), targets.get(id)!) !== undefined).length;
        const waiting = [
          lag === null ? 'lag unknown' : lag > 0 ? `lag ${lag}` : '',
          outbox > 0 ? `outbox ${outbox}` : '',
          deliveries > 0 ? `emails queued ${deliveries}` : '',
          off > 0 ? `claims not at target ${off}` : '',
          Date.now() - steadySince < 3_000 ? 'mail count moving' : '',
        ].filter(Boolean);
        waitingFor = waiting.join(', ');
        if (waiting.length === 0) return { drained: true, at: steadySince, waitingFor: '' };
      } catch (error) {
        waitingFor = `unreadable: ${(error as Error).message}`;
      }
      if (Date.now() > giveUpAt) {
        log(`not drained after ${Math.round((Date.now() - from) / 1000)} s: ${waitingFor}`);
        return { drained: false, at: Date.now(), waitingFor };
      }
      if (Date.now() - lastReport > 30_000) {
        log(`draining: ${waitingFor}`);
        lastReport = Date.now();
      }
      await sleep(1_000);
    }
  }

  /**
   * Whatever a scenario left broken is put back, so the next scenario starts from a working
   * system: servers up and resumed, every main instance running, no second instance, and every
   * service whose consumer group has no member restarted (what a supervisor would have to do;
   * the service itself still reports ready then: see `restarted` in the report).
   */
  private async restore(log: (line: string) => void): Promise<string[]> {
    const restarted: string[] = [];
    try {
      if (this.stack.pid('kafka')) this.stack.signal('kafka', 'SIGCONT');
      await this.stack.up();
      for (const service of SERVICES) {
        const instance = this.system.fleet.instance(service);
        if (instance) instance.child.kill('SIGCONT');
        else {
          log(`${service} was not running: starting it`);
          await this.system.fleet.start(service);
          restarted.push(`${service}: not running`);
        }
        if (this.system.fleet.instance(service, 1)) await this.system.fleet.stop(service, 1);
      }
      for (const service of SERVICES) {
        if (await waitForGroup(this.system.admin, service, (description) => description.members.length >= 1, { attempts: 30, pauseMs: 2_000 })) continue;
        const ready = await this.system.fleet.answersReady(service, 5_000);
        log(`${service}: its consumer group has no member (the service reports ${ready ? 'ready' : 'not ready'}): restarting it`);
        restarted.push(`${service}: consumer group without a member for 60 s while the service reported ${ready ? 'ready' : 'not ready'}`);
        await this.system.fleet.stop(service);
        await this.system.fleet.start(service);
      }
    } catch (error) {
      log(`restoring the stack: ${(error as Error).message}`);
    }
    return restarted;
  }

  /** Seconds from `from` until every main instance answers /health/ready at once (null after 5 minutes). */
  private async secondsUntilReady(from: number): Promise<number | null> {
    while (Date.now() - from < 300_000) {
      if ((await Promise.all(SERVICES.map((service) => this.system.fleet.answersReady(service, 2_000)))).every(Boolean)) return round1((Date.now() - from) / 1000);
      await sleep(250);
    }
    return null;
  }

  private async replaySnapshot() {
    const [{ documents, views }, deadlines, emails, events, assessments] = await Promise.all([
      this.system.store.claimViews(),
      this.system.store.deadlineStatuses(),
      this.system.mail.count(this.system.tag),
      this.topicEnd(TOPICS.claimEvents),
      this.topicEnd(TOPICS.claimEligibility),
    ]);
    const { hash, perClaim } = hashClaims(views);
    const raw = hashClaims(documents);
    return { claims: documents.length, hash, perClaim, rawHash: raw.hash, rawPerClaim: raw.perClaim, deadlines, emails, events, assessments };
  }

  private async topicEnd(topic: string): Promise<number> {
    return (await topicTotals(this.system.admin, topic)).end;
  }
}

async function warmup(batch: BatchProgress): Promise<void> {
  const third = Math.max(1, Math.ceil(batch.claims.length / 3));
  while (batch.accepted() < third) {
    if (await Promise.race([batch.preDone.then(() => true), sleep(200).then(() => false)])) return;
  }
}

function diffStats(now: HttpStats, before: HttpStats): HttpStats {
  return {
    requests: now.requests - before.requests,
    retries: now.retries - before.retries,
    status503: now.status503 - before.status503,
    status5xxOther: now.status5xxOther - before.status5xxOther,
    connectionErrors: now.connectionErrors - before.connectionErrors,
    conflicts: now.conflicts - before.conflicts,
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

