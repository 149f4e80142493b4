import mongoose, { type Connection } from 'mongoose';
import { configSchema, readEnv, setting } from '@cpor/kernel';

/** An open store connection, as the services and the chassis hold it (they never import mongoose). */
export type StoreConnection = Connection;

/**
 * The one place mongoose is configured. Filters are sanitised (no operator injection from
 * client objects) and unknown query fields throw instead of being dropped silently.
 */
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

const HEARTBEAT_MS = 1_000;
const MONITOR_SILENT_MS = 10_000;

/**
 * Workaround for a defect of the mongodb driver (7.9): when an operation's network error resets
 * the server while the monitor's own check is in flight, the monitor can stop for good (seen in
 * the store-outage e2e test: a heartbeat started and never ended, the server stayed Unknown, and
 * every operation failed server selection long after the store was back). A monitor checks every
 * second, so ten silent seconds mean it is stuck: close and start it again (a fresh loop).
 * This reaches into the driver's topology (no public API restarts a monitor); if the internals
 * change, it does nothing.
 */
function watchServerMonitor(connection: Connection): void {
  const client = connection.getClient();
  let lastHeard = Date.now();
  for (const event of ['serverHeartbeatStarted', 'serverHeartbeatSucceeded', 'serverHeartbeatFailed']) client.on(event, () => (lastHeard = Date.now()));
  const timer = setInterval(() => {
    if (Date.now() - lastHeard < MONITOR_SILENT_MS) return;
    lastHeard = Date.now();
    type Monitor = { close?: () => void; connect?: () => void };
    const servers = (client as unknown as { topology?: { s?: { servers?: Map<string, { monitor?: Monitor | null }> } } }).topology?.s?.servers;
    servers?.forEach(({ monitor }) => {
      monitor?.close?.();
      monitor?.connect?.();
    });
  }, HEARTBEAT_MS);
  timer.unref();
  connection.once('close', () => clearInterval(timer));
}

/**
 * Store operations this process calls, by `<database> <collection> <method>` (`claims findOne`,
 * `deliveries insertOne`...), counted only when MONGO_COUNT_COMMANDS=1 or true (the benchmark's
 * "where the round trips go"). Each call is one command; a cursor's further batches and GridFS
 * (PoE files) are not counted. Counted through mongoose's per-connection debug hook, which is
 * handed each call's arguments and nothing else. The driver's command monitoring, used before,
 * built an event per command and decoded every reply a second time: 0.1-0.2 ms of CPU a command,
 * 4-7 ms of a benchmark claim, which the benchmark's raw-driver baseline did not pay.
 */
export const storeCommandCounts = new Map<string, number>();

function countCommands(connection: Connection, dbName: string): void {
  connection.set('debug', (collection: string, method: string) => {
    const key = `${dbName} ${collection} ${method}`;
    storeCommandCounts.set(key, (storeCommandCounts.get(key) ?? 0) + 1);
  });
}

/** The store variables this module reads itself (the URL, database and timeout are the service config's). */
export const storeSettingsSchema = configSchema({
  MONGO_MAX_POOL_SIZE: setting.integer({
    description: 'store connections per service (keep the sum below FerretDB\'s PostgreSQL pool: see "FerretDB\'s backend")',
    default: 20,
    min: 1,
  }),
  MONGO_COUNT_COMMANDS: setting.flag({ description: "count the store commands this process sends (the benchmark's round trips)", default: false }),
});

export async function openMongoConnection(url: string, dbName: string, serverSelectionTimeoutMS = 10_000): Promise<Connection> {
  const settings = readEnv(storeSettingsSchema);
  const counting = settings.MONGO_COUNT_COMMANDS;
  const connection = mongoose.createConnection(url, {
    dbName,
    // Bounds this process's concurrent store operations. FerretDB on PostgreSQL deadlocks when
    // its clients run more updates at once than its PostgreSQL pool has connections (see
    // docs/operations.md); with a bounded pool per service the sum stays below it.
    maxPoolSize: settings.MONGO_MAX_POOL_SIZE,
    serverSelectionTimeoutMS,
    // While the store is unreachable an operation fails (and is retried by its caller) instead of
    // waiting in mongoose's buffer, where no caller can tell an outage from a slow query.
    bufferCommands: false,
    // FerretDB (CI) has no retryable writes; MongoDB does not need them for single-document CAS.
    retryWrites: false,
    // How soon a store that came back is noticed: the driver's monitor probes it this often
    // (default 10 s). HTTP must answer again within seconds of the store's return.
    heartbeatFrequencyMS: HEARTBEAT_MS,
    // Poll the server's state: the streaming monitor (awaitable hello) was seen not to notice,
    // for minutes, that a store which had dropped its connections was back.
    serverMonitoringMode: 'poll',
    // Bounds connecting and the monitor's probe. Operations have no timeout: a slow store is
    // waited for. But when the probe times out the driver fails the operations in flight
    // (PoolClearedOnNetworkError), applied or not: the claim ledger sends such a log insert again
    // until the store says whether it is in (ClaimLedger, UNSURE_INSERT_RETRY_MS).
    connectTimeoutMS: 3_000,
    autoIndex: true,
  });
  watchServerMonitor(connection);
  if (counting) countCommands(connection, dbName);
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
