import { EVENT_TYPES } from '../../event-types.js';
import { Scenario, T0, bd, plusMs, reviewer, system } from '../../testing/fixtures.js';

describe('decide: R4 decision SLA', () => {
  it('R4: no decision within 5 business days of review start records an SLA breach, status unchanged', () => {
    const s = new Scenario().submitted();
    const started = bd(T0, 2);
    s.run({ type: 'startReview' }, reviewer, started);
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'decision' }, system, plusMs(bd(started, 5), -1)).code).toBe('invalid-state');
    const out = s.run({ type: 'recordSlaBreach', sla: 'decision' }, system, bd(started, 5));
    expect(out.state.status).toBe('UnderReview');
    expect(out.events[0].data).toEqual({ sla: 'decision', dueAt: bd(started, 5), statusEpoch: 3 });
  });

  it('R4: under cpor-2023-10 the decision SLA is 14 business days', () => {
    const s = new Scenario('cpor-2023-10').underReview();
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'decision' }, system, bd(T0, 13)).details.dueAt).toBe(bd(T0, 14));
  });

  it('R4: the reviewer approves or rejects within the SLA', () => {
    const s = new Scenario().underReview();
    const out = s.run({ type: 'approve', comment: 'PoE is complete' }, reviewer, bd(T0, 3));
    expect(out.state).toMatchObject({ status: 'Approved', approvedAt: bd(T0, 3) });
    expect(out.events).toEqual([{ type: EVENT_TYPES.approved, data: { comment: 'PoE is complete' } }]);
  });
});
