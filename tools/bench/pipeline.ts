import { randomUUID } from 'node:crypto';
import { ASSESSMENT_TYPE, claimIdForRequest, EVENT_TYPES, REQUEST_TYPES, TOPICS } from '@cpor/contracts';
import { createKafka, MessagingAdmin, messagingConfigFromEnv } from '@cpor/messaging';
import { storeCommandCounts } from '@cpor/persistence';
import { postgresWorkPerClaim, type PostgresWork } from './postgres-work.js';
import { ProcessMeter, round, type ProcessFigures } from './processes.js';
import { startBenchSystem, type BenchSystem } from './system.js';

/**
 * One end-to-end run: N claim requests from "upstream" on `cpor.claim-requests.v1` (create with
 * PoE and submit, as the CRM sync sends them), 16 reviewers starting and approving each claim
 * over HTTP as soon as it is submitted, the clock moved past the 7-day consent window once every
 * claim waits for its customer, until every assessment is on `cpor.claim-eligibility.v1` and
 * every email is in Mailpit. Timings come from the events' own `ce_time` (read off
 * `cpor.claim-events.v1` by an observer consumer), the bench's send times and Mailpit's
 * reception times.
 */

/** submitted, review-started, approved (partner), consent request (customer), sent to assessment (partner). */
export const EMAILS_PER_CLAIM = 5;
const DAY_MS = 24 * 60 * 60 * 1000;
const PARTNERS = 50;

export interface Percentiles {
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

export interface StageFigures extends Percentiles {
  claims_per_s: number;
  /** Seconds from the stage's first input to its last output. */
  window_s: number;
}

export interface PipelineFigures {
  claims: number;
  pipeline_claims_per_s: number;
  seconds: number;
  stages: Record<'intake' | 'review' | 'consent' | 'consent_deadline' | 'eligibility' | 'notifications', StageFigures>;
  review_http: Record<'start' | 'approve', Percentiles>;
  round_trips_per_claim: number;
  transitions_per_claim: number;
  ledger_conflicts: number;
  round_trips_by_service: Record<string, number>;
  /** Every store command of the run per claim (MONGO_COUNT_COMMANDS): ledger, relay, deadlines, deliveries, leases, PoE. */
  store_commands_per_claim: number;
  store_commands_by_kind: Array<{ what: string; per_claim: number }>;
  /** What PostgreSQL did per claim: rows read, scans, rows written (null when the store is not FerretDB on PostgreSQL). */
  postgres_per_claim: PostgresWork | null;
  http_5xx: number;
  http_other_errors: number;
  http_timeouts: number;
  lost: number;
  /** The first few claims never assessed, with the stages they reached (for a post-mortem with BENCH_KEEP=1). */
  lost_claims: Array<{ claimId: string; reached: string[] }>;
  /** The run stopped because nothing moved for BENCH_STALL_S (the figures are then partial). */
  stalled: boolean;
  emails: number;
  emails_expected: number;
  unexpected_emails: number;
  processes: Record<string, ProcessFigures>;
}

/** What the bench knows about one claim (real wall-clock milliseconds). */
interface ClaimTimes {
  index: number;
  sentAt?: number;
  submitted?: number;
  reviewStarted?: number;
  approved?: number;
  consentRequested?: number;
  elapsed?: number;
  assessed?: number;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  return { p50_ms: Math.round(at(0.5)), p95_ms: Math.round(at(0.95)), p99_ms: Math.round(at(0.99)) };
}

function stage(latencies: number[], claims: number, from: number, to: number): StageFigures {
  const window = (to - from) / 1000;
  // A stage nothing reached (a stalled run) has no window.
  if (!Number.isFinite(window) || window <= 0) return { claims_per_s: 0, window_s: 0, ...percentiles(latencies) };
  return { claims_per_s: round(claims / window, 1), window_s: round(window, 1), ...percentiles(latencies) };
}

function minOf(values: Array<number | undefined>): number {
  return Math.min(...values.filter((v): v is number => v !== undefined));
}
function maxOf(values: Array<number | undefined>): number {
  return Math.max(...values.filter((v): v is number => v !== undefined));
}

function mailBaseUrl(): string {
  return (process.env.MAIL_HTTP_URL ?? 'http://127.0.0.1:8025').replace(/\/+$/, '');
}

interface MailSummary {
  to: string[];
  subject: string;
  created: number;
}

/** Messages whose recipients carry `tag` (Mailpit's search API, 250 a page). */
async function mailsTagged(tag: string, limit = Infinity): Promise<{ total: number; mails: MailSummary[] }> {
  const mails: MailSummary[] = [];
  for (let start = 0; ; start += 250) {
    const pageSize = Math.min(250, limit);
    const url = `${mailBaseUrl()}/api/v1/search?query=${encodeURIComponent(`to:"${tag}"`)}&start=${start}&limit=${pageSize}`;
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`mailpit search: HTTP ${response.status}`);
    const page = (await response.json()) as {
      messages_count: number;
      messages: Array<{ To: Array<{ Address?: string }> | null; Subject: string; Created: string }> | null;
    };
    for (const m of page.messages ?? []) {
      mails.push({ to: (m.To ?? []).map((a) => a.Address ?? ''), subject: m.Subject, created: Date.parse(m.Created) });
    }
    if (mails.length >= limit || (page.messages ?? []).length < pageSize || start + pageSize >= page.messages_count) {
      return { total: page.messages_count, mails };
    }
  }
}

