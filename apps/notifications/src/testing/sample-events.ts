import { type CloudEvent, type LifecycleEventData, EVENT_TYPES } from '@cpor/contracts';
import { type ClaimState } from '@cpor/domain';
import type { PlanContext } from '../notification-plan.js';

/** Example claims and events shared by the specs and the generated docs/notifications.md. */

export const SAMPLE_CLAIM: ClaimState = {
  id: 'c0ffee00-0000-4000-8000-000000000042',
  policyId: 'cpor-2020-06',
  partnerId: 'partner-contoso',
  mpnId: '1234567',
  customer: { tenantId: '8f0c2b6e-1d3a-4c5b-9e7f-0a1b2c3d4e5f', name: 'Fabrikam Ltd', domain: 'fabrikam.example' },
  customerContact: { name: 'Grace Hopper', email: 'grace@fabrikam.example' },
  partnerContact: { name: 'Ada Lovelace', email: 'ada@contoso.example' },
  products: ['microsoft-365', 'business-applications'],
  workloads: ['Teams'],
  activity: 'deployment',
  subscriptionOrTenantId: '8f0c2b6e-1d3a-4c5b-9e7f-0a1b2c3d4e5f',
  incentivesOptOut: false,
  status: 'Submitted',
  statusEpoch: 2,
  statusChangedAt: '2020-06-01T14:00:00.000Z',
  poe: [],
  disputes: [],
  createdAt: '2020-06-01T13:00:00.000Z',
  updatedAt: '2020-06-01T14:00:00.000Z',
};

/** Context the specs and docs plan with: fixed URLs and a recognisable fake decline link. */
export const SAMPLE_CONTEXT: PlanContext = {
  claimsBaseUrl: 'https://partner.cpor.example/claims',
  reviewersEmail: 'poe-reviewers@cpor.local',
  opsEmail: 'ops@cpor.local',
  timeZone: 'America/New_York',
  consentLink: (claim, deadline) => `https://consent.cpor.example/v1/consent/TOKEN-${claim.id}-${claim.statusEpoch}-${deadline}`,
};

let sequence = 0;

export function sampleEvent(
  type: string,
  fields: Record<string, unknown> = {},
  claim: Partial<ClaimState> = {},
  actor: { kind: string; id: string } = { kind: 'system', id: 'cpor' },
): CloudEvent<LifecycleEventData> {
  const state: ClaimState = { ...SAMPLE_CLAIM, ...claim };
  sequence++;
  return {
    id: `evt-${String(sequence).padStart(4, '0')}`,
    type,
    source: '/cpor/test',
    subject: state.id,
    time: state.updatedAt,
    data: { ...fields, claimId: state.id, status: state.status, actor, claim: state },
  };
}

const partner = { kind: 'partner', id: 'ada@contoso.example' };
const reviewer = { kind: 'reviewer', id: 'reviewer-7' };

export interface SampleCase {
  /** What happened, in a partner's words. */
  title: string;
  event: CloudEvent<LifecycleEventData>;
}

