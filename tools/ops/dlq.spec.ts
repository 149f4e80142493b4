import { describe, expect, it } from '@jest/globals';
import { deadLetterActionsTopic, REDRIVE_GROUP, type DeadLetter } from '@cpor/messaging';
import { runOps } from './cli.js';
import { EXIT } from './context.js';
import { payloadOf, selectLetters } from './dlq.js';
import { offsetRanges } from './options.js';
import { FakeKafka, fakeContext } from './testing/fake-kafka.js';

const SOURCE = 'cpor.claim-events.v1';
const GROUP = 'notifications';
const DLQ = `${SOURCE}.${GROUP}.dlq`;
const ACTIONS = deadLetterActionsTopic(SOURCE, GROUP);
const ARGS = ['--topic', SOURCE, '--group', GROUP];

function deadLetter(kafka: FakeKafka, id: string, partition: number, options: { key?: string; value?: string | Buffer } = {}) {
  return kafka.append(DLQ, {
    partition,
    key: options.key ?? `claim-${id}`,
    value: options.value ?? JSON.stringify({ claimId: `claim-${id}`, n: 1 }),
    headers: {
      ce_id: id,
      ce_type: 'cpor.claim.submitted.v1',
      ce_specversion: '1.0',
      ce_source: 'cpor/review',
      ce_subject: `claim-${id}`,
      ce_time: '2024-03-01T10:00:00Z',
      'content-type': 'application/json',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      dlq_source_topic: `it.${SOURCE}`,
      dlq_source_partition: String(partition),
      dlq_source_offset: '41',
      dlq_source_timestamp: '1709287200000',
      dlq_error: 'Error: SMTP refused',
      dlq_failed_at: '2024-03-01T10:00:05.000Z',
      dlq_attempts: '5',
      dlq_group: GROUP,
    },
  });
}

/** Four letters: e1 and e2 on partition 0 (offsets 0, 1), e3 and e4 on partition 1 (offsets 0, 1). */
function setUp() {
  const run = fakeContext(new FakeKafka('it.'));
  run.kafka.createTopic(SOURCE);
  run.kafka.createTopic(DLQ);
  deadLetter(run.kafka, 'e1', 0);
  deadLetter(run.kafka, 'e2', 0);
  deadLetter(run.kafka, 'e3', 1);
  deadLetter(run.kafka, 'e4', 1);
  return run;
}

const letter = (partition: number, offset: string, id: string | null): DeadLetter =>
  ({ summary: { partition, offset, id }, record: {} }) as unknown as DeadLetter;

describe('choosing dead letters', () => {
  const letters = [letter(0, '0', 'a'), letter(0, '1', 'b'), letter(0, '7', 'c'), letter(1, '0', 'd'), letter(1, '5', null)];
  const positions = (chosen: DeadLetter[]) => chosen.map(({ summary }) => `${summary.partition}@${summary.offset}`);

  it('by ce_id, by offsets (a position, a range, an open range, any partition) or all of them', () => {
    expect(positions(selectLetters(letters, { ids: ['b', 'd'] }).selected)).toEqual(['0@1', '1@0']);
    expect(positions(selectLetters(letters, { offsets: offsetRanges('0@7') }).selected)).toEqual(['0@7']);
    expect(positions(selectLetters(letters, { offsets: offsetRanges('0@1-7') }).selected)).toEqual(['0@1', '0@7']);
    expect(positions(selectLetters(letters, { offsets: offsetRanges('1@1-') }).selected)).toEqual(['1@5']);
    expect(positions(selectLetters(letters, { offsets: offsetRanges('0-0') }).selected)).toEqual(['0@0', '1@0']);
    expect(positions(selectLetters(letters, { offsets: offsetRanges('*@5-6,0@0') }).selected)).toEqual(['0@0', '1@5']);
    expect(positions(selectLetters(letters, { ids: ['a'], offsets: offsetRanges('1@0') }).selected)).toEqual(['0@0', '1@0']);
    expect(positions(selectLetters(letters, { all: true }).selected)).toEqual(['0@0', '0@1', '0@7', '1@0', '1@5']);
  });

  it('names the ids and ranges that match no letter', () => {
    expect(selectLetters(letters, { ids: ['a', 'zz'], offsets: offsetRanges('0@2-6,2@0') }).missing).toEqual(['zz', '0@2-6', '2@0']);
  });
});

