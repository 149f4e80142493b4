import { CREATED_STATUS_EPOCH, EVENT_TYPES, runningDeadlines, type BusinessCalendar, type ClaimState } from '@cpor/domain';
import { TOPICS, typesOn } from '@cpor/contracts';

export const REVIEW_DEADLINES = ['review-start', 'decision', 'partner-response', 'dispute-answer'] as const;
export type ReviewDeadlineKind = (typeof REVIEW_DEADLINES)[number];

export interface DeadlinePlan {
  cancel: ReviewDeadlineKind[];
  schedule: Array<{ kind: ReviewDeadlineKind; dueAt: Date; ref?: string }>;
}

/**
 * The events that change which review deadline runs (a status change, or a dispute opened or
 * decided): the lifecycle events review subscribes to, which it does for its deadlines alone.
 */
const PLANNED_ON: ReadonlySet<string> = new Set(typesOn('review', TOPICS.claimEvents));

/**
 * Which review deadlines a lifecycle event starts and which it makes moot (R3, R4, R6, R9): those
 * the domain says run on the claim as it stands after the event are scheduled, the others
 * cancelled. Pure: the claim in the event is the state right after it, so a replay plans the same thing.
 */
export function planReviewDeadlines(type: string, claim: ClaimState, calendar: BusinessCalendar): DeadlinePlan {
  if (!PLANNED_ON.has(type)) return { cancel: [], schedule: [] };
  const running = runningDeadlines(claim, calendar);
  return {
    cancel: firstSubmission(type, claim) ? [] : REVIEW_DEADLINES.filter((kind) => !running.some((deadline) => deadline.kind === kind)),
    schedule: running,
  };
}

/**
 * A claim submitted for the first time comes from the status it was created in (Editing), where no
 * deadline runs: there is nothing to cancel, and not asking saves a store command per claim.
 */
function firstSubmission(type: string, claim: ClaimState): boolean {
  return type === EVENT_TYPES.submitted && claim.statusEpoch === CREATED_STATUS_EPOCH + 1;
}
