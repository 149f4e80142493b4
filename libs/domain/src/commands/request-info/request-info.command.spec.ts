import { EVENT_TYPES } from '../../event-types.js';
import { type ClaimCommand } from '../../commands.js';
import { REASON_LABELS } from '../../reasons.js';
import { Scenario, T0, bd, partner, reviewer } from '../../testing/fixtures.js';

describe('decide: R5 request info', () => {
  it('R5: a reviewer requests info with several reasons; the claim is PartnerActionRequired', () => {
    const s = new Scenario().underReview();
    const out = s.run({ type: 'requestInfo', reasons: ['missing-all-poe', 'missing-or-old-dates'], comment: 'Wrong file uploaded' }, reviewer, T0);
    expect(out.state.status).toBe('PartnerActionRequired');
    expect(out.state.infoRequest).toEqual({ reasons: ['missing-all-poe', 'missing-or-old-dates'], comment: 'Wrong file uploaded', requestedAt: T0, dueAt: bd(T0, 5) });
    expect(out.events).toEqual([
      { type: EVENT_TYPES.infoRequested, data: { reasons: ['missing-all-poe', 'missing-or-old-dates'], comment: 'Wrong file uploaded', dueAt: bd(T0, 5) } },
    ]);
    expect(out.history.summary).toBe('Information requested: Missing all PoE, Missing or old dates');
  });

  it.each([
    'missing-all-poe',
    'missing-customer-acknowledgment',
    'missing-or-old-dates',
    'missing-partner-solution',
    'missing-products',
  ] as const)('R5: reason %s is accepted and labelled', (reason) => {
    const out = new Scenario().underReview().run({ type: 'requestInfo', reasons: [reason], comment: 'see reason' }, reviewer, T0);
    expect(out.state.infoRequest?.reasons).toEqual([reason]);
    expect(REASON_LABELS[reason]).toBeTruthy();
  });

  it('R5: no reason, an unknown reason and a missing comment are all reported', () => {
    const s = new Scenario().underReview();
    expect(s.refuse({ type: 'requestInfo', reasons: [], comment: '' }, reviewer, T0).details.errors).toEqual([
      'reasons must list at least one of missing-all-poe, missing-customer-acknowledgment, missing-or-old-dates, missing-partner-solution, missing-products',
      'comment is required',
    ]);
    const bad = { type: 'requestInfo', reasons: ['missing-all-poe', 'bad-vibes'], comment: 'x' } as unknown as ClaimCommand;
    expect(s.refuse(bad, reviewer, T0).details.errors).toEqual([
      'reasons[1] must be one of missing-all-poe, missing-customer-acknowledgment, missing-or-old-dates, missing-partner-solution, missing-products',
    ]);
  });

  it('R5: info can only be requested while UnderReview, and only by a reviewer', () => {
    const submitted = new Scenario().submitted();
    const err = submitted.refuse({ type: 'requestInfo', reasons: ['missing-products'], comment: 'x' }, reviewer, T0);
    expect(err.details).toEqual({ currentStatus: 'Submitted', allowedStates: ['UnderReview'], action: 'requestInfo' });
    const reviewing = new Scenario().underReview();
    expect(reviewing.refuse({ type: 'requestInfo', reasons: ['missing-products'], comment: 'x' }, partner, T0).code).toBe('forbidden');
  });
});