/** One event per kind of message the service sends (and the variants that change the text). */
export function sampleCases(): SampleCase[] {
  const rejectedAt = '2020-06-10T15:00:00.000Z';
  return [
    {
      title: 'The partner submits a claim',
      event: sampleEvent(EVENT_TYPES.submitted, { resubmission: false, reviewStartDueAt: '2020-06-08T14:00:00.000Z' }, {}, partner),
    },
    {
      title: 'A reviewer starts the review',
      event: sampleEvent(
        EVENT_TYPES.reviewStarted,
        { decisionDueAt: '2020-06-09T14:00:00.000Z' },
        { status: 'UnderReview', statusEpoch: 3, updatedAt: '2020-06-02T14:00:00.000Z' },
        reviewer,
      ),
    },
    {
      title: 'A reviewer asks for more information',
      event: sampleEvent(
        EVENT_TYPES.infoRequested,
        {
          reasons: ['missing-customer-acknowledgment', 'missing-or-old-dates'],
          comment: 'The statement of work is not signed by Fabrikam, and its dates are from 2018.',
          dueAt: '2020-06-10T14:00:00.000Z',
        },
        { status: 'PartnerActionRequired', statusEpoch: 4, updatedAt: '2020-06-03T14:00:00.000Z' },
        reviewer,
      ),
    },
    {
      title: 'A reviewer comments on the claim',
      event: sampleEvent(
        EVENT_TYPES.commented,
        { text: 'Could you add the signed acceptance letter as well?', authorKind: 'reviewer' },
        { status: 'UnderReview', statusEpoch: 5, updatedAt: '2020-06-04T14:00:00.000Z' },
        reviewer,
      ),
    },
    {
      title: 'The claim is approved and the customer is asked for consent',
      event: sampleEvent(
        EVENT_TYPES.consentRequested,
        { deadline: '2020-06-12T14:00:00.000Z' },
        {
          status: 'Approved',
          statusEpoch: 6,
          approvedAt: '2020-06-05T13:59:00.000Z',
          consent: { requestedAt: '2020-06-05T14:00:00.000Z', deadline: '2020-06-12T14:00:00.000Z' },
          updatedAt: '2020-06-05T14:00:00.000Z',
        },
      ),
    },
    {
      title: 'The consent period ends without a decline',
      event: sampleEvent(
        EVENT_TYPES.consentPeriodElapsed,
        { deadline: '2020-06-12T14:00:00.000Z' },
        {
          status: 'Approved',
          statusEpoch: 6,
          consent: { requestedAt: '2020-06-05T14:00:00.000Z', deadline: '2020-06-12T14:00:00.000Z', elapsedAt: '2020-06-12T14:00:05.000Z' },
          updatedAt: '2020-06-12T14:00:05.000Z',
        },
      ),
    },
    {
      title: 'A reviewer rejects the claim',
      event: sampleEvent(
        EVENT_TYPES.rejected,
        { reason: 'insufficient-poe', comment: 'The documents do not show any work delivered for Fabrikam.', disputeUntil: '2020-07-10T15:00:00.000Z', disputable: true },
        {
          status: 'Rejected',
          statusEpoch: 6,
          rejection: { reason: 'insufficient-poe', rejectedAt, disputeUntil: '2020-07-10T15:00:00.000Z' },
          updatedAt: rejectedAt,
        },
        reviewer,
      ),
    },
    {
      title: 'The partner withdraws the claim (rejected at the partner\'s request)',
      event: sampleEvent(
        EVENT_TYPES.rejected,
        { reason: 'partner-request', subReason: 'wrong-mpn', disputeUntil: rejectedAt, disputable: false },
        {
          status: 'Rejected',
          statusEpoch: 6,
          rejection: { reason: 'partner-request', subReason: 'wrong-mpn', rejectedAt, disputeUntil: rejectedAt },
          updatedAt: rejectedAt,
        },
        partner,
      ),
    },
    {
      title: 'The partner disputes the rejection',
      event: sampleEvent(
        EVENT_TYPES.disputed,
        { disputeId: 'dispute-1', justification: 'Signed acceptance letter attached.', poeDocumentIds: [], dueAt: '2020-06-18T14:00:00.000Z' },
        {
          status: 'Rejected',
          statusEpoch: 6,
          rejection: { reason: 'insufficient-poe', rejectedAt, disputeUntil: '2020-07-10T15:00:00.000Z' },
          disputes: [{ id: 'dispute-1', openedAt: '2020-06-11T14:00:00.000Z', poeDocumentIds: [], dueAt: '2020-06-18T14:00:00.000Z' }],
          updatedAt: '2020-06-11T14:00:00.000Z',
        },
        partner,
      ),
    },
    {
      title: 'A reviewer overturns the rejection',
      event: sampleEvent(
        EVENT_TYPES.disputeDecided,
        { disputeId: 'dispute-1', decision: 'overturned', comment: 'The acceptance letter settles it.', decisionDueAt: '2020-06-22T14:00:00.000Z' },
        {
          status: 'UnderReview',
          statusEpoch: 7,
          disputes: [
            { id: 'dispute-1', openedAt: '2020-06-11T14:00:00.000Z', poeDocumentIds: [], dueAt: '2020-06-18T14:00:00.000Z', decision: 'overturned', decidedAt: '2020-06-15T14:00:00.000Z' },
          ],
          updatedAt: '2020-06-15T14:00:00.000Z',
        },
        reviewer,
      ),
    },
    {
      title: 'A reviewer sustains the rejection',
      event: sampleEvent(
        EVENT_TYPES.disputeDecided,
        { disputeId: 'dispute-1', decision: 'sustained', comment: 'The letter is not signed by the customer either.' },
        {
          status: 'Rejected',
          statusEpoch: 6,
          rejection: { reason: 'insufficient-poe', rejectedAt, disputeUntil: '2020-07-10T15:00:00.000Z' },
          disputes: [
            { id: 'dispute-1', openedAt: '2020-06-11T14:00:00.000Z', poeDocumentIds: [], dueAt: '2020-06-18T14:00:00.000Z', decision: 'sustained', decidedAt: '2020-06-15T14:00:00.000Z' },
          ],
          updatedAt: '2020-06-15T14:00:00.000Z',
        },
        reviewer,
      ),
    },
    {
      title: 'The review does not start in time (SLA breach)',
      event: sampleEvent(EVENT_TYPES.slaBreached, { sla: 'review-start', dueAt: '2020-06-08T14:00:00.000Z', statusEpoch: 2 }, { updatedAt: '2020-06-08T14:00:10.000Z' }),
    },
  ];
}
