import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { LeaseStore, leaseModel, openMongoConnection } from '@cpor/persistence';
import { waitFor } from '../support/wait-for.js';

// FerretDB applies conditional updates as read-modify-write, so leases must not rely on them.
describe('leases on the real MongoDB-wire server', () => {
  let connection: Connection;
  const instances = () => Array.from({ length: 6 }, () => new LeaseStore(leaseModel(connection)));

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_leases_${randomUUID().slice(0, 8)}`);
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('of many instances racing for one key, exactly one wins, again and again', async () => {
    for (let round = 0; round < 10; round++) {
      const key = `race-${round}`;
      const stores = instances();
      const results = await Promise.all(stores.map((store) => store.tryAcquire(key, 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = stores[results.indexOf(true)];
      await winner.release(key);
      expect(await stores[0].tryAcquire(key, 10_000)).toBe(true);
    }
  });

  it('an expired lease (its holder died) is taken over by exactly one of many', async () => {
    const dead = new LeaseStore(leaseModel(connection));
    expect(await dead.tryAcquire('takeover', 200)).toBe(true);
    const stores = instances();
    expect(await stores[0].tryAcquire('takeover', 10_000)).toBe(false);
    const results = await waitFor(async () => {
      const attempt = await Promise.all(stores.map((store) => store.tryAcquire('takeover', 10_000)));
      return attempt.some(Boolean) ? attempt : undefined;
    }, { message: 'the expired lease taken over' });
    expect(results.filter(Boolean)).toHaveLength(1);
    // The dead holder coming back and releasing does not free the new holder's lease.
    await dead.release('takeover');
    expect(await new LeaseStore(leaseModel(connection)).tryAcquire('takeover', 10_000)).toBe(false);
  });
});
