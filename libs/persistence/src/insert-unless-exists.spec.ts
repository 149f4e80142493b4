import { describe, expect, it } from '@jest/globals';
import type { Model } from 'mongoose';
import { insertUnlessExists } from './insert-unless-exists.js';

interface Row {
  _id: string;
  dueAt?: Date;
}

/** A model whose collection's insertOne answers as given (the store's side is the integration tests'). */
function modelInserting(insertOne: (row: Row) => Promise<unknown>): Model<Row> {
  return { collection: { collectionName: 'rows', insertOne } } as unknown as Model<Row>;
}

describe('insertUnlessExists', () => {
  it('answers true when the insert went in', async () => {
    const inserted: Row[] = [];
    const model = modelInserting(async (row) => inserted.push(row));

    await expect(insertUnlessExists(model, { _id: 'a' })).resolves.toBe(true);
    expect(inserted).toEqual([{ _id: 'a' }]);
  });

  it('answers false on a duplicate key: the row existed', async () => {
    const model = modelInserting(async () => {
      throw Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
    });

    await expect(insertUnlessExists(model, { _id: 'a' })).resolves.toBe(false);
  });

  it('throws any other error (an outage is not an existing row)', async () => {
    const model = modelInserting(async () => {
      throw Object.assign(new Error('connection closed'), { code: 'ECONNRESET' });
    });

    await expect(insertUnlessExists(model, { _id: 'a' })).rejects.toThrow('connection closed');
  });

  it('refuses a row with an invalid date before writing it (the driver would store 1970)', async () => {
    const inserted: Row[] = [];
    const model = modelInserting(async (row) => inserted.push(row));

    await expect(insertUnlessExists(model, { _id: 'a', dueAt: new Date(Number.NaN) })).rejects.toThrow('rows row a: not a valid date: dueAt');
    expect(inserted).toEqual([]);
  });
});
