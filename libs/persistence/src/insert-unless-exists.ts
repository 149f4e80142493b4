import { AsyncResource } from 'node:async_hooks';
import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './errors.js';

/** Most rows one combined insert carries (FerretDB v1 writes up to 100 rows a transaction). */
const MAX_ROWS_PER_INSERT = 100;

/**
 * Inserts `row` unless a row with its `_id` exists, answering whether this call inserted it. The
 * unique key is the store's own compare-and-set: of concurrent callers exactly one gets true, on
 * FerretDB as on MongoDB, where a filtered update is not (docs/architecture.md). Written through the
 * driver, without mongoose's casting: the caller builds the row whole, and an invalid date, which
 * the driver would store as 1970 for good (a deadline that fires at once), is refused here.
 *
 * Inserts into one collection are combined (group commit): while one is in flight, the rows that
 * arrive wait and then go together as one unordered `insertMany`, each caller answered for its own
 * row. Nothing waits on a timer: a row that finds no insert in flight is written at once, alone.
 * On FerretDB a combined insert is one transaction for all its rows, about a quarter of the store's
 * CPU of as many single inserts (docs/performance.md, "Inserts combined per collection").
 */
export async function insertUnlessExists<T extends { _id: string }>(model: Model<T>, row: T): Promise<boolean> {
  const invalidDates = Object.entries(row as Record<string, unknown>).filter(([, value]) => value instanceof Date && Number.isNaN(value.getTime()));
  if (invalidDates.length > 0) {
    throw new Error(`${model.collection.collectionName} row ${row._id}: not a valid date: ${invalidDates.map(([field]) => field).join(', ')}`);
  }
  return combinedInserts(model.collection as unknown as RowCollection).insert(row);
}

/** What the combiner uses of a collection (mongoose's, so the store's command hooks see each call). */
interface RowCollection {
  insertOne(row: object): Promise<unknown>;
  insertMany(rows: object[], options: { ordered: false }): Promise<unknown>;
}

interface WaitingRow {
  row: object;
  settle: (outcome: { inserted: boolean } | { error: unknown }) => void;
  /** Runs a function in the caller's async context (its trace and request context). */
  inCallerContext: <R>(fn: () => R) => R;
}

/** One combiner per collection object, so every caller of a collection shares its batches. */
const combiners = new WeakMap<RowCollection, InsertCombiner>();

function combinedInserts(collection: RowCollection): InsertCombiner {
  let combiner = combiners.get(collection);
  if (!combiner) {
    combiner = new InsertCombiner(collection);
    combiners.set(collection, combiner);
  }
  return combiner;
}

/**
 * Group commit of one collection's inserts, written by hand: no maintained library combines
 * MongoDB inserts from independent callers and answers each for its own row.
 */
class InsertCombiner {
  private waiting: WaitingRow[] = [];
  private writing = false;

  constructor(private readonly collection: RowCollection) {}

  insert(row: object): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({
        row,
        settle: (outcome) => ('error' in outcome ? reject(outcome.error) : resolve(outcome.inserted)),
        inCallerContext: AsyncResource.bind(<R>(fn: () => R) => fn()),
      });
      if (!this.writing) void this.drain();
    });
  }

  /** Writes what waits, one insert at a time, until nothing does. Never throws: each row is settled. */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) await this.write(this.waiting.splice(0, MAX_ROWS_PER_INSERT));
    } finally {
      this.writing = false;
    }
  }

  private async write(batch: WaitingRow[]): Promise<void> {
    try {
      // In the async context of the batch's first row's caller: the store command's span is in its trace.
      await batch[0]!.inCallerContext(() =>
        batch.length === 1 ? this.collection.insertOne(batch[0]!.row) : this.collection.insertMany(batch.map((waiting) => waiting.row), { ordered: false }),
      );
      for (const waiting of batch) waiting.settle({ inserted: true });
    } catch (error) {
      const rowErrors = batch.length === 1 ? new Map([[0, error]]) : writeErrorsByIndex(error, batch.length);
      if (!rowErrors) {
        // An error of the whole command (an outage): any row may or may not be in, as after a failed insertOne.
        const commandError = unwrapped(error);
        for (const waiting of batch) waiting.settle({ error: commandError });
        return;
      }
      for (const [index, waiting] of batch.entries()) {
        const rowError = rowErrors.get(index);
        if (rowError === undefined) waiting.settle({ inserted: true });
        else if (isDuplicateKeyError(rowError)) waiting.settle({ inserted: false });
        else waiting.settle({ error: rowError === error ? error : rowWriteError(rowError) });
      }
    }
  }
}

/**
 * The rows an unordered insert refused, by index, when the error is about rows only: the store
 * says it inserted every other row of the batch (on MongoDB as on FerretDB). Undefined when it is
 * about the whole command, or when the counts do not add up to the batch (then no row is
 * answered as in or out on a guess).
 */
function writeErrorsByIndex(error: unknown, rows: number): Map<number, unknown> | undefined {
  const bulk = error as { name?: unknown; writeErrors?: unknown; insertedCount?: unknown };
  if (bulk?.name !== 'MongoBulkWriteError') return undefined;
  const writeErrors = (Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors]).filter(
    (entry): entry is { index: number } => typeof (entry as { index?: unknown } | undefined)?.index === 'number',
  );
  if (writeErrors.length === 0 || typeof bulk.insertedCount !== 'number' || bulk.insertedCount + writeErrors.length !== rows) return undefined;
  return new Map(writeErrors.map((entry) => [entry.index, entry]));
}

/**
 * The driver's own error behind a bulk write's wrapper: mongodb 7 wraps a connection failure of
 * an `insertMany` in a MongoBulkWriteError that keeps its message but not its name or labels,
 * which is what tells an outage from a fault (isTransient, libs/kernel).
 */
export function unwrapped(error: unknown): unknown {
  const wrapped = error as { name?: unknown; errorResponse?: unknown };
  return wrapped?.name === 'MongoBulkWriteError' && wrapped.errorResponse instanceof Error ? wrapped.errorResponse : error;
}

/** A refused row's write error as an Error of its own, keeping the store's code. */
function rowWriteError(writeError: unknown): Error {
  const { code, errmsg } = writeError as { code?: unknown; errmsg?: unknown };
  return Object.assign(new Error(typeof errmsg === 'string' ? errmsg : 'the store refused the row'), { code });
}