/**
 * How many messages Mailpit holds: its message list's total, a cheap count. A search reads every
 * message Mailpit holds (184 ms of its CPU at 21,000 messages), so polling one each second took a
 * share of the machine that grew with the mailbox and was charged to the pipeline.
 */
async function mailboxTotal(): Promise<number> {
  const response = await fetch(`${mailBaseUrl()}/api/v1/messages?limit=1`, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`mailpit messages: HTTP ${response.status}`);
  return ((await response.json()) as { messages_count: number }).messages_count;
}

/** Deletes the run's emails from Mailpit (thousands per run would slow every later mailbox reader). */
async function deleteMailsTagged(tag: string): Promise<void> {
  const url = `${mailBaseUrl()}/api/v1/search?query=${encodeURIComponent(`to:"${tag}"`)}`;
  const response = await fetch(url, { method: 'DELETE', signal: AbortSignal.timeout(60_000) });
  if (!response.ok) console.error(`mailpit: deleting the run's emails answered HTTP ${response.status}`);
}

/** The lifecycle event whose email this is (by subject; see apps/notifications/templates). */
function triggerOf(subject: string): keyof ClaimTimes | undefined {
  if (/ received$/.test(subject)) return 'submitted';
  if (/^Review started:/.test(subject)) return 'reviewStarted';
  if (/^Approved:/.test(subject) || /^Partner of record association/.test(subject)) return 'consentRequested';
  if (/ sent to eligibility assessment$/.test(subject)) return 'elapsed';
  return undefined;
}

class Progress {
  private lastLine = 0;
  constructor(private readonly label: string) {}

  show(parts: string[], force = false): void {
    const line = `${this.label} ${parts.join('  ')}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(140).slice(0, 140)}`);
    else if (force || Date.now() - this.lastLine > 10_000) {
      process.stderr.write(`${line}\n`);
      this.lastLine = Date.now();
    }
  }

  done(): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}

