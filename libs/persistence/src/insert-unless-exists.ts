import type { Model } from 'mongoose';
import { isDuplicateKeyError } from './errors.js';

/**
 * Inserts `row` unless a row with its `_id` exists, answering whether this call inserted it. The
 * unique key is the store's own compare-and-set: of concurrent callers exactly one gets true, on
 * FerretDB as on MongoDB, where a filtered update is not (docs/architecture.md). Written through the
 * driver, without mongoose's casting: the caller builds the row whole.
 */
export async function insertUnlessExists<T extends { _id: string }>(model: Model<T>, row: T): Promise<boolean> {
  try {
    await model.collection.insertOne(row as never);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
