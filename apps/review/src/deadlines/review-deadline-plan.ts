import { dueAt, getPolicy, openDispute, type BusinessCalendar, type ClaimState } from '@cpor/domain';
import { EVENT_TYPES } from '@cpor/contracts';

export const REVIEW_DEADLINES = ['review-start', 'decision', 'partner-response', 'dispute-answer'] as const;
export type ReviewDeadlineKind = (typeof REVIEW_DEADLINES)[number];

export interface DeadlinePlan {
  cancel: ReviewDeadlineKind[];
  schedule: Array<{ kind: ReviewDeadlineKind; dueAt: Date; ref?: string }>;
}

/**
 * Which review deadlines a lifecycle event starts and which it makes moot (R3, R4, R6, R9).
 * Pure: the claim in the event is the state right after it, so a replay plans the same thing.
 */
export function planReviewDeadlines(type: string, claim: ClaimState, calendar: BusinessCalendar): DeadlinePlan {
  const policy = getPolicy(claim.policyId);
  const since = new Date(claim.statusChangedAt);
  switch (type) {
    case EVENT_TYPES.submitted:
      return { cancel: ['partner-response'], schedule: [{ kind: 'review-start', dueAt: dueAt('review-start', since, policy, calendar) }] };
    case EVENT_TYPES.reviewStarted:
      return { cancel: ['review-start'], schedule: [{ kind: 'decision', dueAt: dueAt('decision', since, policy, calendar) }] };
    case EVENT_TYPES.infoRequested:
      return { cancel: ['decision'], schedule: claim.infoRequest ? [{ kind: 'partner-response', dueAt: new Date(claim.infoRequest.dueAt) }] : [] };
    case EVENT_TYPES.approved:
    case EVENT_TYPES.rejected:
      return { cancel: ['review-start', 'decision', 'partner-response'], schedule: [] };
    case EVENT_TYPES.disputed: {
      const dispute = openDispute(claim);
      return { cancel: [], schedule: dispute ? [{ kind: 'dispute-answer', dueAt: new Date(dispute.dueAt), ref: dispute.id }] : [] };
    }
    case EVENT_TYPES.disputeDecided:
      return {
        cancel: ['dispute-answer'],
        schedule: claim.status === 'UnderReview' ? [{ kind: 'decision', dueAt: dueAt('decision', since, policy, calendar) }] : [],
      };
    default:
      return { cancel: [], schedule: [] };
  }
}
