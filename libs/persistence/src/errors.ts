/**
 * A compare-and-set lost to a concurrent change: the caller re-reads and decides again.
 * `precondition` says the caller named the version it read (HTTP If-Match: a 412), rather than
 * losing a race it did not ask about (a 409).
 */
export class VersionConflictError extends Error {
  readonly code = 'version-conflict';
  constructor(
    readonly claimId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
    readonly precondition: boolean,
  ) {
    super(
      precondition
        ? `Claim ${claimId} is at version ${currentVersion}, not ${expectedVersion}; re-read it and retry`
        : `Claim ${claimId} changed concurrently (now version ${currentVersion}); re-read it and retry`,
    );
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * Whether a failed write may have reached the store and been applied: its connection broke
 * after the command was sent (reset or closed mid-operation, or failed by the driver when its
 * health probe timed out: PoolClearedOnNetworkError). Not when the driver sent nothing (no
 * server selected, the pool paused, the connection refused or cut while it was being made) or
 * the store answered with an error of its own. Read through wrappers (`cause`), and by message
 * where a wrapper keeps only that (the driver's MongoBulkWriteError of an ordered insertMany).
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as { name?: unknown; beforeHandshake?: unknown; message?: unknown; cause?: unknown };
    const message = typeof candidate.message === 'string' ? candidate.message : '';
    if (candidate.name === 'PoolClearedOnNetworkError') return true;
    // Checked out of a paused pool, or no server to send to: nothing was sent, whatever `cause` says happened before.
    if (candidate.name === 'MongoPoolClearedError' || candidate.name === 'MongoServerSelectionError') return false;
    if (candidate.name === 'MongoNetworkError' || candidate.name === 'MongoNetworkTimeoutError') {
      return candidate.beforeHandshake !== true && !NOT_CONNECTED.test(message) && (candidate.cause as { syscall?: unknown } | undefined)?.syscall !== 'connect';
    }
    if (NOT_CONNECTED.test(message)) return false;
    if (UNSURE_WRITE_MESSAGES.test(message)) return true;
    current = candidate.cause;
  }
  return false;
}

/** Messages of a connection that broke under an operation in flight (see mayHaveBeenApplied). */
const UNSURE_WRITE_MESSAGES = /interrupted due to server monitor timeout|connection \d+ to \S+ (closed|timed out)|\b(ECONNRESET|EPIPE)\b|socket hang up/i;
/** Messages of a connection that was never made (nothing sent on it). */
const NOT_CONNECTED = /\bconnect ECONNREFUSED\b|during connection establishment|Socket 'connect' timed out|connection establishment was cancelled|Server selection timed out|pool for \S+ was cleared/i;
