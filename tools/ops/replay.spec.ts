import { describe, expect, it } from '@jest/globals';
import { runOps } from './cli.js';
import { EXIT } from './context.js';
import { formatDuration, planReplay, replayRequest } from './replay.js';
import { FakeKafka, fakeContext } from './testing/fake-kafka.js';

const TOPIC = 'cpor.claim-events.v1';
const T0 = Date.parse('2024-03-01T00:00:00Z');
const HOUR = 3_600_000;

/** Partition 0: offsets 0..9 at T0 + 0..9 hours; partition 1: offsets 0..4 at T0 + 0, 2, 4, 6, 8 hours. */
function topic(kafka = new FakeKafka()) {
  kafka.createTopic(TOPIC, 2);
  for (let i = 0; i < 10; i++) kafka.append(TOPIC, { partition: 0, key: `k${i}`, value: `v0-${i}`, headers: { ce_id: `p0-${i}` }, timestamp: T0 + i * HOUR });
  for (let i = 0; i < 5; i++) kafka.append(TOPIC, { partition: 1, key: `j${i}`, value: `v1-${i}`, headers: { ce_id: `p1-${i}` }, timestamp: T0 + 2 * i * HOUR });
  kafka.nowMs = T0 + 10 * HOUR;
  return kafka;
}

const span = (rows: Array<{ partition: number; from: string; until: string; records: number }>) => rows.map((r) => `${r.partition}:${r.from}-${r.until}=${r.records}`);

describe('replay planning', () => {
  it('from the beginning, an offset (clamped to the log), a time, or a duration ago', async () => {
    const kafka = topic();
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'beginning' } }))).toEqual(['0:0-10=10', '1:0-5=5']);
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'offset', offset: '7' } }))).toEqual(['0:7-10=3', '1:5-5=0']);
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'time', at: new Date(T0 + 5 * HOUR) } }))).toEqual(['0:5-10=5', '1:3-5=2']);
    const ago = replayRequest({ topic: TOPIC, toTopic: 'copy', fromAgo: 3 * HOUR }, new Date(kafka.nowMs));
    expect(ago.start).toEqual({ kind: 'time', at: new Date(T0 + 7 * HOUR), agoMs: 3 * HOUR });
    expect(span(await planReplay(kafka, ago))).toEqual(['0:7-10=3', '1:4-5=1']);
    // A time after every record: nothing to read.
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'time', at: new Date(T0 + 99 * HOUR) } }))).toEqual(['0:10-10=0', '1:5-5=0']);
  });

  it('republishing ends at an offset or a time, never past the log end nor before the start; partitions can be chosen', async () => {
    const kafka = topic();
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'offset', offset: '2' }, end: { kind: 'offset', offset: '4' } }))).toEqual(['0:2-4=2', '1:2-4=2']);
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'offset', offset: '3' }, end: { kind: 'offset', offset: '99' }, partitions: [1] }))).toEqual(['1:3-5=2']);
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'beginning' }, end: { kind: 'time', at: new Date(T0 + 4 * HOUR) } }))).toEqual(['0:0-4=4', '1:0-2=2']);
    expect(span(await planReplay(kafka, { topic: TOPIC, start: { kind: 'offset', offset: '6' }, end: { kind: 'offset', offset: '2' } }))).toEqual(['0:6-6=0', '1:5-5=0']);
  });

  it('a group replays from the start it is given to the log end, next to its committed offsets; unknown topics and partitions are refused', async () => {
    const kafka = topic();
    kafka.commit('review', TOPIC, 0, '10');
    const rows = await planReplay(kafka, { topic: TOPIC, group: 'review', start: { kind: 'offset', offset: '4' } });
    expect(rows).toEqual([
      { partition: 0, low: '0', high: '10', committedOffset: '10', from: '4', until: '10', records: 6 },
      { partition: 1, low: '0', high: '5', committedOffset: null, from: '4', until: '5', records: 1 },
    ]);
    await expect(planReplay(kafka, { topic: 'missing', start: { kind: 'beginning' } })).rejects.toThrow('topic missing does not exist');
    await expect(planReplay(kafka, { topic: TOPIC, partitions: [0, 7], start: { kind: 'beginning' } })).rejects.toThrow('has no partition 7 (it has 0, 1)');
  });
});

