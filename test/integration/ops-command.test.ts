// The ops command (tools/ops) against the real servers: dead letters listed, shown, redriven with
// their event id and discarded with who and why; a group moved back and a range republished,
// each previewed first; one claim read from the store. Commands run in-process through runOps on
// a server context, with their own topic/group prefix and database. Kafka from KAFKA_BROKERS
// (default 127.0.0.1:9092), the store from MONGO_URL (default mongodb://127.0.0.1:27017).
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { deadLetterTopic, TOPICS, toKafkaMessage, type CloudEvent } from '@cpor/contracts';
import { BusinessCalendar, type Actor } from '@cpor/domain';
import { SystemClock } from '@cpor/kernel';
import { deadLetterActionsTopic, MessagingAdmin, messagingConfigFromEnv, type LogRecord } from '@cpor/messaging';
import { ClaimLedger, claimModel, claimTransitionModel, DeadlineStore, deadlineModel, DeliveryRepository, openMongoConnection } from '@cpor/persistence';
import { EXIT } from '../../tools/ops/context.js';
import { runOpsCommand, type OpsResult } from '../support/ops.js';

jest.setTimeout(180_000);

const prefix = `it-${randomUUID().slice(0, 8)}.`;
const env: NodeJS.ProcessEnv & { MONGO_DB: string } = { ...process.env, KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3', USER: 'it-operator', MONGO_DB: `cpor_it_ops_${randomUUID().slice(0, 8)}` };
const SOURCE = TOPICS.claimEvents;
const GROUP = 'notifications';
const DLQ = deadLetterTopic(SOURCE, GROUP);
const COPY = 'ops-it.copy.v1';
const ARGS = ['--topic', SOURCE, '--group', GROUP];

let admin: MessagingAdmin;

/** Runs one ops command; answers its exit code, what it printed, and its --json result when there is one. */
async function ops(...argv: string[]): Promise<OpsResult & { json: any }> {
  const result = await runOpsCommand(env, ...argv);
  return { ...result, json: argv.includes('--json') && result.stdout ? JSON.parse(result.stdout) : undefined };
}

/** The exit code, with what the command wrote on stderr when it is not the one expected. */
function expectExit(result: { code: number; stderr: string }, code: number): void {
  expect(`exit ${result.code}${result.code === code ? '' : `: ${result.stderr}`}`).toBe(`exit ${code}`);
}

function event(id: string, claim: string): CloudEvent {
  return { id, type: 'cpor.claim.submitted.v1', source: '/it/ops', subject: claim, time: new Date().toISOString(), data: { claimId: claim, n: id } };
}

/** A dead letter as KafkaTransport writes it: the original key, value and headers plus dlq_*. */
function deadLetter(id: string, claim: string) {
  const message = toKafkaMessage(event(id, claim));
  return {
    topic: DLQ,
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      dlq_source_topic: `${prefix}${SOURCE}`,
      dlq_source_partition: '0',
      dlq_source_offset: '7',
      dlq_source_timestamp: String(Date.now()),
      dlq_error: `Error: cannot send ${id}`,
      dlq_failed_at: new Date().toISOString(),
      dlq_attempts: '5',
      dlq_group: GROUP,
    },
  };
}

async function read(topic: string): Promise<LogRecord[]> {
  const offsets = (await admin.topicOffsets(topic)) ?? [];
  const records: LogRecord[] = [];
  await admin.readRecords(
    offsets.map(({ partition, low, high }) => ({ topic, partition, from: low, until: high })),
    (batch) => {
      records.push(...batch);
      return 'continue';
    },
  );
  return records;
}

const header = (record: LogRecord, name: string) => record.headers[name]?.toString();
// The event ids on a topic. Kafka is at least once: a producer retry under load may write a record
// twice (consumers deduplicate on ce_id), so the distinct ids are what a command is judged by.
const ids = (records: LogRecord[]) => [...new Set(records.map((record) => header(record, 'ce_id')))].sort();

