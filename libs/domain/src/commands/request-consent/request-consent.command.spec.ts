import { EVENT_TYPES } from '../../event-types.js';
import { Scenario, T0, customer, partner, plusMs, reviewer, system } from '../../testing/fixtures.js';

const DAY = 24 * 3600 * 1000;

describe('decide: R7 customer consent', () => {
  it('R7: after approval the system requests consent; the customer has 7 calendar days; status stays Approved', () => {
    const s = new Scenario().approved();
    const out = s.run({ type: 'requestConsent' }, system, T0);
    expect(out.state.status).toBe('Approved');
    expect(out.state.consent).toEqual({ requestedAt: T0, deadline: '2026-06-08T14:00:00.000Z' });
    expect(out.events).toEqual([{ type: EVENT_TYPES.consentRequested, data: { deadline: '2026-06-08T14:00:00.000Z' } }]);
    expect(s.refuse({ type: 'requestConsent' }, system, T0).details.condition).toBe('consent-already-requested');
  });

  it('R7: the customer declines within 7 days: Rejected with customer-decline, not disputable', () => {
    const s = new Scenario().approved();
    s.run({ type: 'requestConsent' }, system, T0);
    const at = plusMs(T0, 6 * DAY);
    const out = s.run({ type: 'declineConsent', comment: 'We never worked with them' }, customer, at);
    expect(out.state.status).toBe('Rejected');
    expect(out.state.consent?.declinedAt).toBe(at);
    expect(out.state.rejection).toEqual({ reason: 'customer-decline', comment: 'We never worked with them', rejectedAt: at, disputeUntil: at });
    expect(out.events).toEqual([
      { type: EVENT_TYPES.rejected, data: { reason: 'customer-decline', comment: 'We never worked with them', disputeUntil: at, disputable: false } },
    ]);
    expect(out.history.actor).toEqual({ kind: 'customer', id: 'contoso-it-admin' });
  });

  it('R7: a decline after the 7 days is window-closed', () => {
    const s = new Scenario().approved();
    s.run({ type: 'requestConsent' }, system, T0);
    const err = s.refuse({ type: 'declineConsent' }, customer, plusMs(T0, 7 * DAY));
    expect(err.code).toBe('window-closed');
    expect(err.details).toMatchObject({ deadline: '2026-06-08T14:00:00.000Z' });
  });

  it('R7: once the window passes the consent period elapses and eligibility can be recorded', () => {
    const s = new Scenario().approved();
    s.run({ type: 'requestConsent' }, system, T0);
    expect(s.refuse({ type: 'recordEligibility', assessmentId: 'a-1', eligible: true }, system, T0).details.condition).toBe('consent-not-elapsed');
    expect(s.refuse({ type: 'elapseConsent' }, system, plusMs(T0, 7 * DAY - 1)).details.condition).toBe('consent-window-open');
    const out = s.run({ type: 'elapseConsent' }, system, plusMs(T0, 7 * DAY));
    expect(out.state.status).toBe('Approved');
    expect(out.events).toEqual([{ type: EVENT_TYPES.consentPeriodElapsed, data: { deadline: '2026-06-08T14:00:00.000Z' } }]);
    expect(s.refuse({ type: 'elapseConsent' }, system, plusMs(T0, 8 * DAY)).details.condition).toBe('consent-already-elapsed');
    expect(s.refuse({ type: 'declineConsent' }, customer, plusMs(T0, 8 * DAY)).code).toBe('window-closed');
  });

  it('R7: a decline before consent was requested is invalid-state; only the customer may decline', () => {
    const s = new Scenario().approved();
    expect(s.refuse({ type: 'declineConsent' }, customer, T0).details.condition).toBe('consent-not-requested');
    s.run({ type: 'requestConsent' }, system, T0);
    expect(s.refuse({ type: 'declineConsent' }, partner, T0).code).toBe('forbidden');
    expect(s.refuse({ type: 'declineConsent' }, reviewer, T0).code).toBe('forbidden');
  });

  it('R7: the consent window spans the autumn DST change at the same local time', () => {
    const s = new Scenario().approved('2026-10-28T14:00:00.000Z');
    expect(s.run({ type: 'requestConsent' }, system, '2026-10-28T14:00:00.000Z').state.consent?.deadline).toBe('2026-11-04T15:00:00.000Z');
  });
});
