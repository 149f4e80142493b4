/**
 * `npm run bench`: throughput of our seams against the raw clients they wrap, measured in the
 * same run on the same servers (machines are noisy; only the ratios are worth comparing).
 *   1. publishing N lifecycle events: KafkaPublisher (envelope + one sendBatch) vs raw kafkajs sendBatch
 *   2. N claim transitions: ClaimLedger.execute (read, decide, lock, compare-and-set, outbox) vs raw updateOne
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
const TRANSITIONS = Number(process.env.BENCH_TRANSITIONS ?? 200);
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
    // A claim's life is some 10-20 transitions: spread the transitions over claims of that size.
    const claimIds = Array.from({ length: Math.ceil(TRANSITIONS / 20) }, () => randomUUID());
    for (const claimId of claimIds) await ledger.create(create(claimId), partner);
    const raw = claims.collection;
    await raw.insertOne({ _id: 'raw-baseline', version: 0, history: [] } as never);
    const baseline = await timed('mongo: raw updateOne ($set + $push)', async () => {
      for (let version = 0; version < TRANSITIONS; version++) {
        await raw.updateOne({ _id: 'raw-baseline', version } as never, { $set: { version: version + 1 }, $push: { history: { n: version } } } as never);
      }
      return TRANSITIONS;
    });
    const ours = await timed('mongo: ClaimLedger.execute (comment)', async () => {
      for (let i = 0; i < TRANSITIONS; i++) await ledger.execute(claimIds[i % claimIds.length], { type: 'comment', text: `comment ${i}` }, partner);
      return TRANSITIONS;
    });
    console.log(`ledger ratio ours/raw: ${(ours / baseline).toFixed(2)}`);
  } finally {
    await connection.dropDatabase();
    await connection.close();
  }
}

await benchPublishing();
await benchLedger();
