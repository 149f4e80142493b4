import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from '@jest/globals';
import type { Model } from 'mongoose';
import { insertUnlessExists } from './insert-unless-exists.js';

interface Row {
  _id: string;
  dueAt?: Date;
}

interface FakeCollection {
  insertOne?: (row: Row) => Promise<unknown>;
  insertMany?: (rows: Row[], options: { ordered: boolean }) => Promise<unknown>;
}

/** A model whose collection answers as given (the store's side is the integration tests'). */
function modelWith(collection: FakeCollection): Model<Row> {
  return { collection: { collectionName: 'rows', ...collection } } as unknown as Model<Row>;
}

/** A promise the test settles when it chooses: an insert held in flight. */
function held(): { promise: Promise<void>; release: () => void; fail: (error: unknown) => void } {
  let release!: () => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  return { promise, release, fail };
}

const duplicate = () => Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });

/** An unordered insertMany refusing some rows, as the driver reports it: the others went in (insertedCount). */
function bulkError(writeErrors: Array<{ index: number; code: number; errmsg: string }>, insertedCount: number): Error {
  return Object.assign(new Error('bulk write error'), { name: 'MongoBulkWriteError', code: writeErrors[0]?.code, writeErrors, insertedCount });
}

describe('insertUnlessExists', () => {
  it('answers true when the insert went in', async () => {
    const inserted: Row[] = [];
    const model = modelWith({ insertOne: async (row) => inserted.push(row) });

    await expect(insertUnlessExists(model, { _id: 'a' })).resolves.toBe(true);
    expect(inserted).toEqual([{ _id: 'a' }]);
  });

  it('answers false on a duplicate key: the row existed', async () => {
    const model = modelWith({
      insertOne: async () => {
        throw duplicate();
      },
    });

    await expect(insertUnlessExists(model, { _id: 'a' })).resolves.toBe(false);
  });

  it('throws any other error (an outage is not an existing row)', async () => {
    const model = modelWith({
      insertOne: async () => {
        throw Object.assign(new Error('connection closed'), { code: 'ECONNRESET' });
      },
    });

    await expect(insertUnlessExists(model, { _id: 'a' })).rejects.toThrow('connection closed');
  });

  it('refuses a row with an invalid date before writing it (the driver would store 1970)', async () => {
    const inserted: Row[] = [];
    const model = modelWith({ insertOne: async (row) => inserted.push(row) });

    await expect(insertUnlessExists(model, { _id: 'a', dueAt: new Date(Number.NaN) })).rejects.toThrow('rows row a: not a valid date: dueAt');
    expect(inserted).toEqual([]);
  });

  describe('inserts into one collection are combined', () => {
    it('rows that arrive while an insert is in flight go together in one unordered insert, each caller answered', async () => {
      const first = held();
      const singles: string[] = [];
      const batches: Array<{ ids: string[]; ordered: boolean }> = [];
      const model = modelWith({
        insertOne: async (row) => {
          singles.push(row._id);
          await first.promise;
        },
        insertMany: async (rows, { ordered }) => void batches.push({ ids: rows.map((row) => row._id), ordered }),
      });

      const answers = [insertUnlessExists(model, { _id: 'a' }), insertUnlessExists(model, { _id: 'b' }), insertUnlessExists(model, { _id: 'c' })];
      await Promise.resolve();
      // The first went out alone at once (nothing waits on a timer); the others wait for it.
      expect(singles).toEqual(['a']);
      expect(batches).toEqual([]);
      first.release();

      await expect(Promise.all(answers)).resolves.toEqual([true, true, true]);
      expect(batches).toEqual([{ ids: ['b', 'c'], ordered: false }]);
    });

    it('a duplicate key answers false to its own caller only; the rest went in', async () => {
      const first = held();
      const model = modelWith({
        insertOne: () => first.promise,
        insertMany: async () => {
          throw bulkError([{ index: 1, code: 11000, errmsg: 'E11000 duplicate key error' }], 2);
        },
      });

      const answers = ['a', 'b', 'c', 'd'].map((id) => insertUnlessExists(model, { _id: id }));
      first.release();

      await expect(Promise.all(answers)).resolves.toEqual([true, true, false, true]);
    });

    it('a row the store refuses for another reason is an error for its caller, with the store code', async () => {
      const first = held();
      const model = modelWith({
        insertOne: () => first.promise,
        insertMany: async () => {
          throw bulkError([{ index: 0, code: 2, errmsg: 'invalid document' }], 1);
        },
      });

      const answers = ['a', 'b', 'c'].map((id) => insertUnlessExists(model, { _id: id }).catch((error: Error & { code?: unknown }) => `${error.message} (${String(error.code)})`));
      first.release();

      await expect(Promise.all(answers)).resolves.toEqual([true, 'invalid document (2)', true]);
    });

    it('an error of the whole insert (an outage) reaches every caller of the batch as it is', async () => {
      const first = held();
      const outage = Object.assign(new Error('connection closed'), { code: 'ECONNRESET' });
      const model = modelWith({
        insertOne: () => first.promise,
        insertMany: async () => {
          throw outage;
        },
      });

      const answers = ['a', 'b', 'c'].map((id) => insertUnlessExists(model, { _id: id }).catch((error: unknown) => error));
      first.fail(outage);

      await expect(Promise.all(answers)).resolves.toEqual([outage, outage, outage]);
    });

    it("a connection failure the driver wraps (a bulk write error without row errors) reaches every caller as the driver's own error", async () => {
      const first = held();
      const reset = Object.assign(new Error('connect ECONNRESET 127.0.0.1:27017'), { name: 'MongoNetworkError' });
      const wrapped = Object.assign(new Error(reset.message), { name: 'MongoBulkWriteError', writeErrors: [], insertedCount: 0, errorResponse: reset });
      const model = modelWith({
        insertOne: () => first.promise,
        insertMany: async () => {
          throw wrapped;
        },
      });

      const answers = ['a', 'b', 'c'].map((id) => insertUnlessExists(model, { _id: id }).catch((error: unknown) => error));
      first.release();

      await expect(Promise.all(answers)).resolves.toEqual([true, reset, reset]);
    });

    it('row errors whose counts do not add up to the batch answer no row on a guess: every caller gets the error', async () => {
      const first = held();
      // One row refused, but the store says it inserted none of the other two.
      const partial = bulkError([{ index: 0, code: 11000, errmsg: 'E11000 duplicate key error' }], 0);
      const model = modelWith({
        insertOne: () => first.promise,
        insertMany: async () => {
          throw partial;
        },
      });

      const answers = ['a', 'b', 'c', 'd'].map((id) => insertUnlessExists(model, { _id: id }).catch((error: unknown) => error));
      first.release();

      await expect(Promise.all(answers)).resolves.toEqual([true, partial, partial, partial]);
    });

    it('after a failed insert the next rows are written again: one failure does not stop the collection', async () => {
      let failNext = true;
      const inserted: string[] = [];
      const model = modelWith({
        insertOne: async (row) => {
          if (failNext) {
            failNext = false;
            throw new Error('connection closed');
          }
          inserted.push(row._id);
        },
      });

      await expect(insertUnlessExists(model, { _id: 'a' })).rejects.toThrow('connection closed');
      await expect(insertUnlessExists(model, { _id: 'b' })).resolves.toBe(true);
      expect(inserted).toEqual(['b']);
    });

    it("a combined insert runs in its first row's caller's context (its trace), not in that of the call that started writing", async () => {
      const caller = new AsyncLocalStorage<string>();
      const first = held();
      const seen: string[] = [];
      const model = modelWith({
        insertOne: async () => {
          seen.push(`insertOne in ${caller.getStore()}`);
          await first.promise;
        },
        insertMany: async () => void seen.push(`insertMany in ${caller.getStore()}`),
      });

      const answers = ['a', 'b', 'c'].map((id) => caller.run(id, () => insertUnlessExists(model, { _id: id })));
      first.release();
      await Promise.all(answers);

      expect(seen).toEqual(['insertOne in a', 'insertMany in b']);
    });

    it('two collections do not wait for each other', async () => {
      const held1 = held();
      const one: string[] = [];
      const two: string[] = [];
      const first = modelWith({
        insertOne: async (row) => {
          one.push(row._id);
          await held1.promise;
        },
      });
      const second = modelWith({ insertOne: async (row) => void two.push(row._id) });

      const waiting = insertUnlessExists(first, { _id: 'a' });
      await expect(insertUnlessExists(second, { _id: 'b' })).resolves.toBe(true);
      expect(one).toEqual(['a']);
      expect(two).toEqual(['b']);
      held1.release();
      await expect(waiting).resolves.toBe(true);
    });
  });
});
