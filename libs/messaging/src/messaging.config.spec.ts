import { describe, expect, it } from '@jest/globals';
import { logicalTopicName, messagingConfigFromEnv, topicName } from './messaging.config.js';

describe('messagingConfigFromEnv', () => {
  it('defaults to the local broker, no prefix and 3 partitions', () => {
    expect(messagingConfigFromEnv('intake', {})).toEqual({
      brokers: ['127.0.0.1:9092'],
      clientId: 'intake',
      topicPrefix: '',
      partitions: 3,
      replicationFactor: 1,
    });
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

describe('topicName', () => {
  it('prefixes logical names and strips the prefix back', () => {
    const config = { topicPrefix: 'it-1.' };
    expect(topicName(config, 'cpor.claim-events.v1')).toBe('it-1.cpor.claim-events.v1');
    expect(logicalTopicName(config, 'it-1.cpor.claim-events.v1')).toBe('cpor.claim-events.v1');
    expect(topicName({ topicPrefix: '' }, 'cpor.claim-events.v1')).toBe('cpor.claim-events.v1');
  });
});
