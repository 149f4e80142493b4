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
  name: PathName;
  what: string;
  driverActions: Record<string, number>;
  target: ClaimTarget;
}

const created = { create: 1, addPoe: 1, submit: 1 };
const assessed = { requestConsent: 1, elapseConsent: 1, recordEligibility: 1 };

export const PATHS: Record<PathName, PathSpec> = {
  approve: {
    name: 'approve',
    what: 'create, PoE, submit, review start, reviewer comment, approve; consent window passes; eligibility',
    driverActions: { ...created, startReview: 1, 'comment:reviewer': 1, approve: 1 },
    target: { status: 'Approved', eligibility: true, actions: { ...created, startReview: 1, 'comment:reviewer': 1, approve: 1, ...assessed } },
  },
  'info-reply': {
    name: 'info-reply',
    what: 'review start, info request; the partner edits (If-Match), comments, adds PoE and resubmits; review again, approve; eligibility',
    driverActions: { create: 1, addPoe: 2, submit: 2, startReview: 2, requestInfo: 1, edit: 1, 'comment:partner': 1, approve: 1 },
    target: {
      status: 'Approved',
      eligibility: true,
      actions: { create: 1, addPoe: 2, submit: 2, startReview: 2, requestInfo: 1, edit: 1, 'comment:partner': 1, approve: 1, ...assessed },
    },
  },
  decline: {
    name: 'decline',
    what: 'approve; the customer declines through the link in the consent email',
    driverActions: { ...created, startReview: 1, approve: 1, declineConsent: 1 },
    target: { status: 'Rejected', rejectionReason: 'customer-decline', actions: { ...created, startReview: 1, approve: 1, requestConsent: 1, declineConsent: 1 } },
  },
  'dispute-sustained': {
    name: 'dispute-sustained',
    what: 'reject (insufficient PoE); the partner disputes; the reviewer sustains the rejection',
    driverActions: { ...created, startReview: 1, reject: 1, dispute: 1, decideDispute: 1 },
    target: { status: 'Rejected', rejectionReason: 'insufficient-poe', actions: { ...created, startReview: 1, reject: 1, dispute: 1, decideDispute: 1 } },
  },
  'dispute-overturned': {
    name: 'dispute-overturned',
    what: 'reject (missing products); the partner disputes; the reviewer overturns, then approves; eligibility',
    driverActions: { ...created, startReview: 1, reject: 1, dispute: 1, decideDispute: 1, approve: 1 },
    target: { status: 'Approved', eligibility: true, actions: { ...created, startReview: 1, reject: 1, dispute: 1, decideDispute: 1, approve: 1, ...assessed } },
  },
  'no-response': {
    name: 'no-response',
    what: 'info request; the partner does not answer; the 5 business days pass: rejected (no partner response)',
    driverActions: { ...created, startReview: 1, requestInfo: 1 },
    target: { status: 'Rejected', rejectionReason: 'no-partner-response', actions: { ...created, startReview: 1, requestInfo: 1, expirePartnerResponse: 1 } },
  },
  withdraw: {
    name: 'withdraw',
    what: 'submitted, then withdrawn by the partner',
    driverActions: { ...created, withdraw: 1 },
    target: { status: 'Rejected', rejectionReason: 'partner-request', actions: { ...created, withdraw: 1 } },
  },
  'sla-breach': {
    name: 'sla-breach',
    what: 'submitted and left: the review-start SLA is breached when the clock passes it; then started and rejected (PoE unavailable)',
    driverActions: { ...created, startReview: 1, reject: 1 },
    target: { status: 'Rejected', rejectionReason: 'poe-unavailable', actions: { ...created, recordSlaBreach: 1, startReview: 1, reject: 1 } },
  },
  upstream: {
    name: 'upstream',
    what: 'created, with PoE and submitted by an upstream request on cpor.claim-requests.v1; review start, approve; eligibility',
    driverActions: { ...created, startReview: 1, approve: 1 },
    target: { status: 'Approved', eligibility: true, actions: { ...created, startReview: 1, approve: 1, ...assessed } },
  },
};

/** The path of the n-th claim of a batch: every path in turn. */
export function pathOf(index: number): PathName {
  const names = Object.keys(PATHS) as PathName[];
  return names[index % names.length];
}
