import { readFileSync } from 'node:fs';
import { configSchema, readEnv, setting, type ConfigProblem, type ConfigValues, type Environment } from '@cpor/kernel';

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
  /** SASL and TLS towards the cluster (env `KAFKA_SASL_*`, `KAFKA_TLS*`); unset: plaintext, no authentication. */
  security?: KafkaSecurity;
  /** How consumers keep their group membership (env `KAFKA_SESSION_TIMEOUT_MS` and the others); unset: the defaults. */
  group?: Partial<GroupTimings>;
}

/** A consumer's group membership timings (kafkajs consumer options of the same names). */
export interface GroupTimings {
  /** A member not heard from this long is dropped from its group. */
  sessionTimeoutMs: number;
  /**
   * How long a rebalance waits for the members to join again; members that have not are dropped
   * then. This, not the session timeout, is what a restarted consumer waits for when its previous
   * incarnation (killed, or crashed while the broker was away) is still a member: with the session
   * timeout alone, services came back ready 30 s after a broker restart.
   */
  rebalanceTimeoutMs: number;
  /** How often a member heartbeats, which is also how soon it hears of a rebalance. */
  heartbeatIntervalMs: number;
}

export const DEFAULT_GROUP_TIMINGS: GroupTimings = { sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 };

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** How a client authenticates to the cluster and protects the connection (docs/operations.md, Kafka security). */
export interface KafkaSecurity {
  /** SASL authentication; none when unset. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** TLS; plaintext when unset. PEM files; without `caFile` the system's CAs are trusted. The brokers' certificates are always verified. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export const DEFAULT_BROKERS = '127.0.0.1:9092';
export const DEFAULT_PARTITIONS = 3;

/** The Kafka variables (messagingConfigFromEnv). */
export const messagingConfigSchema = configSchema(
  {
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
    KAFKA_SESSION_TIMEOUT_MS: setting.milliseconds({
      description: "consumers: a member not heard from this long is dropped from its group (the broker's `group.min.session.timeout.ms` to `group.max.session.timeout.ms`)",
      default: DEFAULT_GROUP_TIMINGS.sessionTimeoutMs,
    }),
    KAFKA_REBALANCE_TIMEOUT_MS: setting.milliseconds({
      description: 'consumers: how long a rebalance waits for the members to join again (the most a restarted service waits for its dead predecessor to leave the group; a member busy longer than this with one record is dropped and joins again)',
      default: DEFAULT_GROUP_TIMINGS.rebalanceTimeoutMs,
    }),
    KAFKA_HEARTBEAT_INTERVAL_MS: setting.milliseconds({
      description: 'consumers: how often a member heartbeats (how soon it hears of a rebalance); at most a third of either timeout',
      default: DEFAULT_GROUP_TIMINGS.heartbeatIntervalMs,
    }),
    KAFKA_SASL_MECHANISM: setting.oneOf(['none', ...SASL_MECHANISMS], {
      description: 'SASL authentication to the cluster (see [Kafka security](#kafka-security)); `plain` sends the password as it is: use it over TLS',
      default: 'none',
    }),
    KAFKA_SASL_USERNAME: setting.text({ description: 'SASL user name (Azure Event Hubs: `$ConnectionString`); required with a mechanism' }),
    KAFKA_SASL_PASSWORD: setting.secret({ description: 'SASL password (Azure Event Hubs: the connection string); required with a mechanism' }),
    KAFKA_TLS: setting.flag({ description: "TLS to the brokers (their SASL_SSL or SSL listener); the brokers' certificates are always verified", default: false }),
    KAFKA_TLS_CA_FILE: setting.text({
      description: "PEM file of the CA certificates that signed the brokers' certificates, trusted instead of the system's (a private CA, the local broker's)",
      allowed: 'a readable PEM file',
    }),
    KAFKA_TLS_CERT_FILE: setting.text({ description: 'PEM client certificate (chain) for mutual TLS, with KAFKA_TLS_KEY_FILE', allowed: 'a readable PEM file' }),
    KAFKA_TLS_KEY_FILE: setting.text({ description: 'PEM private key (unencrypted) of KAFKA_TLS_CERT_FILE', allowed: 'a readable PEM file' }),
  },
  (values): ConfigProblem[] => {
    const problems: ConfigProblem[] = [];
    const mechanism = values.KAFKA_SASL_MECHANISM;
    for (const [variable, what] of [['KAFKA_SASL_USERNAME', 'a user name'], ['KAFKA_SASL_PASSWORD', 'a password']] as const) {
      if (mechanism === 'none' && values[variable] !== undefined) problems.push({ variable, message: `expected KAFKA_SASL_MECHANISM to be set too (${SASL_MECHANISMS.join(', ')})` });
      if (mechanism !== 'none' && values[variable] === undefined) problems.push({ variable, message: `expected ${what} with KAFKA_SASL_MECHANISM=${mechanism}` });
    }
    for (const variable of ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'] as const) {
      const file = values[variable];
      if (file === undefined) continue;
      if (!values.KAFKA_TLS) problems.push({ variable, message: 'expected KAFKA_TLS=true too' });
      else {
        const problem = pemFileProblem(file);
        if (problem) problems.push({ variable, message: problem });
      }
    }
    // A member must heartbeat several times within either timeout, or it is dropped between beats.
    const heartbeat = values.KAFKA_HEARTBEAT_INTERVAL_MS;
    for (const variable of ['KAFKA_SESSION_TIMEOUT_MS', 'KAFKA_REBALANCE_TIMEOUT_MS'] as const) {
      if (heartbeat * 3 > values[variable]) problems.push({ variable, message: `expected at least three times KAFKA_HEARTBEAT_INTERVAL_MS (${heartbeat} ms)` });
    }
    // Mutual TLS needs both the certificate and its key.
    if (values.KAFKA_TLS && values.KAFKA_TLS_CERT_FILE === undefined && values.KAFKA_TLS_KEY_FILE !== undefined) {
      problems.push({ variable: 'KAFKA_TLS_CERT_FILE', message: 'expected a certificate file with KAFKA_TLS_KEY_FILE' });
    }
    if (values.KAFKA_TLS && values.KAFKA_TLS_KEY_FILE === undefined && values.KAFKA_TLS_CERT_FILE !== undefined) {
      problems.push({ variable: 'KAFKA_TLS_KEY_FILE', message: 'expected a key file with KAFKA_TLS_CERT_FILE' });
    }
    return problems;
  },
);

/** Why a file cannot serve as a PEM certificate or key, or undefined when it can. */
function pemFileProblem(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (error) {
    return `expected a readable PEM file (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  return text.includes('-----BEGIN ') ? undefined : 'expected a PEM file (text with -----BEGIN ... lines)';
}

/** The security settings of the environment's values, or undefined when there are none (plaintext). */
function securityOf(values: ConfigValues<typeof messagingConfigSchema>): KafkaSecurity | undefined {
  const mechanism = values.KAFKA_SASL_MECHANISM;
  // The check above made sure a mechanism comes with a user name and a password.
  const sasl = mechanism === undefined || mechanism === 'none' ? undefined : { mechanism, username: values.KAFKA_SASL_USERNAME!, password: values.KAFKA_SASL_PASSWORD! };
  const tls = values.KAFKA_TLS ? { caFile: values.KAFKA_TLS_CA_FILE, certFile: values.KAFKA_TLS_CERT_FILE, keyFile: values.KAFKA_TLS_KEY_FILE } : undefined;
  return sasl || tls ? { sasl, tls } : undefined;
}

/** Reads `KAFKA_BROKERS` (comma separated), `KAFKA_TOPIC_PREFIX`, `KAFKA_PARTITIONS`, `KAFKA_REPLICATION_FACTOR`, the group timings, `KAFKA_SASL_*` and `KAFKA_TLS*` (messagingConfigSchema). */
export function messagingConfigFromEnv(clientId: string, env: Environment = process.env): MessagingConfig {
  const values = readEnv(messagingConfigSchema, env);
  return {
    brokers: values.KAFKA_BROKERS,
    clientId,
    topicPrefix: values.KAFKA_TOPIC_PREFIX,
    partitions: values.KAFKA_PARTITIONS,
    replicationFactor: values.KAFKA_REPLICATION_FACTOR,
    security: securityOf(values),
    group: {
      sessionTimeoutMs: values.KAFKA_SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: values.KAFKA_REBALANCE_TIMEOUT_MS,
      heartbeatIntervalMs: values.KAFKA_HEARTBEAT_INTERVAL_MS,
    },
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
