/**
 * `npm run bench`: throughput of our seams against the raw clients they wrap, measured in the
 * same run on the same servers (machines are noisy; only the ratios are worth comparing).
 *   1. publishing N lifecycle events: KafkaPublisher (envelope + one sendBatch) vs raw kafkajs sendBatch
 *   2. N claim transitions, 16 claims at once: ClaimLedger.execute (read snapshot, decide, insert the
 *      transition row, advance the snapshot) vs a raw updateOne; prints store round trips per transition
 *   3. FerretDB's two backends, a claim's write set one claim at a time and 16 at once on each (backends.ts)
 *   4. end to end, at each of BENCH_SIZES (default 500 and BENCH_CLAIMS=5000): the pipeline from
 *      upstream request to assessment and emails (pipeline.ts), each size right after its two
 *      baselines (baselines.ts); writes reports/bench.json. See docs/performance.md.
 * Servers: the local ones (`npm run infra -- up`), or KAFKA_BROKERS (with KAFKA_SASL_* and KAFKA_TLS* for a
 * secured cluster: docs/operations.md, Kafka security) / MONGO_URL.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { TOPICS } from '@cpor/contracts';
import { BusinessCalendar } from '@cpor/domain';
import { createKafka, KafkaPublisher, MessagingAdmin, messagingConfigFromEnv } from '@cpor/messaging';
import { ClaimLedger, claimModel, claimTransitionModel, openMongoConnection } from '@cpor/persistence';
import { SystemClock } from '@cpor/kernel';
import { compareBackends, printBackendComparison, runStoreBackend, type BackendComparison } from './backends.js';
import { chainBaseline, createCommand, partner, storeBaseline } from './baselines.js';
import { runPipeline, type PipelineFigures } from './pipeline.js';
import { describePostgresWork, type PostgresWork } from './postgres-work.js';
import { cpuMsPerClaim, describeCpu, ProcessMeter, round, type CpuPerClaim } from './processes.js';

// Count every store command the services send (storeCommandCounts), for "where the round trips go".
process.env.MONGO_COUNT_COMMANDS = '1';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 400);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 16);

async function timed(label: string, run: () => Promise<number>): Promise<number> {
  const started = process.hrtime.bigint();
  const count = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = count / seconds;
  console.log(`${label.padEnd(46)} ${count} in ${seconds.toFixed(2)} s = ${rate.toFixed(0)}/s`);
  return rate;
}

async function benchPublishing(): Promise<number> {
  const config = { ...messagingConfigFromEnv('cpor-bench'), topicPrefix: `bench-${randomUUID().slice(0, 8)}.` };
  const admin = new MessagingAdmin(config);
  await admin.ensureTopics([TOPICS.claimEvents]);
  const publisher = new KafkaPublisher(config);
  await publisher.connect();
  const raw = createKafka(config, { clientId: 'cpor-bench-raw', quiet: true }).producer();
  await raw.connect();
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    id: randomUUID(),
    type: 'cpor.claim.commented.v1',
    source: 'cpor/bench',
    subject: `claim-${i % 100}`,
    time: new Date().toISOString(),
    data: { claimId: `claim-${i % 100}`, text: 'x'.repeat(200) },
  }));
  try {
    const baseline = await timed('kafka: raw kafkajs sendBatch', async () => {
      await raw.sendBatch({
        acks: -1,
        topicMessages: [{ topic: config.topicPrefix + TOPICS.claimEvents, messages: events.map((event) => ({ key: event.subject, value: JSON.stringify(event.data) })) }],
      });
      return events.length;
    });
    const ours = await timed('kafka: KafkaPublisher.publish (CloudEvents)', async () => {
      await publisher.publish(events.map((event) => ({ topic: TOPICS.claimEvents, event })));
      return events.length;
    });
    console.log(`kafka ratio ours/raw: ${(ours / baseline).toFixed(2)}`);
    return ours / baseline;
  } finally {
    await raw.disconnect();
    await publisher.disconnect();
    await admin.deletePrefixedTopicsAndGroups();
    await admin.disconnect();
  }
}

async function benchLedger(): Promise<{ ratio: number; roundTripsPerTransition: number }> {
  const connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_bench_${randomUUID().slice(0, 8)}`);
  const claims = claimModel(connection);
  const ledger = new ClaimLedger(claims, claimTransitionModel(connection), new SystemClock(), new BusinessCalendar({ timeZone: 'UTC' }), 'cpor/bench');
  try {
    // A claim's life is some 10-20 transitions: spread the transitions over claims of that size,
    // and drive PARALLEL claims at once (each claim's own transitions one after another).
    const claimIds = Array.from({ length: Math.max(PARALLEL, Math.ceil(TRANSITIONS / 20)) }, () => randomUUID());
    for (const claimId of claimIds) await ledger.create(createCommand(claimId), partner);
    const raw = claims.collection;
    const rawIds = claimIds.map((_, i) => `raw-baseline-${i}`);
    await raw.insertMany(rawIds.map((_id) => ({ _id, version: 0, history: [] })) as never);
    const inParallel = async (ids: string[], step: (id: string, n: number) => Promise<unknown>) => {
      let next = 0;
      const lane = async () => {
        for (let n = next++; n < TRANSITIONS; n = next++) await step(ids[n % ids.length], n);
      };
      await Promise.all(Array.from({ length: PARALLEL }, lane));
      return TRANSITIONS;
    };
    const versions = new Map<string, number>();
    const baseline = await timed(`mongo: raw updateOne x${PARALLEL} parallel`, () =>
      inParallel(rawIds, async (id) => {
        const version = versions.get(id) ?? 0;
        versions.set(id, version + 1);
        await raw.updateOne({ _id: id, version } as never, { $set: { version: version + 1 }, $push: { history: { n: version } } } as never);
      }),
    );
    const before = { ...ledger.stats };
    const busy = new Set<string>();
    const ours = await timed(`mongo: ClaimLedger.execute x${PARALLEL} parallel`, () =>
      inParallel(claimIds, async (id, n) => {
        // One writer per claim at a time here: this measures cost, not conflicts.
        while (busy.has(id)) await new Promise((resolve) => setImmediate(resolve));
        busy.add(id);
        try {
          await ledger.execute(id, { type: 'comment', text: `comment ${n}` }, partner);
        } finally {
          busy.delete(id);
        }
      }),
    );
    const transitions = ledger.stats.transitions - before.transitions;
    const roundTrips = ledger.stats.roundTrips - before.roundTrips;
    console.log(`ledger ratio ours/raw: ${(ours / baseline).toFixed(2)}`);
    console.log(`ledger store round trips per transition: ${(roundTrips / transitions).toFixed(2)} (raw: 1; conflicts ${ledger.stats.conflicts - before.conflicts})`);
    return { ratio: ours / baseline, roundTripsPerTransition: roundTrips / transitions };
  } finally {
    await connection.dropDatabase();
    await connection.close();
  }
}

// ------------------------------------------------------------------------------------------------
// End to end

/** Transitions of a claim from request to assessment: create, addPoe, submit, startReview, approve, requestConsent, elapseConsent, recordEligibility. */
const TRANSITIONS_PER_CLAIM = 8;
/** Topic hops from request to assessment: requests -> intake; submitted -> reviewers; approved -> consent; consent requested -> notifications; elapsed -> eligibility; assessment -> downstream. */
const TOPIC_HOPS = Number(process.env.BENCH_HOPS ?? 6);
const SIZES = (process.env.BENCH_SIZES ?? `500,${process.env.BENCH_CLAIMS ?? 5000}`).split(',').map((s) => Number(s.trim())).filter((s) => s > 0);
const REVIEWERS = Number(process.env.BENCH_REVIEWERS ?? 16);

