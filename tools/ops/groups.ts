// `groups list`, `groups describe <group>` and `lag`: consumer groups, their members, what each
// member holds and the lag per partition (kafka-consumer-groups.sh --list / --describe).
import type { Command } from 'commander';
import type { GroupDescription, PartitionLag } from '@cpor/messaging';
import { EXIT, printResult, type OpsContext } from './context.js';
import { withJson } from './options.js';
import type { Act } from './cli.js';

export interface GroupPartitionRow extends PartitionLag {
  /** Member holding the partition now; null when none does (the group is empty or rebalancing). */
  memberId: string | null;
  clientId: string | null;
}

export async function listGroups(context: OpsContext, options: { json?: boolean }): Promise<number> {
  const kafka = await context.kafka();
  const rows: Array<{ group: string; protocolType: string; state: string; members: number; topics: string[]; totalLag: number }> = [];
  for (const { group, protocolType } of await kafka.listGroups()) {
    const [description, lag] = await Promise.all([kafka.describeGroup(group), kafka.consumerLag(group)]);
    rows.push({
      group,
      protocolType,
      state: description.state,
      members: description.members.length,
      topics: [...new Set(lag.map((row) => row.topic))].sort(),
      totalLag: lag.reduce((sum, row) => sum + row.lag, 0),
    });
  }
  printResult(context, Boolean(options.json), 'groups list', { groups: rows }, () => [
    ...rows.map((row) => `${row.group} state=${row.state} members=${row.members} lag=${row.totalLag} topics=${row.topics.join(',') || '-'}`),
    `${rows.length} group(s)`,
  ]);
  return EXIT.ok;
}

/** Lag rows with the member that holds each partition. */
export function partitionOwners(kafka: { topicName(topic: string): string }, description: GroupDescription, lag: PartitionLag[]): GroupPartitionRow[] {
  const owner = new Map<string, { memberId: string; clientId: string }>();
  for (const member of description.members) {
    for (const { topic, partitions } of member.assignments) {
      for (const partition of partitions) owner.set(`${kafka.topicName(topic)}:${partition}`, { memberId: member.memberId, clientId: member.clientId });
    }
  }
  return lag
    .map((row) => ({ ...row, memberId: owner.get(`${row.topic}:${row.partition}`)?.memberId ?? null, clientId: owner.get(`${row.topic}:${row.partition}`)?.clientId ?? null }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export async function describeGroup(context: OpsContext, group: string, options: { topic?: string; json?: boolean }): Promise<number> {
  const kafka = await context.kafka();
  const [description, lag] = await Promise.all([kafka.describeGroup(group), kafka.consumerLag(group, options.topic ? [options.topic] : undefined)]);
  const partitions = partitionOwners(kafka, description, lag);
  const members = description.members.map((member) => ({
    ...member,
    assignments: member.assignments.map(({ topic, partitions: held }) => ({ topic: kafka.topicName(topic), partitions: held })),
  }));
  const totalLag = partitions.reduce((sum, row) => sum + row.lag, 0);
  const result = { group, state: description.state, protocol: description.protocol, members, partitions, totalLag };
  printResult(context, Boolean(options.json), 'groups describe', result, () => [
    `group ${group} state=${description.state} members=${members.length}${description.protocol ? ` assignor=${description.protocol}` : ''}`,
    ...members.map(
      (member) =>
        `  member ${member.memberId} client=${member.clientId} host=${member.clientHost} holds ${member.assignments.map(({ topic, partitions: held }) => `${topic}[${held.join(',')}]`).join(' ') || 'nothing'}`,
    ),
    ...(partitions.length === 0 ? [`  no committed offsets${options.topic ? ` on ${kafka.topicName(options.topic)}` : ''}`] : []),
    ...partitions.map(
      (row) => `  ${row.topic} partition=${row.partition} committed=${row.committedOffset ?? '-'} end=${row.logEndOffset} lag=${row.lag} member=${row.clientId ?? '-'}`,
    ),
    `total lag ${totalLag}`,
  ]);
  return EXIT.ok;
}

/** The `lag` command of earlier versions, kept: the lag part of `groups describe`. */
export async function groupLag(context: OpsContext, options: { group: string; topic?: string; json?: boolean }): Promise<number> {
  const kafka = await context.kafka();
  const rows = await kafka.consumerLag(options.group, options.topic ? [options.topic] : undefined);
  const totalLag = rows.reduce((sum, row) => sum + row.lag, 0);
  printResult(context, Boolean(options.json), 'lag', { group: options.group, partitions: rows, totalLag }, () => [
    ...(rows.length === 0 ? [`group ${options.group} has no committed offsets${options.topic ? ` on ${options.topic}` : ''}`] : []),
    ...rows.map((row) => `${row.topic} partition=${row.partition} committed=${row.committedOffset ?? '-'} end=${row.logEndOffset} lag=${row.lag}`),
    `total lag ${totalLag}`,
  ]);
  return EXIT.ok;
}

export function registerGroups(program: Command, context: OpsContext, act: Act): void {
  const groups = program.command('groups').description('consumer groups: members, assignments, lag');
  withJson(groups.command('list').description('every consumer group with its state, member count and total lag (kafka-consumer-groups.sh --list)')).action(
    act((options: { json?: boolean }) => listGroups(context, options)),
  );
  withJson(
    groups
      .command('describe')
      .description('members, the partitions each holds, and committed offset, log end and lag per partition (kafka-consumer-groups.sh --describe --members)')
      .argument('<group>', 'consumer group (a service name, e.g. notifications)')
      .option('--topic <topic>', 'only this topic'),
  ).action(act((group: string, options: { topic?: string; json?: boolean }) => describeGroup(context, group, options)));

  withJson(
    program
      .command('lag')
      .description('committed offset, log end and lag per partition of one group (the lag part of groups describe)')
      .requiredOption('--group <group>', 'consumer group (a service name)')
      .option('--topic <topic>', 'only this topic'),
  ).action(act((options: { group: string; topic?: string; json?: boolean }) => groupLag(context, options)));
}
