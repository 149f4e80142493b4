import { fasterUnderConcurrency, runStoreBackend } from './backends.js';

describe('the comparison of FerretDB backends', () => {
  const status = (mongodbLine: string) =>
    ['kafka    up             pid 3173   owned   kafka 127.0.0.1:29092 (SASL 29094, SASL_SSL 29095)', mongodbLine, 'mail     up             pid 6874   owned   smtp 127.0.0.1:21025'].join('\n');

  it('reads the backend of the run\'s store from infra.mjs status when that store is the local FerretDB', () => {
    const up = (backend: string) => status(`mongodb  up             pid 6914   owned   mongodb://127.0.0.1:27027  (FerretDB on ${backend})`);
    expect(runStoreBackend(up('PostgreSQL'), 'mongodb://127.0.0.1:27027')).toBe('postgresql');
    expect(runStoreBackend(up('SQLite'), 'mongodb://127.0.0.1:27027/cpor')).toBe('sqlite');
    // Another store (MongoDB under docker-compose, a remote one): nothing to compare here.
    expect(runStoreBackend(up('PostgreSQL'), 'mongodb://127.0.0.1:27017')).toBeNull();
    expect(runStoreBackend(up('PostgreSQL'), 'mongodb://db.example:27027')).toBeNull();
  });

  it('compares nothing when the local FerretDB is not up', () => {
    const down = status('mongodb  down           -          -       mongodb://127.0.0.1:27017  (FerretDB on PostgreSQL when started)');
    expect(runStoreBackend(down, 'mongodb://127.0.0.1:27017')).toBeNull();
    expect(runStoreBackend('', 'mongodb://127.0.0.1:27017')).toBeNull();
  });

  it('names the backend with more claims a second under concurrency, whatever it does alone', () => {
    const sqlite = { one_at_a_time_claims_per_s: 30, parallel_claims_per_s: 20, parallel_over_one: 0.67 };
    const postgresql = { one_at_a_time_claims_per_s: 20, parallel_claims_per_s: 44, parallel_over_one: 2.2 };
    expect(fasterUnderConcurrency({ sqlite, postgresql })).toBe('postgresql');
    expect(fasterUnderConcurrency({ postgresql: { ...postgresql, parallel_claims_per_s: 10 }, sqlite })).toBe('sqlite');
    expect(() => fasterUnderConcurrency({})).toThrow('no backend measured');
  });
});
