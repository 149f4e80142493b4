import { EVENT_TYPES } from '../../event-types.js';
import { Scenario, T0, bd, plusMs, reviewer, system } from '../../testing/fixtures.js';

describe('decide: R3 review start SLA', () => {
  it('R3: a reviewer starts the review of a Submitted claim', () => {
    const s = new Scenario().submitted();
    const out = s.run({ type: 'startReview' }, reviewer, bd(T0, 1));
    expect(out.state).toMatchObject({ status: 'UnderReview', reviewStartedAt: bd(T0, 1) });
    expect(out.events).toEqual([{ type: EVENT_TYPES.reviewStarted, data: { decisionDueAt: bd(T0, 6) } }]);
  });

  it('R3: review not started within 5 business days records an SLA breach, status unchanged', () => {
    const s = new Scenario().submitted();
    const due = bd(T0, 5);
    expect(due).toBe('2026-06-08T14:00:00.000Z');
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'review-start' }, system, plusMs(due, -1)).details.condition).toBe('sla-not-breached');
    const out = s.run({ type: 'recordSlaBreach', sla: 'review-start', statusEpoch: 2 }, system, due);
    expect(out.state.status).toBe('Submitted');
    expect(out.state.statusEpoch).toBe(2);
    expect(out.events).toEqual([{ type: EVENT_TYPES.slaBreached, data: { sla: 'review-start', dueAt: due, statusEpoch: 2 } }]);
    expect(out.history).toMatchObject({ fromStatus: 'Submitted', toStatus: 'Submitted' });
  });

  it('R3: the same breach is recorded once even if the timer fires twice', () => {
    const s = new Scenario().submitted();
    s.run({ type: 'recordSlaBreach', sla: 'review-start' }, system, bd(T0, 5));
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'review-start' }, system, bd(T0, 6)).details.condition).toBe('sla-breach-already-recorded');
  });

  it('R3: a stale review-start timer is refused after the claim moved on', () => {
    const s = new Scenario().submitted();
    s.run({ type: 'startReview' }, reviewer, bd(T0, 1));
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'review-start' }, system, bd(T0, 5)).details.condition).toBe('sla-not-running');
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'decision', statusEpoch: 2 }, system, bd(T0, 9)).details.condition).toBe('stale-deadline');
  });

  it('R3: only the system records SLA breaches', () => {
    const s = new Scenario().submitted();
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'review-start' }, reviewer, bd(T0, 5)).code).toBe('forbidden');
  });

  it('R3: under cpor-2023-10 the review-start SLA is 14 business days', () => {
    const s = new Scenario('cpor-2023-10').submitted();
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'review-start' }, system, bd(T0, 5)).details.dueAt).toBe(bd(T0, 14));
    expect(s.run({ type: 'recordSlaBreach', sla: 'review-start' }, system, bd(T0, 14)).state.status).toBe('Submitted');
  });
});