interface SizeFigures extends PipelineFigures {
  /** The mean of the two store baselines that bracket the pipeline (the limit the ratio is against). */
  store_claims_per_s: number;
  /** The store baseline right before the pipeline and right after it. */
  store_claims_per_s_before: number;
  store_claims_per_s_after: number;
  /** CPU a claim of the store baselines (their mean), in all and per process: what the limit costs. */
  store_cpu_ms_per_claim: CpuPerClaim;
  /** CPU a claim of the pipeline, in all and per process (from `processes`). */
  cpu_ms_per_claim: CpuPerClaim;
  /**
   * The store baselines' CPU a claim over the pipeline's: what `ratio_to_limit` comes to when both
   * keep every core busy (docs/performance.md, "The ratio's CPU budget").
   */
  cpu_ratio: number;
  /** Cores the measured processes kept busy through the pipeline, on average (of `machine.cpus`). */
  cores_busy: number;
  /** What PostgreSQL did per claim for the store baseline (as postgres_per_claim). */
  store_postgres_per_claim: PostgresWork | null;
  chain_claims_per_s: number;
  ratio_to_limit: number;
  p99_ms: Record<string, number>;
}

/** What `npm run infra -- status` says of the local servers; null when it cannot say. */
function infraStatus(): string | null {
  try {
    return execFileSync(process.execPath, ['scripts/infra.mjs', 'status'], { encoding: 'utf8' });
  } catch {
    return null;
  }
}