describe('replay --group', () => {
  it('previews by default (exit 3) and changes no offset; --execute moves them', async () => {
    const run = fakeContext(topic());
    run.kafka.commit('review', TOPIC, 0, '10');
    run.kafka.commit('review', TOPIC, 1, '5');
    run.kafka.groups.set('review', { state: 'Empty', protocol: '', members: [] });

    expect(await runOps(['replay', '--group', 'review', '--topic', TOPIC, '--from-time', '2024-03-01T05:00:00Z', '--json'], run.context)).toBe(EXIT.preview);
    expect(run.json()).toMatchObject({
      command: 'replay',
      executed: false,
      mode: 'group',
      group: 'review',
      topic: TOPIC,
      start: { kind: 'time', at: '2024-03-01T05:00:00.000Z' },
      groupState: 'Empty',
      activeMembers: 0,
      records: 7,
      partitions: [expect.objectContaining({ partition: 0, committedOffset: '10', from: '5' }), expect.objectContaining({ partition: 1, committedOffset: '5', from: '3' })],
    });
    expect(run.kafka.setOffsetsCalls).toEqual([]);

    const execute = fakeContext(run.kafka);
    expect(await runOps(['replay', '--group', 'review', '--topic', TOPIC, '--from-time', '2024-03-01T05:00:00Z', '--execute'], execute.context)).toBe(EXIT.ok);
    expect(run.kafka.setOffsetsCalls).toEqual([{ group: 'review', topic: TOPIC, partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '3' }] }]);
    expect(execute.stdout()).toContain('start the service: it reads 7 record(s) from there');

    // Already there: nothing to do, exit 0.
    const again = fakeContext(run.kafka);
    expect(await runOps(['replay', '--group', 'review', '--topic', TOPIC, '--from-time', '2024-03-01T05:00:00Z'], again.context)).toBe(EXIT.ok);
  });

  it('an active group: the preview says to stop the service, --execute fails (exit 1) and changes nothing', async () => {
    const run = fakeContext(topic());
    run.kafka.groups.set('review', { state: 'Stable', protocol: 'RoundRobinAssigner', members: [{ memberId: 'm1', clientId: 'review', clientHost: '/10.0.0.1', assignments: [] }] });
    expect(await runOps(['replay', '--group', 'review', '--topic', TOPIC], run.context)).toBe(EXIT.preview);
    expect(run.stdout()).toContain('the group has 1 active member(s): stop the service before --execute');
    expect(await runOps(['replay', '--group', 'review', '--topic', TOPIC, '--execute'], run.context)).toBe(EXIT.failure);
    expect(run.stderr()).toContain("consumer group 'review' has 1 active member(s)");
    expect(run.kafka.setOffsetsCalls).toEqual([]);
  });
});

describe('replay --to-topic', () => {
  it('previews by default, then republishes the range with the original keys, values and headers', async () => {
    const run = fakeContext(topic());
    run.kafka.createTopic('copy', 2);
    const args = ['replay', '--topic', TOPIC, '--to-topic', 'copy', '--from-offset', '2', '--until-offset', '4'];
    expect(await runOps([...args, '--json'], run.context)).toBe(EXIT.preview);
    expect(run.json()).toMatchObject({ executed: false, mode: 'republish', topic: TOPIC, toTopic: 'copy', records: 4, ratePerSecond: null });
    expect(run.kafka.published).toEqual([]);

    const execute = fakeContext(run.kafka);
    expect(await runOps([...args, '--execute', '--json'], execute.context)).toBe(EXIT.ok);
    expect(execute.json()).toMatchObject({ executed: true, published: 4 });
    const copied = run.kafka.records('copy').map((r) => `${r.key}=${r.value}:${r.headers.ce_id}`).sort();
    expect(copied).toEqual(['j2=v1-2:p1-2', 'j3=v1-3:p1-3', 'k2=v0-2:p0-2', 'k3=v0-3:p0-3']);
    expect(execute.stderr()).toContain('replay [##############################] 4/4 100%');
  });

  it('--rate paces the records (a tenth of a second per produce request) and --no-progress keeps stderr quiet', async () => {
    const run = fakeContext(topic());
    run.kafka.createTopic('copy', 2);
    expect(await runOps(['replay', '--topic', TOPIC, '--to-topic', 'copy', '--rate', '20', '--no-progress', '--execute'], run.context)).toBe(EXIT.ok);
    expect(run.kafka.records('copy')).toHaveLength(15);
    // 15 records (10 on partition 0, 5 on 1) in requests of 2 at 20/s: each request after the first waits 100 ms.
    expect(run.kafka.published.map((batch) => batch.length)).toEqual([2, 2, 2, 2, 2, 2, 2, 1]);
    expect(run.sleeps).toEqual(Array(7).fill(100));
    expect(run.stderr()).toBe('');
  });

  it('a target topic that does not exist is refused, in the preview too, before anything is published (exit 4)', async () => {
    const run = fakeContext(topic());
    expect(await runOps(['replay', '--topic', TOPIC, '--to-topic', 'nowhere'], run.context)).toBe(EXIT.notFound);
    expect(await runOps(['replay', '--topic', TOPIC, '--to-topic', 'nowhere', '--execute'], run.context)).toBe(EXIT.notFound);
    expect(run.stderr()).toContain('topic nowhere does not exist (create it first)');
    expect(run.kafka.published).toEqual([]);
  });
});

describe('durations in messages', () => {
  it('are written back in the units they are read in', () => {
    expect([formatDuration(5_400_000), formatDuration(90_000), formatDuration(86_400_000 + 1), formatDuration(0)]).toEqual(['1h30m', '1m30s', '1d1ms', '0s']);
  });
});
