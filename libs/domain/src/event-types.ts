/**
 * CloudEvents `type` of every lifecycle event on `cpor.claim-events.v1`, and of the
 * downstream assessment on `cpor.claim-eligibility.v1`. Consumers dispatch on these.
 */
export const EVENT_TYPES = {
  created: 'cpor.claim.created.v1',
  edited: 'cpor.claim.edited.v1',
  poeAdded: 'cpor.claim.poe-added.v1',
  submitted: 'cpor.claim.submitted.v1',
  commented: 'cpor.claim.commented.v1',
  reviewStarted: 'cpor.claim.review-started.v1',
  infoRequested: 'cpor.claim.info-requested.v1',
  approved: 'cpor.claim.approved.v1',
  rejected: 'cpor.claim.rejected.v1',
  disputed: 'cpor.claim.disputed.v1',
  disputeDecided: 'cpor.claim.dispute-decided.v1',
  slaBreached: 'cpor.claim.sla-breached.v1',
  consentRequested: 'cpor.claim.consent-requested.v1',
  consentPeriodElapsed: 'cpor.claim.consent-period-elapsed.v1',
  eligibilityAssessed: 'cpor.claim.eligibility-assessed.v1',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** The downstream contract's record type on `cpor.claim-eligibility.v1`. */
export const ASSESSMENT_TYPE = 'cpor.claim-eligibility.assessment.v1';

/** Command types accepted from upstream systems on `cpor.claim-requests.v1`. */
export const REQUEST_TYPES = {
  create: 'cpor.claim-request.create.v1',
  edit: 'cpor.claim-request.edit.v1',
  addPoe: 'cpor.claim-request.add-poe.v1',
  submit: 'cpor.claim-request.submit.v1',
  comment: 'cpor.claim-request.comment.v1',
  withdraw: 'cpor.claim-request.withdraw.v1',
  dispute: 'cpor.claim-request.dispute.v1',
} as const;

export type RequestType = (typeof REQUEST_TYPES)[keyof typeof REQUEST_TYPES];

/** Record type on `cpor.claim-requests.rejected.v1`. */
export const REQUEST_REJECTED_TYPE = 'cpor.claim-request.rejected.v1';
