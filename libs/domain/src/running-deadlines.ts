import { openDispute, type ClaimState, type SlaKind } from './claim.js';
import type { BusinessCalendar } from './business-calendar.js';
import type { ClaimStatus } from './statuses.js';
import { dueAt, getPolicy, type DeadlineKind } from './policy.js';

/**
 * Which deadline runs in which status, and when it is due: the one home of that rule (R3, R4,
 * R6, R9). The review queue, the reviewer's SLA display, the deadline timers and the SLA-breach
 * command all read it.
 */

export interface RunningSla {
  kind: SlaKind;
  /** When it started running: the claim entered its status, or the dispute was opened. */
  since: Date;
  dueAt: Date;
  /** The dispute it answers (dispute-answer). */
  ref?: string;
}

/** The status each reviewer SLA runs in (dispute-answer: while the rejection has an open dispute). */
export const SLA_STATUS: Readonly<Record<SlaKind, ClaimStatus>> = { 'review-start': 'Submitted', decision: 'UnderReview', 'dispute-answer': 'Rejected' };
/** The statuses a claim in the review queue can have (a rejected one only while its dispute is open). */
export const REVIEW_QUEUE_STATUSES: readonly ClaimStatus[] = Object.values(SLA_STATUS);

/** The reviewer's SLA running on the claim as it stands, or null. The review queue holds exactly the claims with one, oldest `since` first. */
export function runningReviewSla(claim: ClaimState, calendar: BusinessCalendar): RunningSla | null {
  if (claim.status === SLA_STATUS['review-start'] || claim.status === SLA_STATUS.decision) {
    const kind = claim.status === SLA_STATUS['review-start'] ? 'review-start' : 'decision';
    const since = new Date(claim.statusChangedAt);
    return { kind, since, dueAt: dueAt(kind, since, getPolicy(claim.policyId), calendar) };
  }
  const dispute = claim.status === SLA_STATUS['dispute-answer'] ? openDispute(claim) : undefined;
  return dispute ? { kind: 'dispute-answer', since: new Date(dispute.openedAt), dueAt: new Date(dispute.dueAt), ref: dispute.id } : null;
}

export interface RunningDeadline {
  kind: DeadlineKind;
  dueAt: Date;
  ref?: string;
}

/** Every deadline running on the claim as it stands: the reviewer's SLA, or the partner's reply window while information is requested. */
export function runningDeadlines(claim: ClaimState, calendar: BusinessCalendar): RunningDeadline[] {
  const sla = runningReviewSla(claim, calendar);
  if (sla) return [{ kind: sla.kind, dueAt: sla.dueAt, ...(sla.ref ? { ref: sla.ref } : {}) }];
  if (claim.status === 'PartnerActionRequired' && claim.infoRequest) return [{ kind: 'partner-response', dueAt: new Date(claim.infoRequest.dueAt) }];
  return [];
}

/**
 * The disputes answered while the claim stays in the dispute's status (sustained): their answer
 * deadlines (R9) no longer run, within the same status epoch. An overturned dispute changes the
 * status, which ends every deadline of the epoch anyway.
 */
export function answeredDisputes(claim: ClaimState): string[] {
  if (claim.status !== SLA_STATUS['dispute-answer']) return [];
  return claim.disputes.filter((dispute) => dispute.decision !== undefined).map((dispute) => dispute.id);
}
