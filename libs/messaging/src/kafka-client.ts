import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import { DEFAULT_PARTITIONS, messagingConfigFromEnv, type MessagingConfig } from './messaging.config.js';

/**
 * kafkajs logs a lot at INFO; keep WARN and ERROR only, through the Nest logger. Only the message
 * and the error text are forwarded: kafkajs log extras can be large and are not needed to operate.
 */
function nestLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, error } = log as { message: string; error?: unknown };
      const text = `[${namespace}] ${message}${error ? `: ${String(error)}` : ''}`;
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(text);
      else if (level === logLevel.WARN) logger.warn(text);
      else logger.debug?.(text);
    };
}

/** The one place a kafkajs client is built. */
export function createKafka(config: MessagingConfig, clientId = config.clientId): Kafka {
  return new Kafka({
    clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator: nestLogCreator(new Logger('kafkajs')),
  });
}

/**
 * Creates the topics that do not exist yet (physical names). Run before consuming so consumers
 * never race the broker's auto-creation (which would pick its own partition count).
 * Safe to run concurrently from several processes: "already exists" is not an error.
 */
export async function createMissingTopics(
  admin: Admin,
  topics: string[],
  options: { partitions: number; replicationFactor: number },
): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: options.replicationFactor })),
  });
  return missing;
}

/** Partitions and replication of created topics: the config's, else the environment's. */
export function topicCreationOptions(config: MessagingConfig): { partitions: number; replicationFactor: number } {
  const fromEnv = messagingConfigFromEnv(config.clientId);
  return {
    partitions: config.partitions ?? fromEnv.partitions ?? DEFAULT_PARTITIONS,
    replicationFactor: config.replicationFactor ?? fromEnv.replicationFactor ?? 1,
  };
}
