import { randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { BusinessCalendar, decide, getPolicy, type Actor, type ClaimCommand, type ClaimState, type Outcome } from '@cpor/domain';
import { createKafka, messagingConfigFromEnv } from '@cpor/messaging';
import { relayBucketOf, storedTransition, type StoredTransition } from '@cpor/persistence';
import { postgresWorkPerClaim, type PostgresWork } from './postgres-work.js';

/**
 * What the servers can do at best, measured with the raw clients in the same run: the limits the
 * pipeline is compared with (its figure divided by the lower of the two is `ratio_to_limit`).
 */

export const partner: Actor = { kind: 'partner', id: 'bench', partnerId: 'bench', roles: ['incentives-admin'] };

/** The create command every seam bench uses. */
export function createCommand(claimId: string): Extract<ClaimCommand, { type: 'create' }> {
  return {
    type: 'create',
    claimId,
    policyId: 'cpor-2020-06',
    mpnId: '1234567',
    customer: { tenantId: randomUUID(), name: 'Contoso bench', domain: 'contoso.example' },
    customerContact: { name: 'Casey Customer', email: 'customer-bench@contoso.example' },
    partnerContact: { name: 'Pat Partner', email: 'partner-bench@fabrikam.example' },
    products: ['microsoft-365'],
    workloads: ['Exchange Online'],
    activity: 'deployment',
    subscriptionOrTenantId: randomUUID(),
  };
}

/** A real claim's state and history entry (from the domain's own decide), so rows weigh what the ledger's weigh. */
function sampleClaim() {
  const outcome = decide(
    null,
    createCommand(randomUUID()),
    partner,
    { now: new Date(), policy: getPolicy('cpor-2020-06'), calendar: new BusinessCalendar({ timeZone: 'UTC' }) },
  );
  return { state: outcome.state, history: outcome.history };
}

const reviewer: Actor = { kind: 'reviewer', id: 'bench-reviewer', roles: ['poe-reviewer'] };
const system: Actor = { kind: 'system', id: 'bench' };
const DAY_MS = 86_400_000;

/**
 * The transitions of one claim's life in the pipeline, decided by the domain's own decide: for
 * each, the state after it, its history entry and its events. The store baseline writes these, so
 * its rows and snapshots hold what the ledger's hold, entry by entry (the history entry of a
 * creation carries the whole claim, the later ones little). Until 2026-12-05 it wrote the
 * creation's state and history entry at every version: snapshots about twice as heavy as the
 * ledger's by the last transition, which slowed the baseline (docs/performance.md).
 */
export function sampleLifecycle(claimId: string): Array<{ state: ClaimState; history: Outcome['history']; events: Outcome['events'] }> {
  const calendar = new BusinessCalendar({ timeZone: 'UTC' });
  const policy = getPolicy('cpor-2020-06');
  const start = Date.now();
  const steps: Array<{ command: ClaimCommand; actor: Actor; at: number }> = [
    { command: createCommand(claimId), actor: partner, at: start },
    { command: { type: 'addPoe', document: { documentId: randomUUID(), fileName: 'poe.pdf', contentType: 'application/pdf', size: 52_000, sha256: 'a'.repeat(64) } }, actor: partner, at: start },
    { command: { type: 'submit' }, actor: partner, at: start },
    { command: { type: 'startReview' }, actor: reviewer, at: start },
    { command: { type: 'approve', comment: 'PoE is signed by the customer' }, actor: reviewer, at: start },
    { command: { type: 'requestConsent' }, actor: system, at: start },
    // The customer's window (7 days) has passed: the pipeline moves its clock 8 days, any day past it decides the same.
    { command: { type: 'elapseConsent' }, actor: system, at: start + 30 * DAY_MS },
    { command: { type: 'recordEligibility', assessmentId: randomUUID(), eligible: true }, actor: system, at: start + 30 * DAY_MS },
  ];
  let state: ClaimState | null = null;
  return steps.map(({ command, actor, at }) => {
    const outcome = decide(state, command, actor, { now: new Date(at), policy, calendar });
    state = outcome.state;
    return { state: outcome.state, history: outcome.history, events: outcome.events };
  });
}

/**
 * (a) The ledger's write set with the raw driver: for each of a claim's `transitions`, a findOne
 * of the snapshot, an insert of the transition row (state, history entry and events, as the
 * ledger's rows hold them) and an update of the snapshot (an insert the first time), with the
 * states and history entries of a real claim's life (sampleLifecycle); `parallel` claims at once,
 * each claim's transitions in order, on the run's store or on `mongoUrl`. Returns claims per
 * second and, unless `postgresWork` is false, what PostgreSQL did per claim.
 */
export async function storeBaseline(
  claims: number,
  transitions: number,
  parallel: number,
  { mongoUrl, postgresWork = true }: { mongoUrl?: string; postgresWork?: boolean } = {},
): Promise<{ claimsPerS: number; seconds: number; postgresPerClaim: PostgresWork | null }> {
  const client = new MongoClient(mongoUrl ?? process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
  await client.connect();
  const db = client.db(`cpor_bench_raw_${randomUUID().slice(0, 8)}`);
  const rows = db.collection<StoredTransition>('claim_transitions');
  const snapshots = db.collection<Record<string, unknown> & { _id: string }>('claims');
  const life = sampleLifecycle(randomUUID());
  if (transitions > life.length) throw new Error(`the store baseline knows ${life.length} transitions of a claim's life, not ${transitions}`);
  try {
    // Create the collections first, as the services have by the time claims arrive.
    await rows.insertOne({ _id: 'warm-up' } as never);
    await snapshots.insertOne({ _id: 'warm-up' });
    const oneClaim = async (claimId: string) => {
      for (let version = 1; version <= transitions; version++) {
        await snapshots.findOne({ _id: claimId });
        const { state, history, events } = life[version - 1];
        const at = new Date();
        const commandId = randomUUID();
        // The events as the ledger stores them: without the claim, which the row holds once
        // (publishedEvent). The assessment that eligibility's last transition also publishes is
        // left out: its row is about a kilobyte lighter than the ledger's.
        const actor = { kind: history.actor.kind, id: history.actor.id };
        const outbox = events.map((event) => ({
          topic: 'cpor.claim-events.v1',
          event: { id: randomUUID(), type: event.type, source: 'cpor/bench', subject: claimId, time: at.toISOString(), data: { ...event.data, claimId, status: state.status, actor }, claimVersion: version, correlationId: commandId, causationId: commandId },
        }));
        const entry = { ...history, version, eventIds: outbox.map((o) => o.event.id) };
        // Stored as the ledger stores a row (its content in one JSON text: storedTransition).
        const row = { _id: `${claimId}:${version}`, claimId, version, at, commandId, state, history: entry, outbox, pending: true as const, relayBucket: relayBucketOf(claimId) };
        await rows.insertOne(storedTransition(row));
        // The snapshot's fields as the ledger writes them (claim-ledger.ts, writeSnapshot).
        const fields = { version, state, status: state.status, customerTenantId: state.customer.tenantId, customerName: state.customer.name, updatedAt: at, reviewQueued: false, reviewQueuedAt: null };
        if (version === 1) await snapshots.insertOne({ _id: claimId, ...fields, partnerId: state.partnerId, createdAt: at, history: [entry], appliedCommandIds: [commandId] });
        else await snapshots.updateOne({ _id: claimId, version: version - 1 }, { $set: fields, $push: { history: { $each: [entry] }, appliedCommandIds: { $each: [commandId] } } } as never);
      }
    };
    const started = process.hrtime.bigint();
    let next = 0;
    const lane = async () => {
      for (let n = next++; n < claims; n = next++) await oneClaim(`raw-${n}-${randomUUID().slice(0, 8)}`);
    };
    await Promise.all(Array.from({ length: parallel }, lane));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { claimsPerS: claims / seconds, seconds, postgresPerClaim: postgresWork ? await postgresWorkPerClaim(db.databaseName, claims) : null };
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
}

/**
 * (b) Kafka alone: `claims` records (one per claim, the size of a lifecycle event) produced to the
 * first of `hops` topics, relayed by a raw kafkajs consumer-producer to the next topic and so on,
 * and consumed from the last: the topic hops a claim passes from request to assessment, with no
 * work done in between. Batch in, batch out (eachBatch + one send), acks=all, as our transport
 * and relay do. Returns claims per second from the first send to the last record's arrival.
 */
export async function chainBaseline(claims: number, hops: number, partitions: number): Promise<{ claimsPerS: number; seconds: number }> {
  const prefix = `bench-chain-${randomUUID().slice(0, 8)}.`;
  // The raw kafkajs client, on the brokers, SASL and TLS of the environment like the pipeline.
  const kafka = createKafka(messagingConfigFromEnv('cpor-bench-chain'), { quiet: true });
  const topics = Array.from({ length: hops }, (_, i) => `${prefix}hop-${i + 1}`);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })), waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const consumers: Consumer[] = [];
  const payload = JSON.stringify({ claim: sampleClaim().state, pad: 'x'.repeat(200) });
  const seen = new Set<string>();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    const joined: Array<Promise<void>> = [];
    for (let i = 0; i < hops; i++) {
      const consumer = kafka.consumer({ groupId: `${prefix}relay-${i + 1}`, maxWaitTimeInMs: 100 });
      consumers.push(consumer);
      joined.push(new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve())));
      await consumer.connect();
      await consumer.subscribe({ topic: topics[i], fromBeginning: true });
      const last = i === hops - 1;
      await consumer.run({
        partitionsConsumedConcurrently: partitions,
        eachBatch: async ({ batch }) => {
          if (last) {
            for (const message of batch.messages) seen.add(message.key?.toString() ?? '');
            if (seen.size >= claims) done();
            return;
          }
          await producer.send({ topic: topics[i + 1], acks: -1, messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
        },
      });
    }
    // Group joins are start-up, not throughput.
    await Promise.all(joined);
    const started = process.hrtime.bigint();
    for (let i = 0; i < claims; i += 100) {
      const keys = Array.from({ length: Math.min(100, claims - i) }, (_, j) => `claim-${i + j}`);
      await producer.send({ topic: topics[0], acks: -1, messages: keys.map((key) => ({ key, value: payload })) });
    }
    await finished;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { claimsPerS: claims / seconds, seconds };
  } finally {
    for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
    await producer.disconnect();
    await admin.deleteGroups(consumers.map((_, i) => `${prefix}relay-${i + 1}`)).catch(() => undefined);
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
}
