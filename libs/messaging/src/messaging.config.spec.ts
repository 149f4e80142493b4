import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { kafkaSecurityOptions } from './kafka-client.js';
import { logicalTopicName, messagingConfigFromEnv, topicName } from './messaging.config.js';

describe('messagingConfigFromEnv', () => {
  it('defaults to the local broker, no prefix and 3 partitions', () => {
    expect(messagingConfigFromEnv('intake', {})).toEqual({
      brokers: ['127.0.0.1:9092'],
      clientId: 'intake',
      topicPrefix: '',
      partitions: 3,
      replicationFactor: 1,
      group: { sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
    });
  });

  it('reads the group timings, and refuses a heartbeat that is not well below both timeouts', () => {
    expect(messagingConfigFromEnv('x', { KAFKA_SESSION_TIMEOUT_MS: '10000', KAFKA_REBALANCE_TIMEOUT_MS: '9000', KAFKA_HEARTBEAT_INTERVAL_MS: '3000' }).group).toEqual({
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 9_000,
      heartbeatIntervalMs: 3_000,
    });
    expect(() => messagingConfigFromEnv('x', { KAFKA_REBALANCE_TIMEOUT_MS: '2000' })).toThrow(
      'Invalid configuration: KAFKA_REBALANCE_TIMEOUT_MS="2000": expected at least three times KAFKA_HEARTBEAT_INTERVAL_MS (1000 ms)',
    );
  });

  it('reads brokers, prefix and partitions from the environment', () => {
    const config = messagingConfigFromEnv('review', { KAFKA_BROKERS: 'a:9092, b:9092', KAFKA_TOPIC_PREFIX: 'it-1.', KAFKA_PARTITIONS: '6' });
    expect(config).toMatchObject({ brokers: ['a:9092', 'b:9092'], clientId: 'review', topicPrefix: 'it-1.', partitions: 6 });
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => messagingConfigFromEnv('x', { KAFKA_PARTITIONS: 'many' })).toThrow(/KAFKA_PARTITIONS/);
  });

  it('refuses bad values in one line each, naming the variable, the value and what is allowed', () => {
    expect(() => messagingConfigFromEnv('x', { KAFKA_PARTITIONS: '0' })).toThrow('Invalid configuration: KAFKA_PARTITIONS="0": expected an integer >= 1');
    expect(() => messagingConfigFromEnv('x', { KAFKA_REPLICATION_FACTOR: '-1' })).toThrow('Invalid configuration: KAFKA_REPLICATION_FACTOR="-1": expected an integer >= 1');
    expect(() => messagingConfigFromEnv('x', { KAFKA_BROKERS: 'kafka' })).toThrow('Invalid configuration: KAFKA_BROKERS="kafka": expected comma-separated host:port pairs (at least one)');
    expect(() => messagingConfigFromEnv('x', { KAFKA_TOPIC_PREFIX: 'it 1/' })).toThrow(`Invalid configuration: KAFKA_TOPIC_PREFIX="it 1/": expected letters, digits, '.', '_' and '-'`);
  });

  it('takes empty variables as unset', () => {
    expect(messagingConfigFromEnv('x', { KAFKA_BROKERS: '', KAFKA_PARTITIONS: '', KAFKA_REPLICATION_FACTOR: '' })).toMatchObject({ brokers: ['127.0.0.1:9092'], partitions: 3, replicationFactor: 1 });
  });
});

