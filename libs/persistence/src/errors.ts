/** A compare-and-set lost to a concurrent change: the caller re-reads and decides again. */
export class VersionConflictError extends Error {
  readonly code = 'version-conflict';
  constructor(
    readonly claimId: string,
    readonly expectedVersion: number,
  ) {
    super(`Claim ${claimId} changed concurrently (expected version ${expectedVersion}); re-read it and retry`);
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
