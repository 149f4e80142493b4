import type { CloudEvent } from './envelope.js';
import { NonRetryableError } from '@cpor/kernel';
import type { ClaimState, ClaimStatus } from '@cpor/domain';

/** Payload of every lifecycle event: the event's own fields plus the claim as it stood after it. */
export interface LifecycleEventData {
  claimId: string;
  status: ClaimStatus;
  actor: { kind: string; id: string };
  claim: ClaimState;
  [field: string]: unknown;
}

/**
 * Checks that a lifecycle event carries the claim state a handler needs. Without it no retry
 * can help, so the event goes straight to the dead-letter topic (never silently skipped).
 * `claimFields` are extra dot paths the handler reads (e.g. 'partnerContact.email').
 */
export function assertLifecycleEvent(event: CloudEvent<LifecycleEventData>, claimFields: string[] = []): void {
  const data = event?.data as Partial<LifecycleEventData> | undefined;
  const claim = data?.claim as Record<string, unknown> | undefined;
  const missing = [
    typeof data?.claimId === 'string' ? '' : 'claimId',
    typeof claim?.id === 'string' ? '' : 'claim.id',
    typeof claim?.statusEpoch === 'number' ? '' : 'claim.statusEpoch',
    typeof claim?.policyId === 'string' ? '' : 'claim.policyId',
    ...claimFields.map((path) => (valueAt(claim, path) === undefined ? `claim.${path}` : '')),
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new NonRetryableError(`event ${event?.id} (${event?.type}) has no usable claim state (missing ${missing.join(', ')})`);
  }
}

function valueAt(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), root);
}
