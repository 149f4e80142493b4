import { answeredDisputes, runningDeadlines, runningReviewSla } from './running-deadlines.js';
import { bd, calendar, partner, reviewer, Scenario, T0 } from './testing/fixtures.js';

describe('which deadline runs in which status, and when it is due (R3, R4, R6, R9)', () => {
  it('R3: while Submitted, the review-start SLA runs, 5 business days from submission', () => {
    const claim = new Scenario().submitted().claim;
    expect(runningReviewSla(claim, calendar)).toEqual({ kind: 'review-start', since: new Date(T0), dueAt: new Date(bd(T0, 5)) });
    expect(runningDeadlines(claim, calendar)).toEqual([{ kind: 'review-start', dueAt: new Date(bd(T0, 5)) }]);
  });

  it('R4: while UnderReview, the decision SLA runs from the review start', () => {
    const claim = new Scenario().underReview().claim;
    expect(runningReviewSla(claim, calendar)).toMatchObject({ kind: 'decision', dueAt: new Date(bd(T0, 5)) });
  });

  it('R6: while the partner is asked for information, only the partner reply window runs', () => {
    const claim = new Scenario().partnerActionRequired().claim;
    expect(runningReviewSla(claim, calendar)).toBeNull();
    expect(runningDeadlines(claim, calendar)).toEqual([{ kind: 'partner-response', dueAt: new Date(claim.infoRequest!.dueAt) }]);
  });

  it('R9: a disputed rejection runs the dispute-answer SLA from the dispute; an undisputed one runs nothing', () => {
    const scenario = new Scenario().rejected();
    expect(runningDeadlines(scenario.claim, calendar)).toEqual([]);
    scenario.run({ type: 'dispute', disputeId: 'd-1', justification: 'We did the work' }, partner, T0);
    const sla = runningReviewSla(scenario.claim, calendar);
    expect(sla).toMatchObject({ kind: 'dispute-answer', ref: 'd-1' });
    expect(sla!.dueAt.toISOString()).toBe(scenario.claim.disputes[0]!.dueAt);
  });

  it('R9: a sustained dispute is answered within the epoch (the claim stays Rejected); an overturned one leaves Rejected', () => {
    const sustained = new Scenario().rejected();
    sustained.run({ type: 'dispute', disputeId: 'd-1', justification: 'We did the work' }, partner, T0);
    expect(answeredDisputes(sustained.claim)).toEqual([]);
    sustained.run({ type: 'decideDispute', decision: 'sustained', comment: 'The PoE is still missing' }, reviewer, T0);
    expect(sustained.claim.status).toBe('Rejected');
    expect(answeredDisputes(sustained.claim)).toEqual(['d-1']);
    const overturned = new Scenario().rejected();
    overturned.run({ type: 'dispute', disputeId: 'd-2', justification: 'We did the work' }, partner, T0);
    overturned.run({ type: 'decideDispute', decision: 'overturned', comment: 'Fair point' }, reviewer, T0);
    expect(answeredDisputes(overturned.claim)).toEqual([]);
  });

  it('approved and withdrawn claims run no deadline', () => {
    expect(runningDeadlines(new Scenario().approved().claim, calendar)).toEqual([]);
    const withdrawn = new Scenario().submitted();
    withdrawn.run({ type: 'withdraw', subReason: 'wrong-mpn' }, partner, T0);
    expect(runningDeadlines(withdrawn.claim, calendar)).toEqual([]);
  });
});