function bar(done: number, total: number, width = 20): string {
  const filled = Math.round((done / Math.max(1, total)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export async function runPipeline(claims: number, options: { reviewers: number; timeoutMs: number; stallMs: number }): Promise<PipelineFigures> {
  const system = await startBenchSystem();
  try {
    return await drive(system, claims, options);
  } finally {
    // Shutting down waits on the store; a store that stopped answering must not hang the bench.
    const stopped = system.stop().then(() => true);
    const gaveUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000).unref());
    if (!(await Promise.race([stopped, gaveUp]))) console.error(`cleanup of run ${system.runId} did not finish in 60 s (topics ${system.topicPrefix}*, database ${system.mongoDb} may be left)`);
  }
}

async function drive(system: BenchSystem, n: number, options: { reviewers: number; timeoutMs: number; stallMs: number }): Promise<PipelineFigures> {
  const tag = `bench-${system.runId}`;
  // Upstream keys requests by partner: many partners, so the requests spread over the partitions.
  const partnerOf = (index: number) => `p-${system.runId}-${index % PARTNERS}`;
  const kafka = createKafka(messagingConfigFromEnv('cpor-bench-upstream'), { quiet: true });
  const admin = new MessagingAdmin({ ...messagingConfigFromEnv('cpor-bench'), topicPrefix: system.topicPrefix });
  await admin.ensureTopics([TOPICS.claimRequests, TOPICS.claimEvents, TOPICS.claimEligibility]);
  await admin.disconnect();

  const requestIds = Array.from({ length: n }, () => randomUUID());
  const byClaim = new Map<string, ClaimTimes>();
  requestIds.forEach((id, index) => byClaim.set(claimIdForRequest(id), { index }));
  const claims = [...byClaim.values()];
  const counts = { submitted: 0, approved: 0, consentRequested: 0, elapsed: 0, assessed: 0 };
  const ready: string[] = []; // submitted claims, in arrival order: the reviewers' work
  let stray = 0; // events of claims the bench did not send (none expected)

  // Event times are the service clock's: after the clock moved they run 8 days ahead of real time.
  const realTime = (ceTime: string | undefined) => {
    const t = Date.parse(ceTime ?? '');
    return t > Date.now() + DAY_MS ? t - system.clock.offsetMs : t;
  };

  // The downstream view: lifecycle events and assessments, headers only (no need to parse the payloads).
  const observer = kafka.consumer({ groupId: `${system.topicPrefix}bench-observer`, maxWaitTimeInMs: 100 });
  const observerJoined = new Promise<void>((resolve) => observer.on(observer.events.GROUP_JOIN, () => resolve()));
  await observer.connect();
  await observer.subscribe({ topics: [system.topicPrefix + TOPICS.claimEvents, system.topicPrefix + TOPICS.claimEligibility], fromBeginning: true });
  const slots: Partial<Record<string, keyof typeof counts>> = {
    [EVENT_TYPES.submitted]: 'submitted',
    [EVENT_TYPES.approved]: 'approved',
    [EVENT_TYPES.consentRequested]: 'consentRequested',
    [EVENT_TYPES.consentPeriodElapsed]: 'elapsed',
    [ASSESSMENT_TYPE]: 'assessed',
  };
  await observer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const claim = byClaim.get(message.key?.toString() ?? '');
        const type = message.headers?.ce_type?.toString() ?? '';
        if (!claim) {
          stray++;
          continue;
        }
        const slot = slots[type];
        const at = realTime(message.headers?.ce_time?.toString());
        if (type === EVENT_TYPES.reviewStarted) claim.reviewStarted ??= at;
        if (!slot || claim[slot] !== undefined) continue; // at-least-once: a repeat changes nothing
        claim[slot] = at;
        counts[slot]++;
        if (slot === 'submitted') ready.push(message.key!.toString());
      }
    },
  });
  await observerJoined;

  // 16 reviewers, each with its own token, taking submitted claims first come first served.
  const http = { errors5xx: 0, otherErrors: 0, timeouts: 0, start: [] as number[], approve: [] as number[] };
  const tokens = await Promise.all(Array.from({ length: options.reviewers }, (_, i) => system.token(`reviewer-${i + 1}`, ['poe-reviewer'])));
  let stopReviewers = false;
  let taken = 0;
  const call = async (token: string, claimId: string, action: 'start' | 'approve'): Promise<boolean> => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const began = performance.now();
      let response: Response;
      let text: string;
      try {
        response = await fetch(`${system.urls.review}/v1/reviews/${claimId}/${action}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: action === 'approve' ? JSON.stringify({ comment: 'PoE is signed by the customer' }) : undefined,
          // A reviewer gives up on a page that does not answer (and a stalled store must not hang the bench).
          signal: AbortSignal.timeout(30_000),
        });
        text = await response.text();
      } catch (error) {
        http.timeouts++;
        if (http.timeouts <= 5) console.error(`\nreview ${action} ${claimId}: ${(error as Error).message}`);
        return false;
      }
      http[action].push(performance.now() - began);
      if (response.status === 200) return true;
      if (response.status >= 500) {
        // A reviewer's browser would retry a 503 after a moment: count it, then retry.
        http.errors5xx++;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      http.otherErrors++;
      if (http.otherErrors <= 5) console.error(`\nreview ${action} ${claimId}: ${response.status} ${text.slice(0, 200)}`);
      return false;
    }
    return false;
  };
  const reviewer = async (token: string) => {
    while (!stopReviewers) {
      if (taken >= ready.length) {
        if (taken >= n) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const claimId = ready[taken++];
      if (await call(token, claimId, 'start')) await call(token, claimId, 'approve');
    }
  };

  const mailboxBefore = await mailboxTotal();
  const meter = new ProcessMeter();
  const ledgerBefore = system.ledgers.map(({ ledger }) => ({ ...ledger.stats }));
  storeCommandCounts.clear();
  meter.start();
  const t0 = Date.now();
  const reviewing = Promise.all(tokens.map((token) => reviewer(token)));

  // Upstream: CloudEvents in Kafka binary mode, 100 records a send, as fast as the broker acknowledges.
  const producer = kafka.producer();
  await producer.connect();
  const upstream = (async () => {
    for (let i = 0; i < n; i += 100) {
      const sentAt = Date.now();
      const messages = requestIds.slice(i, i + 100).map((id, j) => {
        const index = i + j;
        claims[index].sentAt = sentAt;
        const partnerId = partnerOf(index);
        return {
          key: partnerId,
          value: JSON.stringify(claimRequest(tag, partnerId, index)),
          headers: {
            ce_specversion: '1.0',
            ce_id: id,
            ce_type: REQUEST_TYPES.create,
            ce_source: 'urn:bench:crm-sync',
            ce_subject: partnerId,
            ce_time: new Date(sentAt).toISOString(),
            'content-type': 'application/json',
          },
        };
      });
      await producer.send({ topic: system.topicPrefix + TOPICS.claimRequests, acks: -1, messages });
    }
  })();

  const progress = new Progress(`[${n}]`);
  const deadline = t0 + options.timeoutMs;
  let advancedAt: number | undefined;
  let mailCount = 0;
  let lastMailPoll = 0;
  const expectedMails = n * EMAILS_PER_CLAIM;
  // A store that stops answering (seen with FerretDB 1.24 on PostgreSQL, see docs/performance-history.md) shows as no progress at all.
  let stalled = false;
  let lastProgress = { at: Date.now(), key: '' };
  for (;;) {
    if (Date.now() - lastMailPoll > 1_000) {
      // The mailbox's growth counts the run's emails while nothing else sends any; the search
      // (costly, see mailboxTotal) runs only to confirm them once that many have arrived.
      const arrived = (await mailboxTotal().catch(() => mailboxBefore + mailCount)) - mailboxBefore;
      mailCount = arrived >= expectedMails ? (await mailsTagged(tag, 1).catch(() => ({ total: mailCount }))).total : arrived;
      lastMailPoll = Date.now();
    }
    const elapsed = ((Date.now() - t0) / 1000).toFixed(0);
    progress.show([
      bar(counts.assessed, n),
      `submitted ${counts.submitted}/${n}`,
      `approved ${counts.approved}`,
      `consent ${counts.consentRequested}`,
      advancedAt ? `+8d: elapsed ${counts.elapsed} assessed ${counts.assessed}` : 'clock not moved',
      `mails ${mailCount}/${expectedMails}`,
      `${elapsed}s`,
    ]);
    // Every claim waits for its customer: now the seven days pass.
    if (!advancedAt && counts.consentRequested >= n) {
      advancedAt = Date.now();
      system.clock.advanceDays(8);
    }
    if (counts.assessed >= n && mailCount >= expectedMails) break;
    const key = `${Object.values(counts).join()}:${mailCount}`;
    if (key !== lastProgress.key) lastProgress = { at: Date.now(), key };
    if (Date.now() - lastProgress.at > options.stallMs) {
      stalled = true;
      progress.show([`stalled: no progress for ${options.stallMs / 1000} s`], true);
      break;
    }
    if (Date.now() > deadline) {
      progress.show([`timed out after ${options.timeoutMs / 1000} s`], true);
      if (!advancedAt) {
        // Move the clock anyway so what did get that far is measured.
        advancedAt = Date.now();
        system.clock.advanceDays(8);
      }
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  progress.done();
  const finishedAt = Date.now();
  const processes = meter.stop();
  stopReviewers = true;
  await upstream;
  await reviewing;
  await producer.disconnect();
  await observer.disconnect();

  // Store round trips: every ledger call of the five services during the run (reads, transitions, lists).
  const byService: Record<string, number> = {};
  let roundTrips = 0;
  let transitions = 0;
  let conflicts = 0;
  system.ledgers.forEach(({ service, ledger }, i) => {
    const trips = ledger.stats.roundTrips - ledgerBefore[i].roundTrips;
    byService[service] = round(trips / n, 2);
    roundTrips += trips;
    transitions += ledger.stats.transitions - ledgerBefore[i].transitions;
    conflicts += ledger.stats.conflicts - ledgerBefore[i].conflicts;
  });

  // Every store command of the run (all code, not only the ledger), by collection and command.
  const commands = [...storeCommandCounts.entries()]
    .filter(([key]) => key.startsWith(`${system.mongoDb} `))
    .map(([key, count]) => ({ what: key.slice(system.mongoDb.length + 1), per_claim: round(count / n, 2) }))
    .sort((a, b) => b.per_claim - a.per_claim);
  const storeCommandsPerClaim = round(commands.reduce((sum, c) => sum + c.per_claim, 0), 1);
  const postgres = await postgresWorkPerClaim(system.mongoDb, n);

  // Emails: each one's latency from the event that caused it (Mailpit's reception time).
  const { mails } = await mailsTagged(tag);
  if (process.env.BENCH_KEEP !== '1') await deleteMailsTagged(tag);
  const mailLatencies: number[] = [];
  let unexpected = 0;
  const lastMail = maxOf(mails.map((m) => m.created));
  for (const mail of mails) {
    const index = Number(/-(\d+)@/.exec(mail.to.find((to) => to.includes(tag)) ?? '')?.[1] ?? NaN);
    const trigger = triggerOf(mail.subject);
    const at = trigger && claims[index] ? (claims[index][trigger] as number | undefined) : undefined;
    if (at === undefined) unexpected++;
    else mailLatencies.push(mail.created - at);
  }

  const done = claims.filter((c) => c.assessed !== undefined);
  const lost = n - done.length;
  const lostClaims = [...byClaim.entries()]
    .filter(([, c]) => c.assessed === undefined)
    .slice(0, 10)
    .map(([claimId, c]) => ({ claimId, reached: Object.keys(c).filter((k) => k !== 'index' && k !== 'sentAt') }));
  const end = Math.max(maxOf(done.map((c) => c.assessed)), mails.length >= expectedMails ? lastMail : finishedAt);
  const moved = advancedAt ?? finishedAt;
  const diff = (to: keyof ClaimTimes, from: keyof ClaimTimes) =>
    claims.filter((c) => c[to] !== undefined && c[from] !== undefined).map((c) => (c[to] as number) - (c[from] as number));
  if (stray) console.error(`(${stray} events of claims the bench did not send)`);

  return {
    claims: n,
    pipeline_claims_per_s: round(done.length / ((end - t0) / 1000), 1),
    seconds: round((end - t0) / 1000, 1),
    stages: {
      // requests -> claims created with PoE and submitted (intake does all three per request)
      intake: stage(diff('submitted', 'sentAt'), counts.submitted, t0, maxOf(claims.map((c) => c.submitted))),
      // submitted -> approved, including the wait for a free reviewer
      review: stage(diff('approved', 'submitted'), counts.approved, minOf(claims.map((c) => c.submitted)), maxOf(claims.map((c) => c.approved))),
      // approved -> consent requested (consent consumes the approval, schedules the window)
      consent: stage(diff('consentRequested', 'approved'), counts.consentRequested, minOf(claims.map((c) => c.approved)), maxOf(claims.map((c) => c.consentRequested))),
      // clock moved -> consent period elapsed (the deadline poller); latency counts from the move
      consent_deadline: stage(
        claims.filter((c) => c.elapsed !== undefined).map((c) => (c.elapsed as number) - moved),
        counts.elapsed,
        moved,
        maxOf(claims.map((c) => c.elapsed)),
      ),
      // consent period elapsed -> assessment on the downstream topic
      eligibility: stage(diff('assessed', 'elapsed'), counts.assessed, moved, maxOf(claims.map((c) => c.assessed))),
      // each email from the event that caused it; rate = claims' mail over the sender's busy window
      notifications: stage(mailLatencies, mails.length / EMAILS_PER_CLAIM, minOf(claims.map((c) => c.submitted)), lastMail),
    },
    review_http: { start: percentiles(http.start), approve: percentiles(http.approve) },
    round_trips_per_claim: round(roundTrips / n, 1),
    transitions_per_claim: round(transitions / n, 2),
    ledger_conflicts: conflicts,
    round_trips_by_service: byService,
    store_commands_per_claim: storeCommandsPerClaim,
    store_commands_by_kind: commands,
    postgres_per_claim: postgres,
    http_5xx: http.errors5xx,
    http_other_errors: http.otherErrors,
    http_timeouts: http.timeouts,
    lost,
    lost_claims: lostClaims,
    stalled,
    emails: mails.length,
    emails_expected: expectedMails,
    unexpected_emails: unexpected,
    processes,
  };
}

/** One upstream create request with PoE and submit; addresses carry the run's tag and the claim's index. */
function claimRequest(tag: string, partnerId: string, index: number) {
  return {
    partnerId,
    requestedBy: 'crm-sync',
    submit: true,
    claim: {
      mpnId: '1234567',
      customer: { tenantId: randomUUID(), name: `Contoso ${tag} ${index}`, domain: 'contoso.example' },
      customerContact: { name: 'Casey Customer', email: `customer-${tag}-${index}@contoso.example` },
      partnerContact: { name: 'Pat Partner', email: `partner-${tag}-${index}@fabrikam.example` },
      products: ['microsoft-365'],
      workloads: ['Exchange Online'],
      activity: 'deployment',
      subscriptionOrTenantId: randomUUID(),
    },
    poe: [{ documentId: `doc-${tag}-${index}`, fileName: 'signed-sow.pdf', contentType: 'application/pdf', size: 48213, sha256: 'a'.repeat(64) }],
  };
}
