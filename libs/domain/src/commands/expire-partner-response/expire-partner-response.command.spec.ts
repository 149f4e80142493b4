import { EVENT_TYPES } from '../../event-types.js';
import { type ClaimCommand } from '../../commands.js';
import { Scenario, T0, bd, partner, plusMs, poeDoc, reviewer, system } from '../../testing/fixtures.js';

describe('decide: R6 partner response deadline', () => {
  it('R6: partner silent for 5 business days is rejected with no-partner-response', () => {
    const s = new Scenario().partnerActionRequired();
    const due = bd(T0, 5);
    const out = s.run({ type: 'expirePartnerResponse', statusEpoch: 4 }, system, due);
    expect(out.state.status).toBe('Rejected');
    expect(out.state.rejection).toEqual({ reason: 'no-partner-response', rejectedAt: due, disputeUntil: '2026-07-08T14:00:00.000Z' });
    expect(out.events).toEqual([
      { type: EVENT_TYPES.rejected, data: { reason: 'no-partner-response', disputeUntil: '2026-07-08T14:00:00.000Z', disputable: true } },
    ]);
  });

  it('R6: the deadline cannot fire before 5 business days have passed', () => {
    const s = new Scenario().partnerActionRequired();
    const err = s.refuse({ type: 'expirePartnerResponse' }, system, plusMs(bd(T0, 5), -1));
    expect(err.details).toMatchObject({ condition: 'deadline-not-reached', dueAt: bd(T0, 5) });
  });

  it('R6: the partner provides the info and resubmits in time: Submitted again (resubmission)', () => {
    const s = new Scenario().partnerActionRequired();
    s.run({ type: 'addPoe', document: poeDoc('doc-2') }, partner, bd(T0, 2));
    const out = s.run({ type: 'submit' }, partner, bd(T0, 3));
    expect(out.state.status).toBe('Submitted');
    expect(out.events).toEqual([{ type: EVENT_TYPES.submitted, data: { resubmission: true, reviewStartDueAt: bd(T0, 8) } }]);
    // The PAR timer that fires later finds nothing to expire.
    expect(s.refuse({ type: 'expirePartnerResponse', statusEpoch: 4 }, system, bd(T0, 5)).details.currentStatus).toBe('Submitted');
  });

  it('R6: once the response window has closed the partner can no longer edit, add PoE or resubmit', () => {
    const s = new Scenario().partnerActionRequired();
    const due = bd(T0, 5);
    for (const command of [{ type: 'submit' }, { type: 'edit', changes: { mpnId: '7654321' } }, { type: 'addPoe', document: poeDoc('doc-late') }] as ClaimCommand[]) {
      const err = s.refuse(command, partner, due);
      expect(err.code).toBe('window-closed');
      expect(err.details).toMatchObject({ reason: 'partner-response-window', dueAt: due });
    }
    // One millisecond earlier the resubmission is still in time.
    expect(s.run({ type: 'submit' }, partner, plusMs(due, -1)).state.status).toBe('Submitted');
  });

  it('R6: a stale PAR timer from an earlier info request is refused', () => {
    const s = new Scenario().partnerActionRequired();
    s.run({ type: 'submit' }, partner, bd(T0, 1));
    s.run({ type: 'startReview' }, reviewer, bd(T0, 2));
    s.run({ type: 'requestInfo', reasons: ['missing-products'], comment: 'Add Teams to the PoE' }, reviewer, bd(T0, 3));
    // The first request's timer (epoch 4) fires at its due time; the claim is in PAR again, epoch 7.
    expect(s.refuse({ type: 'expirePartnerResponse', statusEpoch: 4 }, system, bd(T0, 5)).details.condition).toBe('stale-deadline');
    expect(s.refuse({ type: 'expirePartnerResponse' }, system, bd(T0, 5)).details.condition).toBe('deadline-not-reached');
    expect(s.run({ type: 'expirePartnerResponse', statusEpoch: 7 }, system, bd(T0, 8)).state.status).toBe('Rejected');
  });

  it('R6: under cpor-2023-10 the partner has 14 business days', () => {
    const s = new Scenario('cpor-2023-10').partnerActionRequired();
    expect(s.claim.infoRequest?.dueAt).toBe(bd(T0, 14));
    expect(s.refuse({ type: 'expirePartnerResponse' }, system, bd(T0, 5)).code).toBe('invalid-state');
  });

  it('R6: only the system expires the partner response', () => {
    expect(new Scenario().partnerActionRequired().refuse({ type: 'expirePartnerResponse' }, reviewer, bd(T0, 6)).code).toBe('forbidden');
  });
});
