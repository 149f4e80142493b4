import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EVENT_TYPES, REQUEST_TYPES, subscribedTopics, TOPICS, type SubscribingService } from '@cpor/contracts';
import type { MessagingAdmin } from '@cpor/messaging';
import { topicTotals, waitForGroup } from './broker.js';
import type { BatchProgress } from './driver.js';
import { SERVICES, type Service, type ServiceFleet } from './services.js';
import type { Backend, Stack } from './stack.js';

/**
 * The faults, one row each: what is broken, for how long, and how it is cleared. A scenario runs
 * while a batch of claims flows (the runner starts the batch, the scenario waits for the
 * warm-up, injects, holds, clears), except a `quiet` one, which runs once its batch has drained
 * (the full replay must be judged on a system at rest).
 */

export interface ScenarioContext {
  stack: Stack;
  fleet: ServiceFleet;
  /** Bound to the run's topic prefix. */
  admin: MessagingAdmin;
  /** Runs an ops command (`npm run ops -- ...`, tools/ops) against the run's topics and store; answers its JSON. */
  ops(argv: string[]): Promise<any>;
  batch: BatchProgress;
  /** Fault durations are scaled by this (1 in a full run; less with --short). */
  holdScale: number;
  /** Waits until a third of the batch's claims are accepted (or the batch is past that point). */
  warmup(): Promise<void>;
  /** Marks the fault as present (the first time) and as cleared (each time; the last one counts). */
  injected(): void;
  cleared(): void;
  /** Publishes raw records (key, value, headers as given) on a logical topic. */
  publish(topic: string, records: Array<{ key: string | null; value: Buffer | string | null; headers: Record<string, string> }>): Promise<void>;
  /** Claim ids of the batch accepted so far. */
  claimIds(): string[];
  /** Extra figures for the report (and expectations the scenario checks itself: a failed one fails the run). */
  note(name: string, value: unknown): void;
  expect(what: string, ok: boolean, detail?: string): void;
  log(line: string): void;
}

export interface Scenario {
  name: string;
  what: string;
  /** FerretDB backends this scenario runs on (default: the first backend of the run). */
  backends?: Backend[];
  /** Runs after its batch has drained, with no traffic (the full replay). */
  quiet?: boolean;
  /** Every upstream request of the batch is sent twice. */
  duplicateUpstream?: boolean;
  /** Seconds the fault is held in a full run (reported). */
  holdS: number;
  /**
   * Seconds of traffic beside the hold: the batch's claims start evenly over
   * `trafficS + holdS * holdScale`, so claims keep flowing while the fault is on and its last
   * claims start about when it clears.
   */
  trafficS: number;
  /**
   * A broker or store outage: every service must report ready within this many seconds of the
   * fault clearing, without a restart (a target; the other scenarios only report the figure).
   */
  readyWithinS?: number;
  run(ctx: ScenarioContext): Promise<void>;
}

/** After the broker or the store comes back, every service is ready again within this long. */
export const READY_AFTER_OUTAGE_S = 10;

const hold = (ctx: ScenarioContext, seconds: number) => sleep(Math.max(1, Math.round(seconds * ctx.holdScale)) * 1000);

/** Waits until the group has `members` members (a join or a leave has gone through). */
function waitMembers(ctx: ScenarioContext, group: string, members: number): Promise<boolean> {
  return waitForGroup(ctx.admin, group, (description) => description.members.length === members && description.state === (members === 0 ? 'Empty' : 'Stable'), { timeoutMs: 90_000, pauseMs: 500 });
}

/** Rewinds the service's group to the start of every topic it reads (ops replay --group --from-beginning); answers the records to read again. */
async function rewindGroup(ctx: ScenarioContext, service: Service): Promise<number> {
  let records = 0;
  for (const topic of subscribedTopics(service as SubscribingService)) {
    const result = await ctx.ops(['replay', '--group', service, '--topic', topic, '--from-beginning', '--execute', '--json']);
    records += Number(result.records ?? 0);
  }
  return records;
}

