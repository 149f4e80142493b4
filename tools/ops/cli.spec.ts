import { describe, expect, it } from '@jest/globals';
import type { Command } from 'commander';
import { buildProgram, runOps } from './cli.js';
import { EXIT } from './context.js';
import { fakeContext } from './testing/fake-kafka.js';

/** Every command path of the program (`['dlq', 'redrive']`, ...), groups included. */
function commandPaths(): string[][] {
  const { context } = fakeContext();
  const paths: string[][] = [];
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      if (sub.name() === 'help') continue;
      paths.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(buildProgram(context, () => async () => undefined), []);
  return paths;
}

const LEAVES = [
  ['groups', 'list'],
  ['groups', 'describe'],
  ['lag'],
  ['dlq', 'list'],
  ['dlq', 'show'],
  ['dlq', 'redrive'],
  ['dlq', 'discard'],
  ['replay'],
  ['claim', 'show'],
  ['clock', 'show'],
  ['clock', 'advance'],
  ['topics', 'ensure'],
];

describe('ops command line', () => {
  it('has the commands of the operations guide', () => {
    expect(commandPaths().filter((path) => !['groups', 'dlq', 'claim', 'clock', 'topics'].includes(path.join(' '))).sort()).toEqual([...LEAVES].sort());
  });

  it('--help alone prints the usage on stdout and exits 0, as does no argument at all', async () => {
    for (const argv of [['--help'], ['-h'], [], ['help']]) {
      const run = fakeContext();
      expect(await runOps(argv, run.context)).toBe(EXIT.ok);
      expect(run.stdout()).toContain('Usage: ops');
      expect(run.stdout()).toContain('Exit codes: 0 done, 1 failed, 2 usage error, 3 preview');
      expect(run.stderr()).toBe('');
    }
  });

  it.each(commandPaths().map((path) => [path.join(' ')]))('%s --help exits 0 without touching Kafka', async (path) => {
    const run = fakeContext();
    run.context.kafka = () => Promise.reject(new Error('no Kafka in --help'));
    expect(await runOps([...path.split(' '), '--help'], run.context)).toBe(EXIT.ok);
    expect(run.stdout()).toContain(`Usage: ops ${path}`);
    expect(run.stderr()).toBe('');
  });

  it.each(LEAVES.map((path) => [path.join(' ')]))('%s takes --json', async (path) => {
    const run = fakeContext();
    await runOps([...path.split(' '), '--help'], run.context);
    expect(run.stdout()).toContain('--json');
  });

  it.each([
    [['--bogus'], "unknown option '--bogus'"],
    [['dlq', 'list', '--topic', 't', '--group', 'g', '--bogus'], "unknown option '--bogus'"],
    [['replay', '--topic', 't', '--group', 'g', '--frm-offset', '3'], "unknown option '--frm-offset'"],
    [['nope'], "unknown command 'nope'"],
    [['dlq', 'list', '--topic', 't'], "required option '--group <group>' not specified"],
    [['dlq', 'discard', '--topic', 't', '--group', 'g', '--all'], "required option '--reason <text>' not specified"],
    [['dlq', 'list', '--topic', 't', '--group', 'g', '--limit', '0'], 'must be a whole number >= 1'],
    [['dlq', 'list', '--topic', 't', '--group', 'g', '--state', 'gone'], 'Allowed choices are pending, redriven, discarded'],
    [['dlq', 'redrive', '--topic', 't', '--group', 'g', '--offsets', '0@9-3'], 'ends before it starts'],
    [['dlq', 'redrive', '--topic', 't', '--group', 'g'], 'choose the dead letters'],
    [['dlq', 'redrive', '--topic', 't', '--group', 'g', '--all', '--id', 'x'], 'not both'],
    [['replay', '--topic', 't'], 'needs --group <group>'],
    [['replay', '--topic', 't', '--group', 'g', '--to-topic', 'u'], 'needs --group <group>'],
    [['replay', '--topic', 't', '--group', 'g', '--from-time', '2024-03-01T10:00:00'], 'with a zone'],
    [['replay', '--topic', 't', '--group', 'g', '--from-ago', 'yesterday'], 'must be a duration'],
    [['replay', '--topic', 't', '--group', 'g', '--from-offset', '3', '--from-ago', '1h'], 'give one start'],
    [['replay', '--topic', 't', '--group', 'g', '--until-offset', '9'], 'a group reads on to the log end'],
    [['replay', '--topic', 't', '--group', 'g', '--rate', '10'], '--rate paces republishing'],
    [['replay', '--topic', 't', '--to-topic', 'u', '--rate', '0'], 'records per second > 0'],
    [['claim', 'show'], "missing required argument 'id'"],
    [['groups', 'describe', 'a', 'b'], 'too many arguments'],
  ])('%j is a usage error (exit 2): %s', async (argv, expected) => {
    const run = fakeContext();
    run.context.kafka = () => Promise.reject(new Error('usage errors never reach Kafka'));
    expect(await runOps(argv, run.context)).toBe(EXIT.usage);
    expect(run.stderr()).toContain(expected);
    expect(run.stdout()).toBe('');
  });

  it('a command group without its subcommand shows its help on stderr and exits 2', async () => {
    const run = fakeContext();
    expect(await runOps(['dlq'], run.context)).toBe(EXIT.usage);
    expect(run.stderr()).toContain('Usage: ops dlq');
  });

  it('a failure exits 1 with the message on stderr; a missing claim exits 4', async () => {
    const failing = fakeContext();
    failing.context.kafka = () => Promise.reject(new Error('Connection refused'));
    expect(await runOps(['groups', 'list'], failing.context)).toBe(EXIT.failure);
    expect(failing.stderr()).toBe('error: Error: Connection refused\n');

    const missing = fakeContext();
    expect(await runOps(['claim', 'show', 'c-404', '--json'], missing.context)).toBe(EXIT.notFound);
    expect(missing.stderr()).toBe('error: no claim c-404 in the store\n');
    expect(missing.stdout()).toBe('');
  });

  it('the earlier forms still parse: lag --group, dlq list --limit, replay --to-timestamp', async () => {
    const run = fakeContext();
    run.kafka.createTopic('cpor.claim-events.v1');
    run.kafka.commit('review', 'cpor.claim-events.v1', 0, '0');
    expect(await runOps(['lag', '--group', 'review', '--topic', 'cpor.claim-events.v1'], run.context)).toBe(EXIT.ok);
    expect(run.stdout()).toContain('total lag 0');
    expect(await runOps(['dlq', 'list', '--topic', 'cpor.claim-events.v1', '--group', 'review', '--limit', '5'], run.context)).toBe(EXIT.ok);
    expect(await runOps(['replay', '--group', 'review', '--topic', 'cpor.claim-events.v1', '--to-timestamp', '2024-01-01T00:00:00Z'], run.context)).toBe(EXIT.preview);
  });
});
