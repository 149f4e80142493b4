import { openDispute, type ClaimState } from './claim.js';
import { DomainError, invalidState } from './errors.js';
import type { Policy } from './policy.js';
import { NON_DISPUTABLE_REJECTION_REASONS, isOneOf, shortReasonLabel } from './reasons.js';
import type { ClaimStatus } from './statuses.js';

/** R8: partner-requested and customer-declined rejections cannot be disputed. */
export function isDisputableReason(reason: string): boolean {
  return !isOneOf(NON_DISPUTABLE_REJECTION_REASONS, reason);
}

/**
 * R9: may a dispute be opened now? The reason must be disputable, no dispute may be open, the
 * policy's dispute count must not be used up, and the window (calendar days from rejection) must
 * be open. Answers why not, or null. The one home of the rule: the dispute command refuses with
 * it, and the emails say whether another dispute is possible with it.
 */
export function disputeRefusal(claim: ClaimState, policy: Policy, now: Date, action: string): DomainError | null {
  const rejected = claim.rejection;
  const base = { currentStatus: claim.status, allowedStates: ['Rejected'] as ClaimStatus[], action };
  if (!rejected) return invalidState('The claim has no rejection to dispute', { ...base, condition: 'no-rejection' });
  if (!isDisputableReason(rejected.reason)) {
    return invalidState(`A rejection for ${shortReasonLabel(rejected.reason).toLowerCase()} cannot be disputed; submit a new claim instead`, {
      ...base,
      condition: 'rejection-not-disputable',
      rejectionReason: rejected.reason,
    });
  }
  const open = openDispute(claim);
  if (open) return invalidState(`Dispute ${open.id} is still waiting for a decision`, { ...base, condition: 'dispute-open', disputeId: open.id });
  if (policy.maxDisputes !== null && claim.disputes.length >= policy.maxDisputes) {
    return new DomainError(
      'window-closed',
      `Policy ${policy.id} allows ${policy.maxDisputes} dispute(s) per claim and none is left; to pursue this, submit a new claim with updated PoE`,
      { action, reason: 'max-disputes', maxDisputes: policy.maxDisputes, disputes: claim.disputes.length },
    );
  }
  if (now.getTime() >= Date.parse(rejected.disputeUntil)) {
    return new DomainError(
      'window-closed',
      `The ${policy.disputeWindowDays}-day dispute window closed at ${rejected.disputeUntil}; to pursue this, submit a new claim with updated PoE`,
      { action, reason: 'dispute-window', disputeUntil: rejected.disputeUntil },
    );
  }
  return null;
}

export function assertDisputeCanOpen(claim: ClaimState, policy: Policy, now: Date, action: string): void {
  const refusal = disputeRefusal(claim, policy, now, action);
  if (refusal) throw refusal;
}

/** R9: whether the partner may dispute the claim at `now` (again, after a sustained dispute). */
export function mayDispute(claim: ClaimState, policy: Policy, now: Date): boolean {
  return disputeRefusal(claim, policy, now, 'dispute') === null;
}