/**
 * Kills the service under load, "between its store write and its offset commit": it is frozen
 * (SIGSTOP) for a few seconds while records for it pile up, let go (SIGCONT), and killed
 * (SIGKILL) a moment later, while it works through that backlog: it has written effects of
 * records whose offsets it commits only every second (docs/topics.md). Then it is started again.
 */
async function killUnderLoad(ctx: ScenarioContext, service: Service): Promise<void> {
  ctx.fleet.instance(service)!.child.kill('SIGSTOP');
  await sleep(3_000);
  ctx.fleet.instance(service)!.child.kill('SIGCONT');
  await sleep(200 + Math.floor(Math.random() * 600));
  await ctx.fleet.kill(service);
  await restart(ctx, service, 'killed (SIGKILL) while catching up');
}

/** Starts the service again and notes how long until its HTTP API answered (it listens once its consumers joined). */
async function restart(ctx: ScenarioContext, service: Service, what: string): Promise<void> {
  const began = Date.now();
  await ctx.fleet.start(service);
  const seconds = Math.round((Date.now() - began) / 100) / 10;
  restarts.set(ctx, [...(restarts.get(ctx) ?? []), seconds]);
  ctx.note('restart_s', restarts.get(ctx));
  ctx.log(`${service} ${what}; restarted, answering after ${seconds} s`);
}
const restarts = new WeakMap<ScenarioContext, number[]>();

function serviceKill(service: Service): Scenario {
  return {
    name: `kill-${service}`,
    what: `${service} frozen 3 s under load, let go and SIGKILLed while it catches up (between its store writes and its offset commit), restarted; twice while claims flow, once right after the clock move (deadlines firing, the consent window's events)`,
    holdS: 0,
    trafficS: 90,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      await killUnderLoad(ctx, service);
      await sleep(2_000);
      await killUnderLoad(ctx, service);
      await ctx.batch.clockMoved;
      await sleep(300);
      await ctx.fleet.kill(service);
      await restart(ctx, service, 'killed (SIGKILL) after the clock move');
      ctx.cleared();
    },
  };
}