describe('Kafka security from the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cpor-kafka-tls-'));
  const pem = (name: string, label: string) => {
    const file = join(dir, name);
    writeFileSync(file, `-----BEGIN ${label}-----\nMIIB\n-----END ${label}-----\n`);
    return file;
  };
  const ca = pem('ca.pem', 'CERTIFICATE');
  const cert = pem('client.pem', 'CERTIFICATE');
  const key = pem('client.key', 'PRIVATE KEY');
  const notPem = join(dir, 'ca.der');
  writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
  const messageOf = (env: Record<string, string>) => {
    try {
      messagingConfigFromEnv('x', env);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('no error');
  };

  it('is none by default: plaintext, no SASL', () => {
    expect(messagingConfigFromEnv('x', {}).security).toBeUndefined();
    expect(messagingConfigFromEnv('x', { KAFKA_SASL_MECHANISM: 'none', KAFKA_TLS: 'false' }).security).toBeUndefined();
    expect(kafkaSecurityOptions(undefined)).toEqual({});
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('reads SASL %s with its user name and password', (mechanism) => {
    const config = messagingConfigFromEnv('x', { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'cpor', KAFKA_SASL_PASSWORD: 'p4ss' });
    expect(config.security).toEqual({ sasl: { mechanism, username: 'cpor', password: 'p4ss' } });
    expect(kafkaSecurityOptions(config.security)).toEqual({ sasl: { mechanism, username: 'cpor', password: 'p4ss' } });
  });

  it("reads TLS with the system's CAs, a CA file, and a client certificate and key; kafkajs gets the files' contents", () => {
    expect(kafkaSecurityOptions(messagingConfigFromEnv('x', { KAFKA_TLS: 'true' }).security)).toEqual({ ssl: {} });
    const config = messagingConfigFromEnv('x', {
      KAFKA_TLS: '1',
      KAFKA_TLS_CA_FILE: ca,
      KAFKA_TLS_CERT_FILE: cert,
      KAFKA_TLS_KEY_FILE: key,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'cpor',
      KAFKA_SASL_PASSWORD: 'p4ss',
    });
    expect(config.security).toEqual({ tls: { caFile: ca, certFile: cert, keyFile: key }, sasl: { mechanism: 'scram-sha-512', username: 'cpor', password: 'p4ss' } });
    const options = kafkaSecurityOptions(config.security);
    expect(options.ssl).toEqual({ ca: [expect.any(Buffer)], cert: expect.any(Buffer), key: expect.any(Buffer) });
    const ssl = options.ssl as { ca: Buffer[]; key: Buffer };
    expect(ssl.ca[0].toString()).toContain('BEGIN CERTIFICATE');
    expect(ssl.key.toString()).toContain('BEGIN PRIVATE KEY');
    // Certificate checks are never turned off.
    expect(options.ssl).not.toHaveProperty('rejectUnauthorized');
  });

  it('refuses a mechanism without its user name and password, one line each, never printing the password', () => {
    expect(messageOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256' }).split('\n')).toEqual([
      'Invalid configuration: KAFKA_SASL_USERNAME is not set: expected a user name with KAFKA_SASL_MECHANISM=scram-sha-256',
      'Invalid configuration: KAFKA_SASL_PASSWORD is not set: expected a password with KAFKA_SASL_MECHANISM=scram-sha-256',
    ]);
    expect(messageOf({ KAFKA_SASL_USERNAME: 'cpor', KAFKA_SASL_PASSWORD: 'hunter2-secret' }).split('\n')).toEqual([
      'Invalid configuration: KAFKA_SASL_USERNAME="cpor": expected KAFKA_SASL_MECHANISM to be set too (plain, scram-sha-256, scram-sha-512)',
      'Invalid configuration: KAFKA_SASL_PASSWORD=<hidden>: expected KAFKA_SASL_MECHANISM to be set too (plain, scram-sha-256, scram-sha-512)',
    ]);
    expect(messageOf({ KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_PASSWORD: 'hunter2-secret' })).toBe(
      'Invalid configuration: KAFKA_SASL_MECHANISM="gssapi": expected one of none, plain, scram-sha-256, scram-sha-512',
    );
  });

  it('refuses TLS files without KAFKA_TLS, unreadable or not PEM, and half a client certificate', () => {
    expect(messageOf({ KAFKA_TLS_CA_FILE: ca })).toBe(`Invalid configuration: KAFKA_TLS_CA_FILE="${ca}": expected KAFKA_TLS=true too`);
    expect(messageOf({ KAFKA_TLS: 'yes' })).toBe('Invalid configuration: KAFKA_TLS="yes": expected true or false (or 1 or 0)');
    const missing = join(dir, 'missing.pem');
    expect(messageOf({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: missing })).toBe(`Invalid configuration: KAFKA_TLS_CA_FILE="${missing}": expected a readable PEM file (ENOENT)`);
    expect(messageOf({ KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: notPem })).toBe(`Invalid configuration: KAFKA_TLS_CA_FILE="${notPem}": expected a PEM file (text with -----BEGIN ... lines)`);
    expect(messageOf({ KAFKA_TLS: 'true', KAFKA_TLS_CERT_FILE: cert })).toBe('Invalid configuration: KAFKA_TLS_KEY_FILE is not set: expected a key file with KAFKA_TLS_CERT_FILE');
    expect(messageOf({ KAFKA_TLS: 'true', KAFKA_TLS_KEY_FILE: key })).toBe('Invalid configuration: KAFKA_TLS_CERT_FILE is not set: expected a certificate file with KAFKA_TLS_KEY_FILE');
  });
});

describe('topicName', () => {
  it('prefixes logical names and strips the prefix back', () => {
    const config = { topicPrefix: 'it-1.' };
    expect(topicName(config, 'cpor.claim-events.v1')).toBe('it-1.cpor.claim-events.v1');
    expect(logicalTopicName(config, 'it-1.cpor.claim-events.v1')).toBe('cpor.claim-events.v1');
    expect(topicName({ topicPrefix: '' }, 'cpor.claim-events.v1')).toBe('cpor.claim-events.v1');
  });
});
