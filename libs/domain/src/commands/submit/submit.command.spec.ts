import { EVENT_TYPES } from '../../event-types.js';
import { Scenario, T0, partner, plusMs, poeDoc, reviewer } from '../../testing/fixtures.js';

describe('decide: R2 PoE and submit', () => {
  it('R2: submit without PoE is refused; the claim stays Editing', () => {
    const s = new Scenario().create();
    const err = s.refuse({ type: 'submit' }, partner, T0);
    expect(err.code).toBe('invalid-state');
    expect(err.details).toMatchObject({ currentStatus: 'Editing', condition: 'poe-required', action: 'submit' });
    expect(err.message).toMatch(/at least one PoE/);
    expect(s.claim.status).toBe('Editing');
  });

  it('R2: after a PoE upload the partner submits and the claim is Submitted with a review-start deadline', () => {
    const s = new Scenario().create();
    const added = s.run({ type: 'addPoe', document: poeDoc() }, partner, T0);
    expect(added.state.status).toBe('Editing');
    expect(added.events[0]).toEqual({ type: EVENT_TYPES.poeAdded, data: { document: { ...poeDoc(), addedAt: T0, addedBy: 'user-ann' } } });
    const out = s.run({ type: 'submit' }, partner, T0);
    expect(out.state).toMatchObject({ status: 'Submitted', statusEpoch: 2, submittedAt: T0, statusChangedAt: T0 });
    expect(out.events).toEqual([{ type: EVENT_TYPES.submitted, data: { resubmission: false, reviewStartDueAt: '2026-06-08T14:00:00.000Z' } }]);
  });

  it('R2: addPoe stamps the time and the actor, whatever the caller sent', () => {
    const s = new Scenario().create();
    const out = s.run({ type: 'addPoe', document: { ...poeDoc(), addedAt: '1999-01-01T00:00:00Z', addedBy: 'mallory' } }, partner, plusMs(T0, 1000));
    expect(out.state.poe[0]).toMatchObject({ addedAt: plusMs(T0, 1000), addedBy: 'user-ann' });
  });

  it('R2: an invalid PoE document lists every problem; a duplicate document id is refused', () => {
    const s = new Scenario().create();
    const err = s.refuse({ type: 'addPoe', document: { documentId: '', fileName: 'a.pdf', contentType: '', size: 0, sha256: 'xyz' } }, partner, T0);
    expect(err.details.errors).toEqual([
      'document.documentId is required',
      'document.contentType is required',
      'document.size must be a whole number of bytes > 0',
      'document.sha256 must be 64 hex characters',
    ]);
    s.run({ type: 'addPoe', document: poeDoc() }, partner, T0);
    expect(s.refuse({ type: 'addPoe', document: poeDoc() }, partner, T0).details.errors).toEqual(['document.documentId doc-1 is already on the claim']);
  });

  it('R2: a reviewer cannot submit for the partner', () => {
    const s = new Scenario().create();
    s.run({ type: 'addPoe', document: poeDoc() }, partner, T0);
    expect(s.refuse({ type: 'submit' }, reviewer, T0).code).toBe('forbidden');
  });
});