describe('dlq list and show', () => {
  it('list --json: every letter with its state, and the counts', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'list', ...ARGS, '--json'], run.context)).toBe(EXIT.ok);
    const result = run.json();
    expect(result).toMatchObject({ command: 'dlq list', deadLetterTopic: `it.${DLQ}`, counts: { pending: 4, redriven: 0, discarded: 0 } });
    expect(result.letters).toHaveLength(4);
    expect(result.letters[0]).toEqual({
      partition: 0,
      offset: '0',
      key: 'claim-e1',
      id: 'e1',
      type: 'cpor.claim.submitted.v1',
      sourceTopic: `it.${SOURCE}`,
      sourcePartition: '0',
      sourceOffset: '41',
      sourceTimestamp: '1709287200000',
      error: 'Error: SMTP refused',
      failedAt: '2024-03-01T10:00:05.000Z',
      attempts: '5',
      group: GROUP,
      state: 'pending',
      handled: null,
      redriven: false,
    });
  });

  it('show prints the headers and the payload (pretty JSON in text, the raw value in JSON)', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'show', ...ARGS, '--id', 'e3'], run.context)).toBe(EXIT.ok);
    const text = run.stdout();
    expect(text).toContain(`dead letter 1@0 of it.${DLQ}: state=pending`);
    expect(text).toContain('    ce_id: e3');
    expect(text).toContain('    dlq_error: Error: SMTP refused');
    expect(text).toContain('    traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(text).toContain('  payload:\n    {\n      "claimId": "claim-e3",\n      "n": 1\n    }');

    const json = fakeContext(run.kafka);
    expect(await runOps(['dlq', 'show', ...ARGS, '--offsets', '1@0', '--json'], json.context)).toBe(EXIT.ok);
    const [shown] = json.json().letters;
    expect(shown).toMatchObject({ partition: 1, offset: '0', id: 'e3', value: '{"claimId":"claim-e3","n":1}', valueEncoding: 'utf8' });
    expect(shown.headers).toMatchObject({ ce_id: 'e3', dlq_group: GROUP, 'content-type': 'application/json' });
    expect(Date.parse(shown.timestamp)).not.toBeNaN();
  });

  it('a payload that is not UTF-8 is shown in base64', () => {
    expect(payloadOf(Buffer.from([0xff, 0xfe, 0x00]))).toEqual({ value: '//4A', valueEncoding: 'base64', pretty: null });
    expect(payloadOf(Buffer.from('plain'))).toEqual({ value: 'plain', valueEncoding: 'utf8', pretty: null });
    expect(payloadOf(null)).toEqual({ value: null, valueEncoding: 'utf8', pretty: null });
  });

  it('an id or range that names no letter exits 4 and does nothing', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--id', 'e1,nope', '--execute'], run.context)).toBe(EXIT.notFound);
    expect(run.stderr()).toContain(`no dead letter nope in it.${DLQ}; nothing was done`);
    expect(await runOps(['dlq', 'discard', ...ARGS, '--offsets', '2@0', '--reason', 'x', '--execute'], run.context)).toBe(EXIT.notFound);
    expect(run.kafka.published).toEqual([]);
  });
});

