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
 * server selected, the pool paused, the connection refused before its handshake) or the store
 * answered with an error of its own. Read through wrappers (`cause`), and by message where a
 * wrapper keeps only that (the driver's MongoBulkWriteError of an ordered insertMany).
 */
export function mayHaveBeenApplied(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const candidate = current as { name?: unknown; beforeHandshake?: unknown; message?: unknown; cause?: unknown };
    if (candidate.name === 'PoolClearedOnNetworkError') return true;
    if (candidate.name === 'MongoNetworkError' || candidate.name === 'MongoNetworkTimeoutError') return candidate.beforeHandshake !== true;
    if (typeof candidate.message === 'string' && UNSURE_WRITE_MESSAGES.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}

/** Messages of a connection that broke under an operation in flight (see mayHaveBeenApplied). */
const UNSURE_WRITE_MESSAGES = /interrupted due to server monitor timeout|connection \d+ to \S+ (closed|timed out)|\b(ECONNRESET|EPIPE)\b|socket hang up/i;