/** FerretDB's backend as `npm run infra -- status` reports it (else the env's choice). */
function ferretDbBackend(status: string | null): string {
  if (status === null) return `FerretDB on ${process.env.FERRETDB_BACKEND ?? 'postgresql'} (not checked)`;
  return /\((FerretDB on \w+)/.exec(status)?.[1] ?? 'unknown';
}

function meanCpu(a: CpuPerClaim, b: CpuPerClaim): CpuPerClaim {
  const names = [...new Set([...Object.keys(a.by_process), ...Object.keys(b.by_process)])];
  const mean = (x: number | undefined, y: number | undefined) => round(((x ?? 0) + (y ?? 0)) / 2, 1);
  return { total: mean(a.total, b.total), by_process: Object.fromEntries(names.map((name) => [name, mean(a.by_process[name], b.by_process[name])])) };
}

async function benchSize(claims: number): Promise<SizeFigures> {
  console.log(`\n--- ${claims} claims ---`);
  // Baselines on the same servers in the same minutes: the store's right before the pipeline and
  // again right after it, since one run of it moves by up to a quarter between runs
  // (docs/performance.md, "What runs"); the limit is the mean of the two.
  const storeRun = async (when: string) => {
    const meter = new ProcessMeter();
    meter.start();
    const store = await storeBaseline(claims, TRANSITIONS_PER_CLAIM, PARALLEL);
    const cpu = cpuMsPerClaim(meter.stop(), claims);
    const postgres = store.postgresPerClaim ? `; postgresql per claim: ${describePostgresWork(store.postgresPerClaim)}` : '';
    console.log(`store baseline ${when} (raw driver, ${TRANSITIONS_PER_CLAIM} x findOne+insert+update per claim, ${PARALLEL} parallel): ${store.claimsPerS.toFixed(1)} claims/s (${store.seconds.toFixed(1)} s); cpu a claim ${describeCpu(cpu)}${postgres}`);
    return { ...store, cpu };
  };
  const storeBefore = await storeRun('before');
  const storePostgres = storeBefore.postgresPerClaim;
  const chain = await chainBaseline(claims, TOPIC_HOPS, Number(process.env.KAFKA_PARTITIONS ?? 3));
  console.log(`chain baseline (raw kafkajs, ${TOPIC_HOPS} topic hops): ${chain.claimsPerS.toFixed(1)} claims/s (${chain.seconds.toFixed(1)} s)`);
  const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? Math.max(180, claims * 0.25)) * 1000;
  const stallMs = Number(process.env.BENCH_STALL_S ?? 60) * 1000;
  const pipeline = await runPipeline(claims, { reviewers: REVIEWERS, timeoutMs, stallMs });
  const storeAfter = await storeRun('after');
  const storeClaimsPerS = (storeBefore.claimsPerS + storeAfter.claimsPerS) / 2;
  const limit = Math.min(storeClaimsPerS, chain.claimsPerS);
  const storeCpu = meanCpu(storeBefore.cpu, storeAfter.cpu);
  const pipelineCpu = cpuMsPerClaim(pipeline.processes, claims);
  return {
    ...pipeline,
    store_claims_per_s: round(storeClaimsPerS, 1),
    store_claims_per_s_before: round(storeBefore.claimsPerS, 1),
    store_claims_per_s_after: round(storeAfter.claimsPerS, 1),
    store_cpu_ms_per_claim: storeCpu,
    cpu_ms_per_claim: pipelineCpu,
    cpu_ratio: pipelineCpu.total > 0 ? round(storeCpu.total / pipelineCpu.total, 3) : 0,
    cores_busy: round((pipelineCpu.total * claims) / 1000 / pipeline.seconds, 2),
    store_postgres_per_claim: storePostgres,
    chain_claims_per_s: round(chain.claimsPerS, 1),
    ratio_to_limit: round(pipeline.pipeline_claims_per_s / limit, 3),
    p99_ms: Object.fromEntries(Object.entries(pipeline.stages).map(([name, s]) => [name, s.p99_ms])),
  };
}

