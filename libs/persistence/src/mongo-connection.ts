import mongoose, { type Connection } from 'mongoose';

/**
 * The one place mongoose is configured. Filters are sanitised (no operator injection from
 * client objects) and unknown query fields throw instead of being dropped silently.
 */
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export async function openMongoConnection(url: string, dbName: string, serverSelectionTimeoutMS = 10_000): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS,
    // While the store is unreachable an operation fails (and is retried by its caller) instead of
    // waiting in mongoose's buffer, where no caller can tell an outage from a slow query.
    bufferCommands: false,
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