describe('ops command (real broker)', () => {
  beforeAll(async () => {
    Logger.overrideLogger(['error', 'warn']);
    admin = new MessagingAdmin(messagingConfigFromEnv('it-ops', env));
    await admin.ensureTopics([SOURCE, DLQ, COPY]);
    await admin.publishRaw([deadLetter('e1', 'claim-1'), deadLetter('e2', 'claim-2'), deadLetter('e3', 'claim-3')]);
  });

  afterAll(async () => {
    await admin?.deletePrefixedTopicsAndGroups();
    await admin?.disconnect();
  });

  it('dlq list and show: every letter pending, then one letter with its headers and payload', async () => {
    const list = await ops('dlq', 'list', ...ARGS, '--json');
    expectExit(list, EXIT.ok);
    expect(list.json).toMatchObject({ command: 'dlq list', deadLetterTopic: `${prefix}${DLQ}`, counts: { pending: 3, redriven: 0, discarded: 0 } });
    expect(list.json.letters.map((l: { id: string }) => l.id).sort()).toEqual(['e1', 'e2', 'e3']);

    const show = await ops('dlq', 'show', ...ARGS, '--id', 'e2', '--json');
    expectExit(show, EXIT.ok);
    const [letter] = show.json.letters;
    expect(letter).toMatchObject({ id: 'e2', key: 'claim-2', state: 'pending', valueEncoding: 'utf8', attempts: '5', error: 'Error: cannot send e2' });
    expect(JSON.parse(letter.value)).toEqual({ claimId: 'claim-2', n: 'e2' });
    expect(letter.headers).toMatchObject({ ce_id: 'e2', ce_type: 'cpor.claim.submitted.v1', dlq_group: GROUP, dlq_error: 'Error: cannot send e2' });

    const text = await ops('dlq', 'show', ...ARGS, '--id', 'e2');
    expect(text.stdout).toContain('    dlq_error: Error: cannot send e2');
    expect(text.stdout).toContain('"claimId": "claim-2"');
  });

  it('dlq redrive previews, then copies the letter with its event id and records who; discard records who and why and redrive skips it', async () => {
    const preview = await ops('dlq', 'redrive', ...ARGS, '--id', 'e1');
    expectExit(preview, EXIT.preview);
    expect(preview.stdout).toContain('preview: would redrive 1 dead letter(s)');
    expect((await admin.topicOffsets(SOURCE))!.every((p) => p.high === p.low)).toBe(true);

    const redrive = await ops('dlq', 'redrive', ...ARGS, '--id', 'e1', '--execute', '--json');
    expectExit(redrive, EXIT.ok);
    expect(redrive.json).toMatchObject({ executed: true, redriven: 1, by: 'it-operator', targetTopic: `${prefix}${SOURCE}` });
    const [copy] = await read(SOURCE);
    expect(header(copy, 'ce_id')).toBe('e1');
    expect(copy.key?.toString()).toBe('claim-1');
    expect(JSON.parse(copy.value!.toString())).toEqual({ claimId: 'claim-1', n: 'e1' });
    expect(Object.keys(copy.headers).filter((name) => name.startsWith('dlq_'))).toEqual([]);

    const discard = await ops('dlq', 'discard', ...ARGS, '--id', 'e2', '--reason', 'claim deleted upstream', '--by', 'alice', '--execute');
    expectExit(discard, EXIT.ok);
    const [action] = (await read(deadLetterActionsTopic(SOURCE, GROUP))).map((r) => JSON.parse(r.value!.toString())).filter((a) => a.action === 'discarded');
    expect(action).toMatchObject({ by: 'alice', reason: 'claim deleted upstream', id: 'e2', deadLetterTopic: `${prefix}${DLQ}` });

    const rest = await ops('dlq', 'redrive', ...ARGS, '--all', '--execute', '--json');
    expect(rest.json).toMatchObject({ redriven: 1, letters: [expect.objectContaining({ id: 'e3' })] });
    expect(rest.json.skipped.map((s: { id: string; state: string }) => `${s.id}:${s.state}`).sort()).toEqual(['e1:redriven', 'e2:discarded']);
    expect(ids(await read(SOURCE))).toEqual(['e1', 'e3']);

    const list = await ops('dlq', 'list', ...ARGS, '--json');
    expect(list.json.counts).toEqual({ pending: 0, redriven: 2, discarded: 1 });
    expect(list.json.letters.find((l: { id: string }) => l.id === 'e2').handled).toMatchObject({ action: 'discarded', by: 'alice', reason: 'claim deleted upstream' });
  });

  it('replay --group previews (offsets unchanged), then moves the stopped group back', async () => {
    const ends = (await admin.topicOffsets(SOURCE))!;
    await admin.setGroupOffsets('ops-it-group', SOURCE, ends.map(({ partition, high }) => ({ partition, offset: high })));

    const preview = await ops('replay', '--group', 'ops-it-group', '--topic', SOURCE, '--from-beginning', '--json');
    expectExit(preview, EXIT.preview);
    expect(preview.json).toMatchObject({ executed: false, mode: 'group', records: 2, groupState: 'Empty', activeMembers: 0 });
    expect((await admin.committedOffsets('ops-it-group', SOURCE)).map((p) => p.offset)).toEqual(ends.map((p) => p.high));

    const execute = await ops('replay', '--group', 'ops-it-group', '--topic', SOURCE, '--from-beginning', '--execute');
    expectExit(execute, EXIT.ok);
    expect((await admin.committedOffsets('ops-it-group', SOURCE)).map((p) => p.offset)).toEqual(ends.map((p) => p.low));
    expect((await admin.consumerLag('ops-it-group', [SOURCE])).reduce((sum, row) => sum + row.lag, 0)).toBe(2);
  });

  it('replay --to-topic previews (nothing published), then republishes with the original keys and headers, paced', async () => {
    const preview = await ops('replay', '--topic', SOURCE, '--to-topic', COPY, '--json');
    expectExit(preview, EXIT.preview);
    expect(preview.json).toMatchObject({ executed: false, mode: 'republish', records: 2 });
    expect((await admin.topicOffsets(COPY))!.every((p) => p.high === p.low)).toBe(true);

    const execute = await ops('replay', '--topic', SOURCE, '--to-topic', COPY, '--rate', '5', '--execute', '--json');
    expectExit(execute, EXIT.ok);
    expect(execute.json).toMatchObject({ executed: true, published: 2, ratePerSecond: 5 });
    expect(execute.stderr).toContain('2/2 100%');
    const copies = await read(COPY);
    expect(ids(copies)).toEqual(['e1', 'e3']);
    const originals = await read(SOURCE);
    for (const copy of copies) {
      const original = originals.find((record) => header(record, 'ce_id') === header(copy, 'ce_id'))!;
      expect(copy.key?.toString()).toBe(original.key?.toString());
      expect(copy.value?.toString()).toBe(original.value?.toString());
      expect(Object.fromEntries(Object.entries(copy.headers).map(([name, value]) => [name, value?.toString()]))).toEqual(
        Object.fromEntries(Object.entries(original.headers).map(([name, value]) => [name, value?.toString()])),
      );
    }
  });
});