function printSummary(f: SizeFigures): void {
  console.log(`\n=== ${f.claims} claims: ${f.pipeline_claims_per_s} claims/s end to end (${f.seconds} s) ===`);
  console.log(`limits: store ${f.store_claims_per_s} claims/s (mean of ${f.store_claims_per_s_before} before and ${f.store_claims_per_s_after} after), kafka chain ${f.chain_claims_per_s} claims/s -> ratio_to_limit ${f.ratio_to_limit}`);
  console.log(`${'stage'.padEnd(18)}${'claims/s'.padStart(10)}${'window s'.padStart(10)}${'p50 ms'.padStart(10)}${'p95 ms'.padStart(10)}${'p99 ms'.padStart(10)}`);
  for (const [name, s] of Object.entries(f.stages)) {
    console.log(`${name.padEnd(18)}${String(s.claims_per_s).padStart(10)}${String(s.window_s).padStart(10)}${String(s.p50_ms).padStart(10)}${String(s.p95_ms).padStart(10)}${String(s.p99_ms).padStart(10)}`);
  }
  for (const [action, p] of Object.entries(f.review_http)) console.log(`review HTTP ${action.padEnd(8)} p50 ${p.p50_ms} ms, p95 ${p.p95_ms} ms, p99 ${p.p99_ms} ms`);
  console.log(`store commands per claim, all code: ${f.store_commands_per_claim} (${f.store_commands_by_kind.slice(0, 12).map((c) => `${c.what} ${c.per_claim}`).join(', ')})`);
  console.log(`store round trips per claim: ${f.round_trips_per_claim} (${Object.entries(f.round_trips_by_service).map(([s, n]) => `${s} ${n}`).join(', ')}); transitions per claim ${f.transitions_per_claim}; conflicts ${f.ledger_conflicts}`);
  if (f.postgres_per_claim) console.log(`postgresql per claim: ${describePostgresWork(f.postgres_per_claim)}`);
  console.log(`cpu a claim: pipeline ${describeCpu(f.cpu_ms_per_claim)}; store baseline ${describeCpu(f.store_cpu_ms_per_claim)}`);
  console.log(
    `cpu: the pipeline kept ${f.cores_busy} of ${os.cpus().length} cores busy; cpu a claim, baseline / pipeline ${f.cpu_ratio} (ratio_to_limit ${f.ratio_to_limit}); bound by cpu, 0.5 allows the pipeline ${round(2 * f.store_cpu_ms_per_claim.total, 1)} ms a claim`,
  );
  console.log(`cpu s / peak rss MB: ${Object.entries(f.processes).map(([name, p]) => `${name} ${p.cpu_s} s / ${p.peak_rss_mb} MB`).join(', ')}`);
  if (f.lost_claims.length > 0) console.log(`never assessed: ${f.lost_claims.map((c) => `${c.claimId} (reached ${c.reached.join(', ') || 'nothing'})`).join('; ')}`);
  console.log(`http 5xx: ${f.http_5xx}, other http errors: ${f.http_other_errors}, timeouts: ${f.http_timeouts}, lost (never assessed): ${f.lost}, emails ${f.emails}/${f.emails_expected} (unexpected ${f.unexpected_emails})`);
  if (f.stalled) console.log('STALLED: nothing moved for BENCH_STALL_S; the figures above are partial (see docs/performance.md)');
}

