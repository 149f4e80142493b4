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

  it('a holder that stalled past its lease and renews late does not hold beside the instance that took over, whatever that one did since', async () => {
    const model = leaseModel(connection);
    for (const takerRenewed of [false, true]) {
      const key = `renew-late-${takerRenewed}`;
      const stalled = new LeaseStore(model);
      const taker = new LeaseStore(model);
      expect(await stalled.tryAcquire(key, 50)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await taker.tryAcquire(key, 10_000)).toBe(true);
      // The taker renewing deletes the generation the stalled holder would renew into.
      if (takerRenewed) expect(await taker.renew(key, 10_000)).toBe(true);
      expect(await stalled.renew(key, 10_000)).toBe(false);
      // The taker still holds it: a third instance cannot take it, and the stalled one's renewal left no row behind.
      expect(await new LeaseStore(model).tryAcquire(key, 10_000)).toBe(false);
      expect((await model.find({ key }).lean().exec()).map((row) => row.generation)).toEqual([takerRenewed ? 3 : 2]);
    }
  });

  it('a taker that read an older generation (deleted since) and inserts it does not hold: the newest generation does', async () => {
    const model = leaseModel(connection);
    const key = 'stale-read';
    const holder = new LeaseStore(model);
    expect(await holder.tryAcquire(key, 10_000)).toBe(true);
    expect(await holder.renew(key, 10_000)).toBe(true); // generation 2; generation 1's row deleted
    // A taker that read generation 0 (no row) long ago now takes "generation 1" by the protocol's own step.
    const stale = new LeaseStore(model) as unknown as { take(key: string, generation: number, ttlMs: number): Promise<boolean> };
    expect(await stale.take(key, 1, 10_000)).toBe(false);
    expect((await model.find({ key }).lean().exec()).map((row) => row.generation)).toEqual([2]);
  });

  it('a key keeps at most its newest rows over many rounds (release expires, the next take clears)', async () => {
    const model = leaseModel(connection);
    const store = new LeaseStore(model);
    for (let round = 0; round < 6; round++) {
      expect(await store.tryAcquire('rounds', 10_000)).toBe(true);
      await store.release('rounds');
    }
    expect((await model.find({ key: 'rounds' }).lean().exec()).map((row) => row.generation)).toEqual([6]);
  });
});
