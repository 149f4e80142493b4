import { RpcException } from '@nestjs/microservices';

/*
 * How errors are classified, wherever they are caught: a Kafka handler (retry, dead-letter) or an
 * HTTP call (503 for an outage). One home, so both answer an error the same way.
 */

/**
 * Throw this from a handler when retrying cannot help (a payload that will never be valid, a
 * rule the record breaks for good): the record goes straight to the dead-letter topic.
 * It is an RpcException so its marker survives Nest's default exception filter, which turns any
 * other error into a generic `{ status: 'error', message: 'Internal server error' }`.
 */
export class NonRetryableError extends RpcException {
  constructor(message: string) {
    super({ status: 'error', message, nonRetryable: true });
    this.name = 'NonRetryableError';
  }
}

export function isNonRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError) return true;
  return typeof error === 'object' && error !== null && (error as { nonRetryable?: unknown }).nonRetryable === true;
}

const TRANSIENT_ERROR_NAMES =
  /^(Mongo(Network|NetworkTimeout|ServerSelection|NotConnected|PoolCleared|TopologyClosed)Error|PoolClearedOnNetworkError|MongooseServerSelectionError|KafkaJS(Connection|RequestTimeout|BrokerNotFound|NumberOfRetriesExceeded|Timeout)Error)$/;
const TRANSIENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);
/**
 * The store is there but busy or cut off from its own backend. FerretDB reports its backend's
 * trouble as a plain MongoServerError, told apart only by the message: SQLite's lock under write
 * load; PostgreSQL's locks and connection limits; and PostgreSQL down or restarting under a
 * running FerretDB (connection refused, "terminating connection due to administrator command",
 * SQLSTATE class 08 connection exceptions, 57P01-57P03 shutdown and start-up).
 */
const TRANSIENT_STORE_MESSAGES =
  /SQLITE_BUSY|SQLITE_LOCKED|database is locked|deadlock detected|could not serialize access|too many clients|canceling statement due to (lock|statement) timeout|operation exceeded time limit|failed to connect to|terminating connection|the database system is (starting up|shutting down|in recovery mode)|conn(ection)? (closed|busy)|unexpected EOF|SQLSTATE (08|57P0[123])/i;
/**
 * A connection failure the driver hands on as text only: during a bulk write (`insertMany`, as
 * the ledger commits several transitions, or `bulkWrite`) mongodb 7 wraps it in a
 * MongoBulkWriteError that keeps the message but not the name, code, labels or cause
 * ("MongoBulkWriteError: connect ECONNREFUSED 127.0.0.1:27017"; found by the fault suite's store
 * outage, where it dead-lettered an upstream request).
 */
const TRANSIENT_DRIVER_MESSAGES = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)\b|connection (\d+|<monitor>) to \S+ (closed|timed out)|Server selection timed out|Topology is closed|Connection pool for \S+ was cleared|interrupted due to server monitor timeout/i;
/**
 * MongoDB's own codes for a server that is stepping down, shutting down or unreachable
 * (HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress, PrimarySteppedDown,
 * ExceededTimeLimit, SocketException, NotWritablePrimary, InterruptedAtShutdown,
 * InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary).
 */
const TRANSIENT_MONGO_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
/** Labels the MongoDB driver puts on errors worth retrying. */
const TRANSIENT_MONGO_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'ResetPool'];

/**
 * An outage of what the handler depends on (the store or the broker unreachable or busy)
 * says nothing about the record. Dead-lettering it after a few quick attempts
 * would turn a short outage into lost effects, so such records are retried, with the capped
 * backoff, for as long as the outage lasts (the partition waits; nothing is skipped).
 * Errors can also opt in with `transient: true`.
 */
export function isTransient(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as { name?: unknown; code?: unknown; transient?: unknown; cause?: unknown; errorLabels?: unknown };
    if (candidate.transient === true) return true;
    if (typeof candidate.name === 'string' && TRANSIENT_ERROR_NAMES.test(candidate.name)) return true;
    if (typeof candidate.code === 'string' && TRANSIENT_ERROR_CODES.has(candidate.code)) return true;
    if (typeof candidate.code === 'number' && TRANSIENT_MONGO_CODES.has(candidate.code)) return true;
    if (Array.isArray(candidate.errorLabels) && candidate.errorLabels.some((label) => TRANSIENT_MONGO_LABELS.includes(label as string))) return true;
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && (TRANSIENT_STORE_MESSAGES.test(message) || TRANSIENT_DRIVER_MESSAGES.test(message))) return true;
    current = candidate.cause;
  }
  return false;
}

/** One line of error text for logs and the `dlq_error` header. */
export function describeError(error: unknown, maxLength = 1_000): string {
  let text: string;
  if (error instanceof Error) text = `${error.name}: ${error.message}`;
  else if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    text = (error as { message: string }).message;
  } else text = String(error);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

