import { answeredDisputes, CREATED_STATUS_EPOCH, EVENT_TYPES, runningDeadlines, type BusinessCalendar, type ClaimState } from '@cpor/domain';
import { TOPICS, typesOn } from '@cpor/contracts';

export const REVIEW_DEADLINES = ['review-start', 'decision', 'partner-response', 'dispute-answer'] as const;
export type ReviewDeadlineKind = (typeof REVIEW_DEADLINES)[number];

export interface DeadlinePlan {
  /** Kinds that do not run after the event: their deadlines of earlier status epochs are moot. */
  cancel: ReviewDeadlineKind[];
  /**
   * Deadlines of the event's own status epoch that it ended: the dispute-answer timers of the
   * disputes it decided (a sustained dispute keeps the status, and so the epoch).
   */
  ended: Array<{ kind: ReviewDeadlineKind; ref: string }>;
  schedule: Array<{ kind: ReviewDeadlineKind; dueAt: Date; ref?: string }>;
}

/**
 * The events that change which review deadline runs (a status change, or a dispute opened or
 * decided): the lifecycle events review subscribes to, which it does for its deadlines alone.
 */
const PLANNED_ON: ReadonlySet<string> = new Set(typesOn('review', TOPICS.claimEvents));

/**
 * Which review deadlines a lifecycle event starts and which it makes moot (R3, R4, R6, R9): those
 * the domain says run on the claim as it stands after the event are scheduled; the others, of
 * earlier status epochs, cancelled. Pure: the claim in the event is the state right after it, so a
 * replay plans the same thing.
 *
 * Within one epoch the running deadlines change only by disputes (opened, then decided), so an
 * event cancels by kind only what earlier epochs left: a replayed `rejected` event, whose claim
 * has no dispute yet, must not cancel the answer timer of a dispute opened after it in the same
 * epoch. What a decided dispute ends is cancelled by its own key, which no replay can revive.
 */
export function planReviewDeadlines(type: string, claim: ClaimState, calendar: BusinessCalendar): DeadlinePlan {
  if (!PLANNED_ON.has(type)) return { cancel: [], ended: [], schedule: [] };
  const running = runningDeadlines(claim, calendar);
  return {
    cancel: firstSubmission(type, claim) ? [] : REVIEW_DEADLINES.filter((kind) => !running.some((deadline) => deadline.kind === kind)),
    ended: decidedDisputesKeepingTheStatus(type, claim),
    schedule: running,
  };
}

/** A sustained dispute: the claim stays Rejected, in the same epoch, and the dispute's answer timer ends. */
function decidedDisputesKeepingTheStatus(type: string, claim: ClaimState): DeadlinePlan['ended'] {
  if (type !== EVENT_TYPES.disputeDecided) return [];
  return answeredDisputes(claim).map((ref) => ({ kind: 'dispute-answer', ref }));
}

/**
 * A claim submitted for the first time comes from the status it was created in (Editing), where no
 * deadline runs: there is nothing to cancel, and not asking saves a store command per claim.
 */
function firstSubmission(type: string, claim: ClaimState): boolean {
  return type === EVENT_TYPES.submitted && claim.statusEpoch === CREATED_STATUS_EPOCH + 1;
}
