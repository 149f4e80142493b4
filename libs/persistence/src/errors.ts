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
