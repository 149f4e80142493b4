import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { IdempotentAnswerRepository, idempotentAnswerModel, openMongoConnection, type IdempotentAnswer } from '@cpor/persistence';

// The first answer to an Idempotency-Key, kept by the store's own compare-and-set (an insert by id).
describe('idempotent answers on the real MongoDB-wire server', () => {
  let connection: Connection;
  let answers: IdempotentAnswerRepository;
  const T0 = new Date('2026-12-01T10:00:00.000Z');
  const answer = (id: string, fingerprint: string, expiresAt = new Date(T0.getTime() + 60_000)): IdempotentAnswer => ({
    _id: id,
    fingerprint,
    status: 201,
    body: { id: fingerprint, nested: { empty: {} }, list: [] },
    createdAt: T0,
    expiresAt,
  });

  beforeAll(async () => {
    connection = await openMongoConnection(process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017', `cpor_it_idem_${randomUUID().slice(0, 8)}`);
    answers = new IdempotentAnswerRepository(idempotentAnswerModel(connection));
    await idempotentAnswerModel(connection).init();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  it('of many requests racing to store an answer under one key, the first is kept and every one gets it back', async () => {
    for (let round = 0; round < 5; round++) {
      const id = `race-${round}`;
      const kept = await Promise.all(Array.from({ length: 6 }, (_, index) => answers.remember(answer(id, `request-${index}`))));
      expect(new Set(kept.map((first) => first.fingerprint)).size).toBe(1);
      const stored = await answers.find(id, T0);
      expect(stored).toMatchObject({ fingerprint: kept[0].fingerprint, status: 201, body: { id: kept[0].fingerprint, nested: { empty: {} }, list: [] } });
    }
  });

  it('an expired answer is not found, and the sweep deletes only expired answers', async () => {
    await answers.remember(answer('old', 'a', new Date(T0.getTime() - 1)));
    await answers.remember(answer('current', 'b'));
    expect(await answers.find('old', T0)).toBeNull();
    await answers.remember(answer('older', 'c', new Date(T0.getTime() - 5_000)));
    expect(await answers.sweepExpired(T0)).toBe(1);
    expect(await answers.find('current', T0)).toMatchObject({ fingerprint: 'b' });
    expect(await idempotentAnswerModel(connection).countDocuments({ _id: 'older' })).toBe(0);
  });
});
