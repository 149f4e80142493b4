// Integration: the controlled business clock's moves on the real MongoDB-wire server.
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { MAX_CLOCK_OFFSET_MS } from '@cpor/kernel';
import { BusinessClockRepository, businessClockMoveModel, openMongoConnection } from '@cpor/persistence';

describe('business clock moves on the real MongoDB-wire server', () => {
  let connection: Connection;

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_clock_${randomUUID().slice(0, 8)}`);
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('the offset is the largest move recorded within the bound: one beyond it (recorded before moves were bounded) hides no later move', async () => {
    const moves = new BusinessClockRepository(businessClockMoveModel(connection));
    expect(await moves.offsetMs()).toBe(0);
    await moves.record(3 * 86_400_000, 'ops', new Date());
    await moves.record(999_999 * 366 * 86_400_000, 'a mistake', new Date());
    expect(await moves.offsetMs()).toBe(3 * 86_400_000);
    await moves.record(8 * 86_400_000, 'ops', new Date());
    expect(await moves.offsetMs()).toBe(8 * 86_400_000);
    await moves.record(MAX_CLOCK_OFFSET_MS, 'ops', new Date());
    expect(await moves.offsetMs()).toBe(MAX_CLOCK_OFFSET_MS);
  });
});