// BENCH_SEAMS=0 skips the seam benchmarks (quick tries of the pipeline).
const seams = process.env.BENCH_SEAMS === '0' ? {} : { kafka_ratio: round(await benchPublishing(), 3), ...(({ ratio, roundTripsPerTransition }) => ({ ledger_ratio: round(ratio, 3), ledger_round_trips_per_transition: round(roundTripsPerTransition, 2) }))(await benchLedger()) };
// BENCH_BACKENDS=0 skips the comparison of FerretDB's backends; BENCH_BACKEND_CLAIMS sizes it.
const status = infraStatus();
const storeDescription = ferretDbBackend(status);
let backends: BackendComparison | { skipped: string } = { skipped: 'BENCH_BACKENDS=0' };
if (process.env.BENCH_BACKENDS !== '0') {
  const runBackend = status === null ? null : runStoreBackend(status, process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  backends = runBackend
    ? await compareBackends(runBackend, Number(process.env.BENCH_BACKEND_CLAIMS ?? 64), TRANSITIONS_PER_CLAIM, PARALLEL).catch((error: unknown) => ({
        skipped: `the comparison failed: ${error instanceof Error ? error.message : String(error)}`,
      }))
    : { skipped: "the run's store (MONGO_URL) is not a FerretDB that `npm run infra` runs here" };
  if ('skipped' in backends) console.log(`\nFerretDB backends not compared: ${backends.skipped}`);
  else printBackendComparison(backends);
}
const sizes: Record<string, SizeFigures> = {};
for (const claims of SIZES) {
  sizes[claims] = await benchSize(claims);
  printSummary(sizes[claims]);
}
const largest = sizes[Math.max(...SIZES)];
const report = {
  generated_at: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model ?? 'unknown', total_memory_mb: Math.round(os.totalmem() / 2 ** 20), os: `${os.type()} ${os.release()}`, node: process.version },
  ferretdb_backend: storeDescription,
  settings: { sizes: SIZES, reviewers: REVIEWERS, topic_hops: TOPIC_HOPS, transitions_per_claim: TRANSITIONS_PER_CLAIM, parallel_store_claims: PARALLEL },
  seams,
  backends,
  pipeline_claims_per_s: largest.pipeline_claims_per_s,
  store_claims_per_s: largest.store_claims_per_s,
  chain_claims_per_s: largest.chain_claims_per_s,
  ratio_to_limit: largest.ratio_to_limit,
  cpu_ratio: largest.cpu_ratio,
  round_trips_per_claim: largest.round_trips_per_claim,
  store_commands_per_claim: largest.store_commands_per_claim,
  p99_ms: largest.p99_ms,
  http_5xx: largest.http_5xx,
  lost: largest.lost,
  stalled: largest.stalled,
  sizes,
};
mkdirSync('reports', { recursive: true });
writeFileSync('reports/bench.json', JSON.stringify(report, null, 2) + '\n');
console.log(`\nwrote reports/bench.json (${report.ferretdb_backend}, ${report.machine.cpus} x ${report.machine.cpu_model})`);
// kafkajs and the services' pools may hold timers; the report is written.
process.exit(0);
