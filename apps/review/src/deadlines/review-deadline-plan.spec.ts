import { describe, expect, it } from '@jest/globals';
import { BusinessCalendar, CREATED_STATUS_EPOCH, EVENT_TYPES, POLICIES, type ClaimState } from '@cpor/domain';
import { planReviewDeadlines } from './review-deadline-plan.js';

const calendar = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' });
const at = '2026-06-01T14:00:00.000Z';

// Only the fields the plan reads.
const claim = (overrides: Partial<ClaimState>): ClaimState =>
  ({ id: 'claim-1', policyId: Object.keys(POLICIES)[0], statusChangedAt: at, disputes: [], ...overrides }) as ClaimState;

describe('which review deadlines a lifecycle event schedules and cancels', () => {
  it('a first submission schedules the review-start SLA and cancels nothing: it comes from Editing, where none runs', () => {
    const plan = planReviewDeadlines(EVENT_TYPES.submitted, claim({ status: 'Submitted', statusEpoch: CREATED_STATUS_EPOCH + 1 }), calendar);
    expect(plan.schedule.map((deadline) => deadline.kind)).toEqual(['review-start']);
    expect(plan.cancel).toEqual([]);
  });

  it('a resubmission cancels every deadline but review-start (the partner reply window among them)', () => {
    const plan = planReviewDeadlines(EVENT_TYPES.submitted, claim({ status: 'Submitted', statusEpoch: CREATED_STATUS_EPOCH + 4 }), calendar);
    expect(plan.schedule.map((deadline) => deadline.kind)).toEqual(['review-start']);
    expect(plan.cancel).toEqual(['decision', 'partner-response', 'dispute-answer']);
  });

  it('the review start swaps review-start for the decision SLA; an approval cancels all', () => {
    const started = planReviewDeadlines(EVENT_TYPES.reviewStarted, claim({ status: 'UnderReview', statusEpoch: 3 }), calendar);
    expect(started.schedule.map((deadline) => deadline.kind)).toEqual(['decision']);
    expect(started.cancel).toEqual(['review-start', 'partner-response', 'dispute-answer']);
    const approved = planReviewDeadlines(EVENT_TYPES.approved, claim({ status: 'Approved', statusEpoch: 4 }), calendar);
    expect(approved).toEqual({ cancel: ['review-start', 'decision', 'partner-response', 'dispute-answer'], schedule: [] });
  });

  it('events review does not plan on change nothing', () => {
    expect(planReviewDeadlines(EVENT_TYPES.commented, claim({ status: 'Submitted', statusEpoch: 2 }), calendar)).toEqual({ cancel: [], schedule: [] });
  });
});