/** Records that are not requests: not JSON, wrong schema, 900 KB, no headers, nested 5,000 deep. */
export function poisonRecords(key: string, type: string): Array<{ name: string; key: string; value: string; headers: Record<string, string> }> {
  const headers = () => ({
    ce_specversion: '1.0',
    ce_id: randomUUID(),
    ce_type: type,
    ce_source: 'urn:cpor-faults:poison',
    ce_subject: key,
    ce_time: new Date().toISOString(),
    'content-type': 'application/json',
  });
  const depth = 5_000;
  return [
    { name: 'not-json', key, value: '{"partnerId": "p", "claim": {', headers: headers() },
    { name: 'wrong-schema', key, value: JSON.stringify({ partnerId: 42, claim: { mpnId: ['x'], products: 'all' }, submit: 'yes' }), headers: headers() },
    { name: '900kb', key, value: JSON.stringify({ partnerId: 'p', padding: 'x'.repeat(900 * 1024) }), headers: headers() },
    { name: 'missing-headers', key, value: JSON.stringify({ partnerId: 'p' }), headers: {} },
    { name: 'nested', key, value: '['.repeat(depth) + ']'.repeat(depth), headers: headers() },
  ];
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'baseline',
    what: 'no fault: the same batch, for reference (recovery_s is then the drain time from the point a fault would clear)',
    holdS: 0,
    trafficS: 45,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      // "Cleared" when a fault would be: the batch's last claim has started.
      await ctx.batch.allStarted;
      ctx.cleared();
    },
  },
  {
    name: 'broker-kill',
    readyWithinS: READY_AFTER_OUTAGE_S,
    what: 'the Kafka broker SIGKILLed while claims flow, restarted 10 s later',
    holdS: 10,
    trafficS: 45,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      await ctx.stack.kill('kafka');
      ctx.log('kafka killed (SIGKILL)');
      await hold(ctx, 10);
      await ctx.stack.up(['kafka']);
      ctx.log('kafka restarted');
      ctx.cleared();
    },
  },
  {
    name: 'broker-pause',
    readyWithinS: READY_AFTER_OUTAGE_S,
    what: 'the Kafka broker paused (SIGSTOP) for 45 s, longer than the consumers\' 30 s session timeout, then resumed (SIGCONT)',
    holdS: 45,
    trafficS: 30,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      ctx.stack.signal('kafka', 'SIGSTOP');
      ctx.log('kafka paused (SIGSTOP)');
      // Longer than the session timeout even when scaled down: the group must expire its members.
      await sleep(Math.max(35, Math.round(45 * ctx.holdScale)) * 1000);
      ctx.stack.signal('kafka', 'SIGCONT');
      ctx.log('kafka resumed (SIGCONT)');
      ctx.cleared();
    },
  },
  ...SERVICES.map(serviceKill),
  {
    name: 'store-stop',
    readyWithinS: READY_AFTER_OUTAGE_S,
    what: 'the store stopped for 60 s while claims flow (FerretDB, then under it PostgreSQL on the postgresql backend: clients see connections refused), then started',
    backends: ['postgresql', 'sqlite'],
    holdS: 60,
    trafficS: 30,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      await ctx.stack.down(['mongodb']);
      if (ctx.stack.backend === 'postgresql') await ctx.stack.down(['postgres']);
      ctx.log(`store stopped (FerretDB${ctx.stack.backend === 'postgresql' ? ' and PostgreSQL' : ''})`);
      await hold(ctx, 60);
      await ctx.stack.up(ctx.stack.backend === 'postgresql' ? ['postgres', 'mongodb'] : ['mongodb']);
      ctx.log('store started');
      ctx.cleared();
    },
  },
  {
    name: 'postgres-stop',
    readyWithinS: READY_AFTER_OUTAGE_S,
    what: 'PostgreSQL stopped for 60 s under a running FerretDB (the store answers every command with an error instead of refusing connections), then started',
    backends: ['postgresql'],
    holdS: 60,
    trafficS: 30,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      await ctx.stack.down(['postgres']);
      ctx.log('PostgreSQL stopped (FerretDB left running)');
      await hold(ctx, 60);
      await ctx.stack.up(['postgres']);
      ctx.log('PostgreSQL started');
      ctx.cleared();
    },
  },
  {
    name: 'smtp-down',
    what: 'the SMTP server down for 2 minutes while claims flow (emails queue), then up',
    holdS: 120,
    trafficS: 30,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      await ctx.stack.down(['mail']);
      ctx.log('SMTP server stopped');
      await hold(ctx, 120);
      await ctx.stack.up(['mail']);
      ctx.log('SMTP server started');
      ctx.cleared();
    },
  },
  {
    name: 'duplicates',
    what: 'every upstream request sent twice; the last 60 s of the lifecycle and request topics republished with their ids (ops replay --to-topic) while claims flow and again after the clock move',
    duplicateUpstream: true,
    holdS: 0,
    trafficS: 45,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      let republished = 0;
      const again = async () => {
        for (const topic of [TOPICS.claimEvents, TOPICS.claimRequests]) {
          const result = await ctx.ops(['replay', '--topic', topic, '--to-topic', topic, '--from-ago', '60s', '--execute', '--no-progress', '--json']);
          republished += Number(result.published ?? 0);
        }
      };
      await again();
      await ctx.batch.clockMoved;
      await sleep(3_000);
      await again();
      ctx.note('records_republished', republished);
      ctx.cleared();
    },
  },
  {
    name: 'rewind',
    what: 'each service in turn stopped, its consumer group rewound to the start of its topics (ops replay --group --from-beginning), and started, while claims flow',
    holdS: 0,
    trafficS: 120,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      let rewound = 0;
      for (const service of SERVICES) {
        await ctx.fleet.stop(service);
        await waitMembers(ctx, service, 0);
        rewound += await rewindGroup(ctx, service);
        await ctx.fleet.start(service);
        ctx.log(`${service} rewound to the start and restarted`);
      }
      ctx.note('records_rewound', rewound);
      ctx.cleared();
    },
  },
  {
    name: 'poison',
    what: 'poison records (not JSON, wrong schema, 900 KB, missing headers, nested 5,000 deep) on the request topic (each must be answered on cpor.claim-requests.rejected.v1, none dead-lettered) and on the lifecycle topic, keyed by claims in flight (dead-lettered by each group that reads them; the claims still flow)',
    holdS: 0,
    trafficS: 30,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      const before = await rejectionCount(ctx);
      const dlqBefore = await topicSize(ctx.admin, `${TOPICS.claimRequests}.intake.dlq`);
      const requests = poisonRecords(randomUUID(), REQUEST_TYPES.create);
      await ctx.publish(TOPICS.claimRequests, requests);
      const inFlight = ctx.claimIds().slice(-5);
      const events = inFlight.flatMap((claimId, i) => poisonRecords(claimId, EVENT_TYPES.approved).slice(i % 5, (i % 5) + 1));
      await ctx.publish(TOPICS.claimEvents, events);
      ctx.note('poison_requests', requests.length);
      ctx.note('poison_events', events.length);
      // Intake answers each request on the rejections topic, and dead-letters none.
      const giveUpAt = Date.now() + 120_000;
      let answered = 0;
      while (Date.now() < giveUpAt) {
        answered = (await rejectionCount(ctx)) - before;
        if (answered >= requests.length) break;
        await sleep(1_000);
      }
      const deadLettered = (await topicSize(ctx.admin, `${TOPICS.claimRequests}.intake.dlq`)) - dlqBefore;
      ctx.note('poison_requests_rejected', answered);
      ctx.note('poison_requests_dead_lettered', deadLettered);
      ctx.expect('every poison request answered on cpor.claim-requests.rejected.v1', answered >= requests.length, `${answered} of ${requests.length}`);
      ctx.expect('no poison request dead-lettered', deadLettered === 0, `${deadLettered} dead-lettered`);
      ctx.cleared();
    },
  },
  {
    name: 'second-instance',
    what: 'a second instance of each service in turn joins its consumer group (on another port) while claims flow, works for 10 s, and leaves (SIGTERM)',
    holdS: 10,
    trafficS: 90,
    async run(ctx) {
      await ctx.warmup();
      ctx.injected();
      for (const service of SERVICES) {
        await ctx.fleet.start(service, 1);
        const joined = await waitMembers(ctx, service, 2);
        ctx.expect(`a second ${service} joins its group`, joined);
        await hold(ctx, 10);
        await ctx.fleet.stop(service, 1);
        const left = await waitMembers(ctx, service, 1);
        ctx.expect(`the second ${service} leaves its group`, left);
        ctx.log(`${service}: second instance joined and left`);
      }
      ctx.cleared();
    },
  },
  {
    name: 'full-replay',
    what: 'with the system at rest: every service stopped, every group of every service reset to offset 0 (ops replay --group --from-beginning), the services started; must change no claim, fire no deadline, send no email',
    quiet: true,
    holdS: 0,
    trafficS: 30,
    async run(ctx) {
      ctx.injected();
      await ctx.fleet.stopAll();
      for (const service of SERVICES) await waitMembers(ctx, service, 0);
      let rewound = 0;
      for (const service of SERVICES) rewound += await rewindGroup(ctx, service);
      ctx.note('records_replayed', rewound);
      await ctx.fleet.startAll();
      ctx.log(`every group reset to offset 0 (${rewound} records to read again); services started`);
      ctx.cleared();
    },
  },
];

/** Runs `work` again on a failure (a broker that has just moved a leader answers NOT_LEADER for a moment), for up to a minute. */
export async function retrying<T>(work: () => Promise<T>, giveUpAfterMs = 60_000): Promise<T> {
  const giveUpAt = Date.now() + giveUpAfterMs;
  for (let pause = 500; ; pause = Math.min(pause * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() + pause > giveUpAt) throw error;
      await sleep(pause);
    }
  }
}

async function topicSize(admin: MessagingAdmin, topic: string): Promise<number> {
  return (await retrying(() => topicTotals(admin, topic))).records;
}

function rejectionCount(ctx: ScenarioContext): Promise<number> {
  return topicSize(ctx.admin, TOPICS.claimRequestsRejected);
}

/** Scenarios by name, in table order; unknown names are an error naming the known ones. */
export function selectScenarios(names: string[] | undefined): Scenario[] {
  if (!names || names.length === 0) return SCENARIOS;
  const unknown = names.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return SCENARIOS.filter((s) => names.includes(s.name));
}
