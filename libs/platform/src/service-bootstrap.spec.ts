import { jest } from '@jest/globals';
import { checkServiceConfiguration, exitOnInvalidConfiguration } from './service-bootstrap.js';
import { configSchema, setting } from '@cpor/kernel';

describe('a bad configuration stops a service before it starts', () => {
  const own = configSchema({ OWN_LIMIT: setting.integer({ description: 'a setting of the service', default: 1, min: 1 }) });
  const options = { service: 'intake' as const, title: 't', description: 'd', configuration: [own] };

  it('checks the chassis, the store, Kafka and the service\'s own variables together', () => {
    expect(() => checkServiceConfiguration(options, {})).not.toThrow();
    expect(() => checkServiceConfiguration(options, { INTAKE_PORT: '30o1', MONGO_MAX_POOL_SIZE: '0', KAFKA_PARTITIONS: 'x', OWN_LIMIT: '-1' })).toThrow(
      new Error(
        [
          'Invalid configuration: INTAKE_PORT="30o1": expected an integer port 0-65535',
          'Invalid configuration: MONGO_MAX_POOL_SIZE="0": expected an integer >= 1',
          'Invalid configuration: KAFKA_PARTITIONS="x": expected an integer >= 1',
          'Invalid configuration: OWN_LIMIT="-1": expected an integer >= 1',
        ].join('\n'),
      ),
    );
  });

  it('prints the lines once, plainly, to stderr and exits with status 1', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      exitOnInvalidConfiguration(options, { SHUTDOWN_TIMEOUT_MS: '-5', JWT_SECRET: 'never-printed' });
      expect(stderr.mock.calls).toEqual([['Invalid configuration: SHUTDOWN_TIMEOUT_MS="-5": expected an integer number of milliseconds >= 1\n']]);
      expect(exit).toHaveBeenCalledWith(1);
      exit.mockClear();
      stderr.mockClear();
      exitOnInvalidConfiguration(options, {});
      expect(stderr).not.toHaveBeenCalled();
      expect(exit).not.toHaveBeenCalled();
    } finally {
      jest.restoreAllMocks();
    }
  });
});
