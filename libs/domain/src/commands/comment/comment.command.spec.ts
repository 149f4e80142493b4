import { EVENT_TYPES } from '../../event-types.js';
import { Scenario, T0, customer, partner, plusMs, reviewer } from '../../testing/fixtures.js';

describe('decide: R11 comments', () => {
  it('R11: partner and reviewer talk through the claim comments', () => {
    const s = new Scenario().underReview();
    const q = s.run({ type: 'comment', text: 'Is the signature page included?' }, reviewer, T0);
    const a = s.run({ type: 'comment', text: 'Yes, page 3.' }, partner, plusMs(T0, 60_000));
    expect(q.events).toEqual([{ type: EVENT_TYPES.commented, data: { text: 'Is the signature page included?', authorKind: 'reviewer' } }]);
    expect(a.events).toEqual([{ type: EVENT_TYPES.commented, data: { text: 'Yes, page 3.', authorKind: 'partner' } }]);
    expect(a.state.status).toBe('UnderReview');
    expect(a.history).toMatchObject({ action: 'comment', summary: 'Comment by partner', details: { text: 'Yes, page 3.' } });
  });

  it('R11: comments are allowed on a Rejected claim but not on an Approved one', () => {
    expect(new Scenario().rejected().run({ type: 'comment', text: 'Why?' }, partner, T0).state.status).toBe('Rejected');
    const err = new Scenario().approved().refuse({ type: 'comment', text: 'Thanks' }, partner, T0);
    expect(err.details).toEqual({
      currentStatus: 'Approved',
      allowedStates: ['Editing', 'Submitted', 'UnderReview', 'PartnerActionRequired', 'Rejected'],
      action: 'comment',
    });
  });

  it('R11: an empty comment is invalid and a customer cannot comment', () => {
    const s = new Scenario().underReview();
    expect(s.refuse({ type: 'comment', text: '' }, partner, T0).details.errors).toEqual(['text is required']);
    expect(s.refuse({ type: 'comment', text: 'hi' }, customer, T0).code).toBe('forbidden');
  });
});
