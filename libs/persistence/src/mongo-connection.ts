import mongoose, { type Connection } from 'mongoose';

/**
 * The one place mongoose is configured. Filters are sanitised (no operator injection from
 * client objects) and unknown query fields throw instead of being dropped silently.
 */
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export async function openMongoConnection(url: string, dbName: string): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: 10_000,
    // FerretDB (CI) has no retryable writes; MongoDB does not need them for single-document CAS.
    retryWrites: false,
    autoIndex: true,
  });
  await connection.asPromise();
  return connection;
}

export async function pingMongo(connection: Connection): Promise<boolean> {
  try {
    await connection.db?.admin().ping();
    return true;
  } catch {
    return false;
  }
}
