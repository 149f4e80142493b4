import { runOps } from './cli.js';
import { EXIT } from './context.js';
import { FakeKafka, fakeContext, fakeStore } from './testing/fake-kafka.js';

const DAY_MS = 86_400_000;

describe('clock show|advance', () => {
  it('advances the business clock by a duration or to an instant, records who did it, and shows it', async () => {
    const kafka = new FakeKafka();
    const store = fakeStore();
    const ops = fakeContext(kafka, store);
    expect(await runOps(['clock', 'advance', 'P7D', '--json'], ops.context)).toBe(EXIT.ok);
    expect(ops.json()).toMatchObject({ command: 'clock advance', offsetMs: 7 * DAY_MS, by: 'tester' });
    expect(store.moves).toEqual([{ offsetMs: 7 * DAY_MS, by: 'tester' }]);

    const later = fakeContext(kafka, store);
    const to = new Date(kafka.nowMs + 10 * DAY_MS).toISOString();
    expect(await runOps(['clock', 'advance', '--to', to, '--by', 'alice'], later.context)).toBe(EXIT.ok);
    expect(store.moves.at(-1)).toEqual({ offsetMs: 10 * DAY_MS, by: 'alice' });

    const show = fakeContext(kafka, store);
    expect(await runOps(['clock', 'show', '--json'], show.context)).toBe(EXIT.ok);
    expect(show.json()).toEqual({ command: 'clock show', now: to, offsetMs: 10 * DAY_MS });
  });

  it('never moves back, refuses what it cannot read, and is a usage error without a move', async () => {
    const kafka = new FakeKafka();
    const store = fakeStore();
    await runOps(['clock', 'advance', 'P3D'], fakeContext(kafka, store).context);
    for (const args of [['clock', 'advance', 'P1D', '--to', new Date(kafka.nowMs + DAY_MS).toISOString()], ['clock', 'advance', '--to', new Date(kafka.nowMs + DAY_MS).toISOString()], ['clock', 'advance', '-P1D'], ['clock', 'advance', 'soon'], ['clock', 'advance']]) {
      const ops = fakeContext(kafka, store);
      expect({ args, code: await runOps(args, ops.context) }).toEqual({ args, code: EXIT.usage });
    }
    expect(store.moves).toHaveLength(1);
  });

  it('--help on both subcommands', async () => {
    for (const args of [['clock', 'show', '--help'], ['clock', 'advance', '--help']]) {
      const ops = fakeContext();
      expect(await runOps(args, ops.context)).toBe(EXIT.ok);
      expect(ops.stdout()).toContain('Usage: ops clock');
    }
  });
});
