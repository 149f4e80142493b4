import type { ClaimTarget } from './checker.js';

/**
 * The lifecycles the driver takes claims through, each to a known end. Together they exercise
 * every transition of docs/lifecycle.md but `edit` in Submitted, and every email of
 * docs/notifications.md. `driverActions` are the driver's own requests (each applied once, at most);
 * `target` is where the claim must be after the drain, with the system's reactions it must show.
 */

export type PathName =
  | 'approve'
  | 'info-reply'
  | 'decline'
  | 'dispute-sustained'
  | 'dispute-overturned'
  | 'no-response'
  | 'withdraw'
  | 'sla-breach'
  | 'upstream';

export interface PathSpec {
  what: string;
  driverActions: Record<string, number>;
  target: ClaimTarget;
}

const created = { create: 1, addPoe: 1, submit: 1 };
const assessed = { requestConsent: 1, elapseConsent: 1, recordEligibility: 1 };

/** Ends Approved with its eligibility recorded: the driver's requests, then the consent window's reactions. */
function approved(what: string, driverActions: Record<string, number>): PathSpec {
  return { what, driverActions, target: { status: 'Approved', eligibility: true, actions: { ...driverActions, ...assessed } } };
}

/** Ends Rejected for `rejectionReason`; the history must show `actions` (by default the driver's requests). */
function rejected(what: string, rejectionReason: string, driverActions: Record<string, number>, actions: Record<string, number> = driverActions): PathSpec {
  return { what, driverActions, target: { status: 'Rejected', rejectionReason, actions: { ...actions } } };
}

export const PATHS: Record<PathName, PathSpec> = {
  approve: approved('create, PoE, submit, review start, reviewer comment, approve; consent window passes; eligibility', {
    ...created,
    startReview: 1,
    'comment:reviewer': 1,
    approve: 1,
  }),
  'info-reply': approved(
    'review start, info request; the partner edits (If-Match), comments, adds PoE and resubmits; review again, approve; eligibility',
    { create: 1, addPoe: 2, submit: 2, startReview: 2, requestInfo: 1, edit: 1, 'comment:partner': 1, approve: 1 },
  ),
  decline: rejected(
    'approve; the customer declines through the link in the consent email',
    'customer-decline',
    { ...created, startReview: 1, approve: 1, declineConsent: 1 },
    { ...created, startReview: 1, approve: 1, requestConsent: 1, declineConsent: 1 },
  ),
  'dispute-sustained': rejected('reject (insufficient PoE); the partner disputes; the reviewer sustains the rejection', 'insufficient-poe', {
    ...created,
    startReview: 1,
    reject: 1,
    dispute: 1,
    decideDispute: 1,
  }),
  'dispute-overturned': approved('reject (missing products); the partner disputes; the reviewer overturns, then approves; eligibility', {
    ...created,
    startReview: 1,
    reject: 1,
    dispute: 1,
    decideDispute: 1,
    approve: 1,
  }),
  'no-response': rejected(
    'info request; the partner does not answer; the 5 business days pass: rejected (no partner response)',
    'no-partner-response',
    { ...created, startReview: 1, requestInfo: 1 },
    { ...created, startReview: 1, requestInfo: 1, expirePartnerResponse: 1 },
  ),
  withdraw: rejected('submitted, then withdrawn by the partner', 'partner-request', { ...created, withdraw: 1 }),
  'sla-breach': rejected(
    'submitted and left: the review-start SLA is breached when the clock passes it; then started and rejected (PoE unavailable)',
    'poe-unavailable',
    { ...created, startReview: 1, reject: 1 },
    { ...created, recordSlaBreach: 1, startReview: 1, reject: 1 },
  ),
  upstream: approved('created, with PoE and submitted by an upstream request on cpor.claim-requests.v1; review start, approve; eligibility', {
    ...created,
    startReview: 1,
    approve: 1,
  }),
};

/** The path of the n-th claim of a batch: every path in turn. */
export function pathOf(index: number): PathName {
  const names = Object.keys(PATHS) as PathName[];
  return names[index % names.length];
}
