import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type Admin, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import { DEFAULT_PARTITIONS, messagingConfigFromEnv, type KafkaSecurity, type MessagingConfig } from './messaging.config.js';

/**
 * kafkajs log extras worth keeping (ids and counters, never payloads), and the name each gets in
 * our lines: its topic is the physical one, so it does not take the place of the record's.
 */
const KAFKAJS_FIELDS: Record<string, string> = {
  broker: 'broker',
  clientId: 'clientId',
  groupId: 'groupId',
  memberId: 'memberId',
  topic: 'kafkaTopic',
  partition: 'kafkaPartition',
  retryCount: 'retryCount',
  retryTime: 'retryTime',
};

/**
 * kafkajs logs a lot at INFO; keep WARN and ERROR only, through the Nest logger, which every
 * service points at its pino logger (libs/platform, logging): one structured line each with the
 * namespace, the message, the error text and the extras above (the others can be large and are
 * not needed to operate).
 */
export function kafkajsLogCreator(logger: Pick<Logger, 'error' | 'warn' | 'debug'>): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, error } = log as { message: string; error?: unknown };
      const entry: Record<string, unknown> = { msg: message, namespace };
      for (const [field, name] of Object.entries(KAFKAJS_FIELDS)) {
        const value = (log as Record<string, unknown>)[field];
        if (typeof value === 'string' || typeof value === 'number') entry[name] = value;
      }
      if (error !== undefined) entry.error = String(error);
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(entry);
      else if (level === logLevel.WARN) logger.warn(entry);
      else logger.debug?.(entry);
    };
}

/**
 * The one place a kafkajs client is built: every client (services, ops command, benchmark, tests)
 * gets the config's SASL and TLS here. `clientId` overrides the config's; `quiet` drops kafkajs's
 * own log lines (the benchmark and the test harness, whose callers report failures themselves).
 */
export function createKafka(config: MessagingConfig, options: { clientId?: string; quiet?: boolean; maxRetryWaitMs?: number } = {}): Kafka {
  return new Kafka({
    clientId: options.clientId ?? config.clientId,
    brokers: config.brokers,
    ...kafkaSecurityOptions(config.security),
    // The longest wait between two attempts at anything (kafkajs's default: 30 s).
    ...(options.maxRetryWaitMs !== undefined ? { retry: { maxRetryTime: options.maxRetryWaitMs } } : {}),
    logLevel: options.quiet ? logLevel.NOTHING : logLevel.WARN,
    logCreator: kafkajsLogCreator(new Logger('kafkajs')),
  });
}

/**
 * kafkajs's `ssl` and `sasl` options of a security config. The PEM files are read here, at each
 * client's creation, so a restarted process picks up rotated certificates. Without a CA file Node's
 * own CA store verifies the brokers (public CAs: Confluent Cloud, MSK, Event Hubs); certificate
 * verification is never turned off.
 */
export function kafkaSecurityOptions(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const tls = security?.tls;
  if (tls) {
    options.ssl = {
      ...(tls.caFile && { ca: [readFileSync(tls.caFile)] }),
      ...(tls.certFile && { cert: readFileSync(tls.certFile) }),
      ...(tls.keyFile && { key: readFileSync(tls.keyFile) }),
    };
  }
  const sasl = security?.sasl;
  if (sasl) options.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as KafkaConfig['sasl'];
  return options;
}

/** How long start-up waits for its topics on a broker that is still settling (a fresh one). */
const TOPICS_READY_WITHIN_MS = 60_000;

/**
 * Creates the topics that do not exist yet (physical names) and waits until each has a leader.
 * Run before consuming so consumers never race the broker's auto-creation (which would pick its
 * own partition count). Safe to run concurrently from several processes: "already exists" is not
 * an error, and the retriable answers a fresh broker gives while several services create topics
 * at once (`UNKNOWN_TOPIC_OR_PARTITION`, `LEADER_NOT_AVAILABLE`) are waited out, not thrown.
 */
export async function createMissingTopics(
  admin: Admin,
  topics: string[],
  options: { partitions: number; replicationFactor: number },
  readyWithinMs = TOPICS_READY_WITHIN_MS,
): Promise<string[]> {
  const wanted = [...new Set(topics)];
  const created = new Set<string>();
  const giveUpAt = Date.now() + readyWithinMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = wanted.filter((topic) => !existing.has(topic));
      if (missing.length > 0) {
        const made = await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: options.partitions, replicationFactor: options.replicationFactor })),
        });
        if (made) missing.forEach((topic) => created.add(topic));
      }
      // Throws a retriable error until every topic has a leader for each partition.
      const { topics: described } = await admin.fetchTopicMetadata({ topics: wanted });
      if (described.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0))) return [...created];
    } catch (error) {
      if (!isRetriableKafkaError(error) || Date.now() >= giveUpAt) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 2_000)));
  }
}

/** kafkajs marks errors worth retrying; its "retries exhausted" wrapper carries the original. */
export function isRetriableKafkaError(error: unknown): boolean {
  const e = error as { retriable?: boolean; originalError?: { retriable?: boolean }; type?: string } | null;
  return Boolean(e?.retriable || e?.originalError?.retriable || e?.type === 'TOPIC_ALREADY_EXISTS');
}

/** Partitions and replication of created topics: the config's, else the environment's. */
export function topicCreationOptions(config: MessagingConfig): { partitions: number; replicationFactor: number } {
  const fromEnv = messagingConfigFromEnv(config.clientId);
  return {
    partitions: config.partitions ?? fromEnv.partitions ?? DEFAULT_PARTITIONS,
    replicationFactor: config.replicationFactor ?? fromEnv.replicationFactor ?? 1,
  };
}
