// `topics ensure`: every topic and dead-letter topic of SUBSCRIPTIONS, created when missing.
import type { Command } from 'commander';
import { deadLetterTopic, SUBSCRIPTIONS, TOPICS } from '@cpor/contracts';
import { EXIT, printResult, type OpsContext } from './context.js';
import { withJson } from './options.js';
import type { Act } from './cli.js';

/** Every topic and the DLQ of each (service, topic) pair of SUBSCRIPTIONS, logical names, sorted. */
export function expectedTopics(): string[] {
  const topics = new Set<string>(Object.values(TOPICS));
  for (const [group, byTopic] of Object.entries(SUBSCRIPTIONS)) for (const topic of Object.keys(byTopic)) topics.add(deadLetterTopic(topic, group));
  return [...topics].sort();
}

export async function ensureTopics(context: OpsContext, options: { json?: boolean }): Promise<number> {
  const kafka = await context.kafka();
  const topics = expectedTopics();
  const created = new Set(await kafka.ensureTopics(topics));
  const rows = topics.map((topic) => ({ topic: kafka.topicName(topic), created: created.has(kafka.topicName(topic)) }));
  printResult(context, Boolean(options.json), 'topics ensure', { topics: rows }, () => rows.map((row) => `${row.created ? 'created' : 'exists '} ${row.topic}`));
  return EXIT.ok;
}

export function registerTopics(program: Command, context: OpsContext, act: Act): void {
  const topics = program.command('topics').description('Kafka topics of the system');
  withJson(
    topics
      .command('ensure')
      .description('create every topic and dead-letter topic that is missing (kafka-topics.sh --create, for each)'),
  ).action(act((options: { json?: boolean }) => ensureTopics(context, options)));
}
