/** Where the Kafka cluster is and how this process names itself and its topics. */
export interface MessagingConfig {
  brokers: string[];
  clientId: string;
  /**
   * Prepended to every logical topic name (subscriptions, publishing, DLQs), so a test run or a
   * tenant can use its own isolated set of topics on a shared cluster. Empty in production.
   */
  topicPrefix: string;
  /** Partitions of topics this process creates. Env `KAFKA_PARTITIONS`, default 3. */
  partitions?: number;
  /** Replication factor of topics this process creates. Env `KAFKA_REPLICATION_FACTOR`, default 1 (single-node broker). */
  replicationFactor?: number;
}

export const DEFAULT_BROKERS = '127.0.0.1:9092';
export const DEFAULT_PARTITIONS = 3;

/** Reads `KAFKA_BROKERS` (comma separated), `KAFKA_TOPIC_PREFIX`, `KAFKA_PARTITIONS`, `KAFKA_REPLICATION_FACTOR`. */
export function messagingConfigFromEnv(clientId: string, env: NodeJS.ProcessEnv = process.env): MessagingConfig {
  const brokers = (env.KAFKA_BROKERS || DEFAULT_BROKERS)
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  return {
    brokers,
    clientId,
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
    partitions: positiveInt(env.KAFKA_PARTITIONS, 'KAFKA_PARTITIONS') ?? DEFAULT_PARTITIONS,
    replicationFactor: positiveInt(env.KAFKA_REPLICATION_FACTOR, 'KAFKA_REPLICATION_FACTOR') ?? 1,
  };
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} must be a positive integer, got '${value}'`);
  return parsed;
}

/** Physical topic name of a logical one (e.g. `cpor.claim-events.v1`). */
export function topicName(config: Pick<MessagingConfig, 'topicPrefix'>, logical: string): string {
  return `${config.topicPrefix}${logical}`;
}

/** Logical name of a physical topic (inverse of `topicName`); unchanged when it lacks the prefix. */
export function logicalTopicName(config: Pick<MessagingConfig, 'topicPrefix'>, physical: string): string {
  return config.topicPrefix && physical.startsWith(config.topicPrefix) ? physical.slice(config.topicPrefix.length) : physical;
}

/** Config of a service: its name is the Kafka client id (and its consumer group). */
export function loadMessagingConfig(service: string, env: NodeJS.ProcessEnv = process.env): MessagingConfig {
  return messagingConfigFromEnv(service, env);
}

/**
 * Physical consumer group of a logical one (a service name). The prefix applies here too: two
 * test runs (or tenants) on one cluster must not share a group, or they would rebalance each
 * other. With the empty production prefix the group is the service name exactly.
 */
export function groupName(config: Pick<MessagingConfig, 'topicPrefix'>, group: string): string {
  return `${config.topicPrefix}${group}`;
}
