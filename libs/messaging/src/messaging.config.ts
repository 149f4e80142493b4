import { configSchema, readEnv, setting, type Environment } from '@cpor/kernel';

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

/** The Kafka variables (messagingConfigFromEnv). */
export const messagingConfigSchema = configSchema({
  KAFKA_BROKERS: setting.list({
    description: 'the Kafka cluster (bootstrap brokers)',
    default: [DEFAULT_BROKERS],
    item: /^\S+:\d{1,5}$/,
    items: 'host:port pairs',
    nonEmpty: true,
  }),
  KAFKA_TOPIC_PREFIX: setting.text({
    description: "prepended to every topic and consumer group name, so a test run or tenant has its own on a shared cluster (see [topics.md](topics.md))",
    default: '',
    pattern: /^[A-Za-z0-9._-]*$/,
    allowed: "letters, digits, '.', '_' and '-'",
  }),
  KAFKA_PARTITIONS: setting.integer({ description: 'partitions of the topics a service creates', default: DEFAULT_PARTITIONS, min: 1 }),
  KAFKA_REPLICATION_FACTOR: setting.integer({ description: 'replication factor of the topics a service creates (1: a single-node broker)', default: 1, min: 1 }),
});

/** Reads `KAFKA_BROKERS` (comma separated), `KAFKA_TOPIC_PREFIX`, `KAFKA_PARTITIONS`, `KAFKA_REPLICATION_FACTOR` (messagingConfigSchema). */
export function messagingConfigFromEnv(clientId: string, env: Environment = process.env): MessagingConfig {
  const values = readEnv(messagingConfigSchema, env);
  return {
    brokers: values.KAFKA_BROKERS,
    clientId,
    topicPrefix: values.KAFKA_TOPIC_PREFIX,
    partitions: values.KAFKA_PARTITIONS,
    replicationFactor: values.KAFKA_REPLICATION_FACTOR,
  };
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
export function loadMessagingConfig(service: string, env: Environment = process.env): MessagingConfig {
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
