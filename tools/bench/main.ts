/**
 * `npm run bench`: throughput of our seams against the raw clients they wrap, measured in the
 * same run on the same servers (machines are noisy; only the ratios are worth comparing).
 *   1. publishing N lifecycle events: KafkaPublisher (envelope + one sendBatch) vs raw kafkajs sendBatch
 *   2. N claim transitions, 16 claims at once: ClaimLedger.execute (read snapshot, decide, insert the
 *      transition row, advance the snapshot) vs a raw updateOne; prints store round trips per transition
 * Servers: the local ones (`npm run infra -- up`), or KAFKA_BROKERS / MONGO_URL.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '../../libs/contracts/src/topics.js';
import { BusinessCalendar, type Actor, type ClaimCommand } from '../../libs/domain/src/index.js';
import { KafkaPublisher, MessagingAdmin, messagingConfigFromEnv } from '../../libs/messaging/src/index.js';
import { ClaimLedger, claimModel, claimTransitionModel, openMongoConnection } from '../../libs/persistence/src/index.js';
import { SystemClock } from '../../libs/platform/src/clock.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 400);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 16);
const partner: Actor = { kind: 'partner', id: 'bench', partnerId: 'bench', roles: ['incentives-admin'] };

async function timed(label: string, run: () => Promise<number>): Promise<number> {
  const started = process.hrtime.bigint();
  const count = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = count / seconds;
  console.log(`${label.padEnd(46)} ${count} in ${seconds.toFixed(2)} s = ${rate.toFixed(0)}/s`);
  return rate;
}

async function benchPublishing(): Promise<void> {
  const config = { ...messagingConfigFromEnv('cpor-bench'), topicPrefix: `bench-${randomUUID().slice(0, 8)}.` };
  const admin = new MessagingAdmin(config);
  await admin.ensureTopics([TOPICS.claimEvents]);
  const publisher = new KafkaPublisher(config);
  await publisher.connect();
  const raw = new Kafka({ clientId: 'cpor-bench-raw', brokers: config.brokers, logLevel: logLevel.NOTHING }).producer();
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
  } finally {
    await raw.disconnect();
    await publisher.disconnect();
    await admin.deletePrefixedTopicsAndGroups();
    await admin.disconnect();
  }
}

async function benchLedger(): Promise<void> {
  const connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_bench_${randomUUID().slice(0, 8)}`);
  const claims = claimModel(connection);
  const ledger = new ClaimLedger(claims, claimTransitionModel(connection), new SystemClock(), new BusinessCalendar({ timeZone: 'UTC' }), 'cpor/bench');
  const create = (claimId: string): Extract<ClaimCommand, { type: 'create' }> => ({
    type: 'create',
    claimId,
    policyId: 'cpor-2020-06',
    mpnId: '1234567',
    customer: { tenantId: randomUUID(), name: 'Bench', domain: 'bench.example' },
    customerContact: { name: 'C', email: 'c@bench.example' },
    partnerContact: { name: 'P', email: 'p@bench.example' },
    products: ['microsoft-365'],
    activity: 'deployment',
    subscriptionOrTenantId: randomUUID(),
  });
  try {
    // A claim's life is some 10-20 transitions: spread the transitions over claims of that size,
    // and drive PARALLEL claims at once (each claim's own transitions one after another).
    const claimIds = Array.from({ length: Math.max(PARALLEL, Math.ceil(TRANSITIONS / 20)) }, () => randomUUID());
    for (const claimId of claimIds) await ledger.create(create(claimId), partner);
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
  } finally {
    await connection.dropDatabase();
    await connection.close();
  }
}

await benchPublishing();
await benchLedger();