describe('a letter written twice', () => {
  it('(a producer retry: same event id, same source position) is listed, redriven and counted once', async () => {
    const run = setUp();
    deadLetter(run.kafka, 'e2', 0); // the copy, at a later offset
    expect(await runOps(['dlq', 'list', ...ARGS, '--json'], run.context)).toBe(EXIT.ok);
    expect(run.json().counts).toMatchObject({ pending: 4 });
    expect(run.json().letters.map((l: { id: string }) => l.id)).toEqual(['e1', 'e2', 'e3', 'e4']);

    const redrive = fakeContext(run.kafka);
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--id', 'e2', '--execute', '--json'], redrive.context)).toBe(EXIT.ok);
    expect(redrive.json()).toMatchObject({ redriven: 1 });
    const after = fakeContext(run.kafka);
    await runOps(['dlq', 'list', ...ARGS, '--json'], after.context);
    expect(after.json().counts).toMatchObject({ pending: 3, redriven: 1 });
  });
});

describe('dlq redrive', () => {
  it('previews by default: exit 3, lists the letters, publishes and records nothing', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--all', '--json'], run.context)).toBe(EXIT.preview);
    expect(run.json()).toMatchObject({ command: 'dlq redrive', executed: false, count: 4, targetTopic: `it.${SOURCE}`, skipped: [] });
    expect(run.kafka.published).toEqual([]);
    expect(run.kafka.topics.has(ACTIONS)).toBe(false);

    const text = fakeContext(run.kafka);
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--id', 'e2'], text.context)).toBe(EXIT.preview);
    expect(text.stdout()).toContain(`preview: would redrive 1 dead letter(s) from it.${DLQ} to it.${SOURCE}, each with its original ce_id; run again with --execute`);
  });

  it('--execute copies the chosen letters to the source topic with their ce_id, key, value and headers (no dlq_*), and records who', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--offsets', '0@1,1@0-', '--execute', '--by', 'alice', '--json'], run.context)).toBe(EXIT.ok);
    expect(run.json()).toMatchObject({ executed: true, count: 3, redriven: 3, by: 'alice' });

    const copies = run.kafka.records(SOURCE);
    expect(copies.map((r) => r.headers.ce_id?.toString()).sort()).toEqual(['e2', 'e3', 'e4']);
    const e2 = copies.find((r) => r.headers.ce_id?.toString() === 'e2')!;
    expect(e2.key?.toString()).toBe('claim-e2');
    expect(e2.value?.toString()).toBe(JSON.stringify({ claimId: 'claim-e2', n: 1 }));
    expect(Object.keys(e2.headers).sort()).toEqual(['ce_id', 'ce_source', 'ce_specversion', 'ce_subject', 'ce_time', 'ce_type', 'content-type', 'traceparent']);

    const actions = run.kafka.records(ACTIONS).map((r) => JSON.parse(r.value!.toString()));
    expect(run.kafka.topics.get(ACTIONS)).toHaveLength(1);
    expect(actions).toEqual([
      expect.objectContaining({ action: 'redriven', by: 'alice', at: '2024-03-01T12:00:00.000Z', deadLetterTopic: `it.${DLQ}`, partition: 0, offset: '1', id: 'e2', target: `it.${SOURCE}` }),
      expect.objectContaining({ partition: 1, offset: '0', id: 'e3' }),
      expect.objectContaining({ partition: 1, offset: '1', id: 'e4' }),
    ]);

    // Listed as redriven by alice; a second redrive of everything moves only e1 and skips the rest.
    const list = fakeContext(run.kafka);
    await runOps(['dlq', 'list', ...ARGS, '--json'], list.context);
    expect(list.json().counts).toEqual({ pending: 1, redriven: 3, discarded: 0 });
    expect(list.json().letters[1].handled).toEqual({ action: 'redriven', by: 'alice', at: '2024-03-01T12:00:00.000Z', reason: null });

    const again = fakeContext(run.kafka);
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--all', '--execute', '--json'], again.context)).toBe(EXIT.ok);
    expect(again.json()).toMatchObject({ count: 1, redriven: 1, by: 'tester', letters: [expect.objectContaining({ id: 'e1' })] });
    expect(again.json().skipped.map((s: { id: string }) => s.id)).toEqual(['e2', 'e3', 'e4']);
    expect(run.kafka.records(SOURCE)).toHaveLength(4);
  });

  it('--limit redrives the first pending letters only; nothing pending is exit 0', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--all', '--limit', '2', '--execute'], run.context)).toBe(EXIT.ok);
    expect(run.kafka.records(SOURCE).map((r) => r.headers.ce_id?.toString()).sort()).toEqual(['e1', 'e2']);
    await runOps(['dlq', 'redrive', ...ARGS, '--all', '--execute'], run.context);
    const idle = fakeContext(run.kafka);
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--all'], idle.context)).toBe(EXIT.ok);
    expect(idle.stdout()).toContain(`nothing to redrive in it.${DLQ}`);
  });

  it('--rate paces the copies: requests of a tenth of a second worth', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--all', '--rate', '20', '--execute'], run.context)).toBe(EXIT.ok);
    const copies = run.kafka.published.filter((batch) => batch[0].topic === SOURCE);
    expect(copies.map((batch) => batch.length)).toEqual([2, 2]);
    expect(run.sleeps).toEqual([100]);
  });

  it('letters below the committed offset of the former ops-redrive group count as redriven', async () => {
    const run = setUp();
    run.kafka.commit(REDRIVE_GROUP, DLQ, 0, '1');
    await runOps(['dlq', 'list', ...ARGS, '--json'], run.context);
    expect(run.json().letters.map((l: { id: string; state: string }) => `${l.id}:${l.state}`)).toEqual(['e1:redriven', 'e2:pending', 'e3:pending', 'e4:pending']);
  });

  it('--execute without --by or $USER is a usage error', async () => {
    const run = setUp();
    run.context.env = {};
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--all', '--execute'], run.context)).toBe(EXIT.usage);
    expect(run.stderr()).toContain('pass --by <name>');
    expect(run.kafka.published).toEqual([]);
  });
});

