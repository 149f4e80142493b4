import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { insertUnlessExists, LeaseStore, leaseModel, openMongoConnection } from '@cpor/persistence';
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

  it('a holder renewing late races a taker for the same next generation: never two holders, never a generation used twice', async () => {
    const model = leaseModel(connection);
    for (let round = 0; round < 5; round++) {
      const key = `renew-${round}`;
      const stalled = new LeaseStore(model);
      expect(await stalled.tryAcquire(key, 50)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 80));
      // A taker reads the newest generation, expired, and is about to insert the next one...
      const newest = (await model.findOne({ key }).sort({ generation: -1 }).lean().exec())!;
      expect(newest.until.getTime()).toBeLessThan(Date.now());
      // ...when the stalled holder renews.
      const renewed = await stalled.renew(key, 10_000);
      const takerId = `${key}#${newest.generation + 1}`;
      const taken = await insertUnlessExists(model, { _id: takerId, key, generation: newest.generation + 1, until: new Date(Date.now() + 10_000) });
      expect([renewed, taken].filter(Boolean)).toHaveLength(1);
      // Released, the row stays (expired): the next taker takes a new generation.
      await stalled.release(key);
      const generations = (await model.find({ key }).lean().exec()).map((row) => row.generation);
      expect(new Set(generations).size).toBe(generations.length);
    }
  });
});
