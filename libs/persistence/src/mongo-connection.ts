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
    // Bounds this process's concurrent store operations. FerretDB on PostgreSQL deadlocks when
    // its clients run more updates at once than its PostgreSQL pool has connections (see
    // docs/operations.md); with a bounded pool per service the sum stays below it.
    maxPoolSize: Number(process.env.MONGO_MAX_POOL_SIZE ?? 20),
    serverSelectionTimeoutMS,
    // While the store is unreachable an operation fails (and is retried by its caller) instead of
    // waiting in mongoose's buffer, where no caller can tell an outage from a slow query.
    bufferCommands: false,
    // FerretDB (CI) has no retryable writes; MongoDB does not need them for single-document CAS.
    retryWrites: false,
    // How soon a store that came back is noticed: the driver's monitor probes it this often
    // (default 10 s). HTTP must answer again within seconds of the store's return.
    heartbeatFrequencyMS: 1_000,
    // Poll the server's state: the streaming monitor (awaitable hello) was seen not to notice,
    // for minutes, that a store which had dropped its connections was back.
    serverMonitoringMode: 'poll',
    // Bounds connecting and the monitor's probe (not operations: a slow store is waited for,
    // never timed out, so an applied write is never answered as failed).
    connectTimeoutMS: 3_000,
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