describe('dlq discard', () => {
  it('previews by default, then records who and why; redrive skips the letter from then on', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'discard', ...ARGS, '--id', 'e3', '--reason', 'test claim, deleted upstream'], run.context)).toBe(EXIT.preview);
    expect(run.kafka.published).toEqual([]);

    const discard = fakeContext(run.kafka);
    const code = await runOps(['dlq', 'discard', ...ARGS, '--id', 'e3', '--reason', 'test claim, deleted upstream', '--by', 'bob', '--execute', '--json'], discard.context);
    expect(code).toBe(EXIT.ok);
    expect(discard.json()).toMatchObject({ command: 'dlq discard', executed: true, discarded: 1, by: 'bob', reason: 'test claim, deleted upstream', actionsTopic: `it.${ACTIONS}` });
    expect(JSON.parse(run.kafka.records(ACTIONS)[0].value!.toString())).toEqual({
      action: 'discarded',
      by: 'bob',
      at: '2024-03-01T12:00:00.000Z',
      reason: 'test claim, deleted upstream',
      deadLetterTopic: `it.${DLQ}`,
      partition: 1,
      offset: '0',
      id: 'e3',
      type: 'cpor.claim.submitted.v1',
      key: 'claim-e3',
    });
    expect(run.kafka.records(SOURCE)).toEqual([]);

    const redrive = fakeContext(run.kafka);
    expect(await runOps(['dlq', 'redrive', ...ARGS, '--all', '--execute', '--json'], redrive.context)).toBe(EXIT.ok);
    expect(redrive.json().redriven).toBe(3);
    expect(redrive.json().skipped).toEqual([expect.objectContaining({ id: 'e3', state: 'discarded', handled: { action: 'discarded', by: 'bob', at: '2024-03-01T12:00:00.000Z', reason: 'test claim, deleted upstream' } })]);
    expect(run.kafka.records(SOURCE).map((r) => r.headers.ce_id?.toString()).sort()).toEqual(['e1', 'e2', 'e4']);
  });

  it('an empty reason is a usage error', async () => {
    const run = setUp();
    expect(await runOps(['dlq', 'discard', ...ARGS, '--all', '--reason', '  '], run.context)).toBe(EXIT.usage);
  });
});
