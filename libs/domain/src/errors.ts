import type { ClaimStatus } from './statuses.js';

export type DomainErrorCode = 'invalid-state' | 'forbidden' | 'invalid-command' | 'window-closed' | 'not-found';

/**
 * A refusal by the domain. Callers map `code` to their protocol (HTTP: invalid-state 409,
 * forbidden 403, invalid-command 400/422, window-closed 409/422, not-found 404).
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** invalid-state details: where the claim is, where the action is allowed, and an optional finer condition. */
export interface InvalidStateDetails {
  currentStatus: ClaimStatus | null;
  allowedStates: ClaimStatus[];
  action: string;
  condition?: string;
  [key: string]: unknown;
}

export function invalidState(message: string, details: InvalidStateDetails): DomainError {
  return new DomainError('invalid-state', message, details);
}

export function invalidCommand(errors: string[]): DomainError {
  return new DomainError('invalid-command', `Invalid command: ${errors.join('; ')}`, { errors });
}
