// `clock show|advance`: the controlled business clock (CLOCK_CONTROL=on, docs/operations.md), read
// and moved in the store the services read it from. The same rule as POST /ops/clock: forward only.
import type { Command } from 'commander';
import { planClockMove } from '@cpor/platform';
import { EXIT, operator, printResult, UsageError, type OpsContext } from './context.js';
import { withJson } from './options.js';
import type { Act } from './cli.js';

export async function showClock(context: OpsContext, options: { json?: boolean }): Promise<number> {
  const offsetMs = await (await context.store()).clockOffsetMs();
  const now = new Date(context.now().getTime() + offsetMs);
  printResult(context, Boolean(options.json), 'clock show', { now: now.toISOString(), offsetMs }, () => [
    `business clock ${now.toISOString()} (offset ${Math.round(offsetMs / 1000)} s from the wall clock; services with CLOCK_CONTROL=on run on it)`,
  ]);
  return EXIT.ok;
}

export async function advanceClock(context: OpsContext, duration: string | undefined, options: { to?: string; by?: string; json?: boolean }): Promise<number> {
  if (context.env.NODE_ENV === 'production') throw new UsageError('the business clock is not moved in production (NODE_ENV=production)');
  const who = operator(options.by, context.env);
  const store = await context.store();
  const wall = context.now();
  const before = await store.clockOffsetMs();
  const planned = planClockMove(new Date(wall.getTime() + before), wall, { by: duration, to: options.to });
  if (!planned.ok) throw new UsageError(planned.problem);
  await store.recordClockMove(planned.offsetMs, who);
  const now = new Date(wall.getTime() + planned.offsetMs);
  printResult(context, Boolean(options.json), 'clock advance', { now: now.toISOString(), offsetMs: planned.offsetMs, by: who }, () => [
    `business clock moved to ${now.toISOString()} by ${who}; every service with CLOCK_CONTROL=on follows within a second`,
  ]);
  return EXIT.ok;
}

export function registerClock(program: Command, context: OpsContext, act: Act): void {
  const clock = program.command('clock').description('the controlled business clock (CLOCK_CONTROL=on; MONGO_URL, MONGO_DB)');
  withJson(clock.command('show').description('the business time the services run on')).action(act((options: { json?: boolean }) => showClock(context, options)));
  withJson(
    clock
      .command('advance')
      .description('move the business clock of every service forward (never back); deadlines that fall due fire')
      .argument('[duration]', 'ISO 8601 duration, e.g. P7D or PT36H')
      .option('--to <instant>', 'move to this instant instead (ISO 8601)')
      .option('--by <name>', 'who moves it (default: the login name)'),
  ).action(act((duration: string | undefined, options: { to?: string; by?: string; json?: boolean }) => advanceClock(context, duration, options)));
}
