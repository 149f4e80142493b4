import type { ClaimDto } from '@cpor/contracts';
import { getPolicy, mayDispute, runningDeadlines, type BusinessCalendar, type ClaimState } from '@cpor/domain';

/** The next date a claim waits for, and on whom: what the dashboard and the claim page show. */
export interface NextDeadline {
  dueAt: string;
  waitsOn: 'reviewers' | 'partner' | 'customer';
  what: string;
}

const WHAT = {
  'review-start': 'Review to start',
  decision: 'Review decision',
  'partner-response': "The partner's reply with the requested information",
  'dispute-answer': "Reviewers' answer to the dispute",
} as const;

/**
 * The domain's running deadlines (the reviewer SLAs, the partner's reply window: the same rule the
 * timers use), and the two windows it does not time for anyone: the customer's consent window and
 * the partner's dispute window while the partner may still dispute (the domain's rule: mayDispute).
 */
export function nextDeadline(claim: ClaimDto, calendar: BusinessCalendar, now: Date = new Date()): NextDeadline | undefined {
  const state = claim as unknown as ClaimState;
  const [running] = runningDeadlines(state, calendar);
  if (running) return { dueAt: running.dueAt.toISOString(), waitsOn: running.kind === 'partner-response' ? 'partner' : 'reviewers', what: WHAT[running.kind] };
  if (claim.status === 'Approved' && claim.consent && !claim.consent.declinedAt && !claim.consent.elapsedAt) {
    return { dueAt: claim.consent.deadline, waitsOn: 'customer', what: 'End of the customer consent window' };
  }
  if (claim.status === 'Rejected' && claim.rejection && mayDispute(state, getPolicy(claim.policyId), now)) {
    return { dueAt: claim.rejection.disputeUntil, waitsOn: 'partner', what: 'Dispute window closes' };
  }
  return undefined;
}
