import { describe, expect, it } from '@jest/globals';
import { runOps } from './cli.js';
import { EXIT } from './context.js';
import { FakeKafka, fakeContext } from './testing/fake-kafka.js';

const TOPIC = 'cpor.claim-events.v1';

function cluster() {
  const kafka = new FakeKafka('p.');
  kafka.createTopic(TOPIC, 3);
  for (let i = 0; i < 9; i++) kafka.append(TOPIC, { partition: i % 3, key: `k${i}` });
  kafka.commit('review', TOPIC, 0, '3');
  kafka.commit('review', TOPIC, 1, '1');
  kafka.commit('review', TOPIC, 2, '0');
  kafka.groups.set('review', {
    state: 'Stable',
    protocol: 'RoundRobinAssigner',
    members: [
      { memberId: 'review-a', clientId: 'review', clientHost: '/10.0.0.1', assignments: [{ topic: TOPIC, partitions: [0, 2] }] },
      { memberId: 'review-b', clientId: 'review', clientHost: '/10.0.0.2', assignments: [{ topic: TOPIC, partitions: [1] }] },
    ],
  });
  kafka.groups.set('consent', { state: 'Empty', protocol: '', members: [] });
  return kafka;
}

describe('groups', () => {
  it('list --json: state, members and total lag of each group', async () => {
    const run = fakeContext(cluster());
    expect(await runOps(['groups', 'list', '--json'], run.context)).toBe(EXIT.ok);
    expect(run.json()).toEqual({
      command: 'groups list',
      groups: [
        { group: 'consent', protocolType: 'consumer', state: 'Empty', members: 0, topics: [], totalLag: 0 },
        { group: 'review', protocolType: 'consumer', state: 'Stable', members: 2, topics: [`p.${TOPIC}`], totalLag: 5 },
      ],
    });
  });

  it('describe --json: members with their partitions, and lag per partition with its owner', async () => {
    const run = fakeContext(cluster());
    expect(await runOps(['groups', 'describe', 'review', '--json'], run.context)).toBe(EXIT.ok);
    const result = run.json();
    expect(result).toMatchObject({ command: 'groups describe', group: 'review', state: 'Stable', protocol: 'RoundRobinAssigner', totalLag: 5 });
    expect(result.members[0]).toEqual({ memberId: 'review-a', clientId: 'review', clientHost: '/10.0.0.1', assignments: [{ topic: `p.${TOPIC}`, partitions: [0, 2] }] });
    expect(result.partitions).toEqual([
      { topic: `p.${TOPIC}`, partition: 0, committedOffset: '3', logEndOffset: '3', lag: 0, memberId: 'review-a', clientId: 'review' },
      { topic: `p.${TOPIC}`, partition: 1, committedOffset: '1', logEndOffset: '3', lag: 2, memberId: 'review-b', clientId: 'review' },
      { topic: `p.${TOPIC}`, partition: 2, committedOffset: '0', logEndOffset: '3', lag: 3, memberId: 'review-a', clientId: 'review' },
    ]);
  });

  it('describe in text: one line per member and per partition', async () => {
    const run = fakeContext(cluster());
    await runOps(['groups', 'describe', 'review'], run.context);
    expect(run.stdout().split('\n')).toEqual([
      'group review state=Stable members=2 assignor=RoundRobinAssigner',
      `  member review-a client=review host=/10.0.0.1 holds p.${TOPIC}[0,2]`,
      `  member review-b client=review host=/10.0.0.2 holds p.${TOPIC}[1]`,
      `  p.${TOPIC} partition=0 committed=3 end=3 lag=0 member=review`,
      `  p.${TOPIC} partition=1 committed=1 end=3 lag=2 member=review`,
      `  p.${TOPIC} partition=2 committed=0 end=3 lag=3 member=review`,
      'total lag 5',
      '',
    ]);
  });

  it('topics ensure --json names every topic and dead-letter topic, created or not', async () => {
    const run = fakeContext(cluster());
    expect(await runOps(['topics', 'ensure', '--json'], run.context)).toBe(EXIT.ok);
    const { topics } = run.json();
    expect(topics).toContainEqual({ topic: `p.${TOPIC}`, created: false });
    expect(topics).toContainEqual({ topic: `p.${TOPIC}.notifications.dlq`, created: true });
  });
});
