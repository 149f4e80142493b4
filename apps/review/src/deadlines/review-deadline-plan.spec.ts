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
    expect(approved).toEqual({ cancel: ['review-start', 'decision', 'partner-response', 'dispute-answer'], ended: [], schedule: [] });
  });

  it('events review does not plan on change nothing', () => {
    expect(planReviewDeadlines(EVENT_TYPES.commented, claim({ status: 'Submitted', statusEpoch: 2 }), calendar)).toEqual({ cancel: [], ended: [], schedule: [] });
  });

  describe('disputes: the running deadline changes within one status epoch (Rejected)', () => {
    const rejection = { reason: 'insufficient-poe', rejectedAt: at, disputeUntil: '2026-07-01T14:00:00.000Z' } as ClaimState['rejection'];
    const d1 = { id: 'd1', openedAt: at, poeDocumentIds: [], dueAt: '2026-06-08T14:00:00.000Z' };

    it('a dispute opened starts its answer timer; nothing of the epoch is ended', () => {
      const plan = planReviewDeadlines(EVENT_TYPES.disputed, claim({ status: 'Rejected', statusEpoch: 5, rejection, disputes: [d1] }), calendar);
      expect(plan.schedule).toEqual([{ kind: 'dispute-answer', dueAt: new Date(d1.dueAt), ref: 'd1' }]);
      expect(plan.ended).toEqual([]);
    });

    it('a sustained dispute ends its own answer timer by key (the claim stays Rejected, in the same epoch)', () => {
      const decided = { ...d1, decision: 'sustained' as const, decidedAt: at };
      const plan = planReviewDeadlines(EVENT_TYPES.disputeDecided, claim({ status: 'Rejected', statusEpoch: 5, rejection, disputes: [decided] }), calendar);
      expect(plan.ended).toEqual([{ kind: 'dispute-answer', ref: 'd1' }]);
      expect(plan.schedule).toEqual([]);
    });

    it('an overturned dispute changes the status: its timer is one of the earlier epoch, cancelled by kind', () => {
      const decided = { ...d1, decision: 'overturned' as const, decidedAt: at };
      const plan = planReviewDeadlines(EVENT_TYPES.disputeDecided, claim({ status: 'UnderReview', statusEpoch: 6, disputes: [decided] }), calendar);
      expect(plan.ended).toEqual([]);
      expect(plan.cancel).toContain('dispute-answer');
    });
  });
});