describe('claim show (real store)', () => {
  it('reads the claim, its pending outbox rows, deadlines and deliveries, without addresses', async () => {
    const connection = await openMongoConnection(env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', env.MONGO_DB);
    try {
      const clock = new SystemClock();
      const ledger = new ClaimLedger(claimModel(connection), claimTransitionModel(connection), clock, new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' }), 'cpor/it');
      const partner: Actor = { kind: 'partner', id: 'user-1', partnerId: 'p-1', roles: ['incentives-admin'] };
      const claimId = randomUUID();
      await ledger.create(
        {
          type: 'create',
          claimId,
          policyId: 'cpor-2020-06',
          mpnId: '1234567',
          customer: { tenantId: randomUUID(), name: 'Contoso', domain: 'contoso.example' },
          customerContact: { name: 'Casey', email: 'casey@contoso.example' },
          partnerContact: { name: 'Pat', email: 'pat@fabrikam.example' },
          products: ['microsoft-365'],
          activity: 'deployment',
          subscriptionOrTenantId: randomUUID(),
        },
        partner,
      );
      const poe = { documentId: 'doc-1', fileName: 'sow.pdf', contentType: 'application/pdf', size: 10, sha256: 'b'.repeat(64) };
      await ledger.execute(claimId, { type: 'addPoe', document: poe }, partner);
      await ledger.execute(claimId, { type: 'submit' }, partner);
      await new DeadlineStore(deadlineModel(connection), 'review', clock).schedule({ kind: 'review-start', claimId, epoch: 2, dueAt: new Date('2030-01-01T00:00:00Z') });
      await DeliveryRepository.forConnection(connection).insertPending(
        { eventId: 'evt-1', eventType: 'cpor.claim.submitted.v1', claimId, template: 'submitted', role: 'reviewers', to: 'reviewers@cpor.example', subject: 'Claim submitted', text: 'body' },
        new Date(),
      );

      const shown = await ops('claim', 'show', claimId, '--json');
      expectExit(shown, EXIT.ok);
      const { claim } = shown.json;
      expect(claim).toMatchObject({ id: claimId, version: 3, status: 'Submitted', policyId: 'cpor-2020-06', snapshotBehindBy: 0, policy: { id: 'cpor-2020-06' } });
      expect(claim.history.map((h: { action: string }) => h.action)).toEqual(['create', 'addPoe', 'submit']);
      // No relay ran: every transition's events are still in the outbox.
      expect(claim.pendingOutbox.map((row: { version: number }) => row.version)).toEqual([1, 2, 3]);
      expect(claim.pendingOutbox[2].events).toEqual([expect.objectContaining({ topic: TOPICS.claimEvents, type: 'cpor.claim.submitted.v1' })]);
      expect(claim.deadlines).toEqual([expect.objectContaining({ owner: 'review', kind: 'review-start', status: 'pending', dueAt: '2030-01-01T00:00:00.000Z' })]);
      expect(claim.deliveries).toEqual([expect.objectContaining({ eventId: 'evt-1', role: 'reviewers', status: 'pending', attempts: 0 })]);
      expect(shown.stdout).not.toContain('reviewers@cpor.example');

      expectExit(await ops('claim', 'show', randomUUID()), EXIT.notFound);
    } finally {
      await connection.dropDatabase();
      await connection.close();
    }
  });
});
