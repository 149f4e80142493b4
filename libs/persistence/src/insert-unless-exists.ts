import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './errors.js';

/**
 * Inserts `row` unless a row with its `_id` exists, answering whether this call inserted it. The
 * unique key is the store's own compare-and-set: of concurrent callers exactly one gets true, on
 * FerretDB as on MongoDB, where a filtered update is not (docs/architecture.md). Written through the
 * driver, without mongoose's casting: the caller builds the row whole, and an invalid date, which
 * the driver would store as 1970 for good (a deadline that fires at once), is refused here.
 */
export async function insertUnlessExists<T extends { _id: string }>(model: Model<T>, row: T): Promise<boolean> {
  const invalidDates = Object.entries(row as Record<string, unknown>).filter(([, value]) => value instanceof Date && Number.isNaN(value.getTime()));
  if (invalidDates.length > 0) {
    throw new Error(`${model.collection.collectionName} row ${row._id}: not a valid date: ${invalidDates.map(([field]) => field).join(', ')}`);
  }
  try {
    await model.collection.insertOne(row as never);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
