import { EVENT_TYPES } from '../../event-types.js';
import { Scenario, T0, bd, customer, otherPartner, partner, plusMs, poeDoc, reviewer, system } from '../../testing/fixtures.js';

const DAY = 24 * 3600 * 1000;
/** T0 (Monday 1 June 10:00 New York) + 30 calendar days. */
const WINDOW_END = '2026-07-01T14:00:00.000Z';

describe('decide: R9 disputes', () => {
  it('R9: a partner disputes within 30 days with a business justification; the claim stays Rejected with an open dispute', () => {
    const s = new Scenario().rejected();
    expect(s.claim.rejection?.disputeUntil).toBe(WINDOW_END);
    const at = plusMs(T0, 10 * DAY);
    const out = s.run({ type: 'dispute', disputeId: 'd-1', justification: 'The signed SOW is on page 4' }, partner, at);
    expect(out.state.status).toBe('Rejected');
    expect(out.state.disputes).toEqual([{ id: 'd-1', openedAt: at, justification: 'The signed SOW is on page 4', poeDocumentIds: [], dueAt: bd(at, 5) }]);
    expect(out.events).toEqual([
      { type: EVENT_TYPES.disputed, data: { disputeId: 'd-1', justification: 'The signed SOW is on page 4', poeDocumentIds: [], dueAt: bd(at, 5) } },
    ]);
  });

  it('R9: a partner disputes with updated PoE only (added to the rejected claim first)', () => {
    const s = new Scenario().rejected();
    s.run({ type: 'addPoe', document: poeDoc('doc-2') }, partner, plusMs(T0, DAY));
    const out = s.run({ type: 'dispute', disputeId: 'd-1', poeDocumentIds: ['doc-2'] }, partner, plusMs(T0, DAY));
    expect(out.state.disputes[0].poeDocumentIds).toEqual(['doc-2']);
  });

  it('R9: a dispute needs a justification and/or PoE of this claim; all problems are listed', () => {
    const s = new Scenario().rejected();
    expect(s.refuse({ type: 'dispute', disputeId: 'd-1' }, partner, T0).details.errors).toEqual([
      'a dispute needs a business justification and/or updated PoE (poeDocumentIds)',
    ]);
    expect(s.refuse({ type: 'dispute', disputeId: '', justification: 'x', poeDocumentIds: ['nope'] }, partner, T0).details.errors).toEqual([
      'disputeId is required',
      'poeDocumentIds: nope is not a PoE document of this claim (add it first)',
    ]);
  });

  it('R9: after 30 days the dispute is window-closed and only a new claim with updated PoE is possible', () => {
    const s = new Scenario().rejected();
    expect(s.run({ type: 'comment', text: 'checking' }, partner, plusMs(WINDOW_END, -1)).state.status).toBe('Rejected');
    const err = s.refuse({ type: 'dispute', disputeId: 'd-1', justification: 'late' }, partner, WINDOW_END);
    expect(err.code).toBe('window-closed');
    expect(err.message).toMatch(/new claim with updated PoE/);
    expect(err.details).toMatchObject({ reason: 'dispute-window', disputeUntil: WINDOW_END });
    expect(s.refuse({ type: 'addPoe', document: poeDoc('doc-9') }, partner, WINDOW_END).code).toBe('window-closed');
    // One millisecond earlier it was still open.
    expect(s.run({ type: 'dispute', disputeId: 'd-1', justification: 'just in time' }, partner, plusMs(WINDOW_END, -1)).state.disputes).toHaveLength(1);
  });

  it('R9: overturned puts the claim back UnderReview with a fresh decision SLA', () => {
    const s = new Scenario().rejected();
    s.run({ type: 'dispute', disputeId: 'd-1', justification: 'see page 4' }, partner, T0);
    const at = bd(T0, 2);
    const out = s.run({ type: 'decideDispute', decision: 'overturned', comment: 'Page 4 is sufficient' }, reviewer, at);
    expect(out.state.status).toBe('UnderReview');
    expect(out.state.rejection).toBeUndefined();
    expect(out.state.reviewStartedAt).toBe(at);
    expect(out.state.disputes[0]).toMatchObject({ decision: 'overturned', decidedAt: at, comment: 'Page 4 is sufficient' });
    expect(out.events).toEqual([
      { type: EVENT_TYPES.disputeDecided, data: { disputeId: 'd-1', decision: 'overturned', comment: 'Page 4 is sufficient', decisionDueAt: bd(at, 5) } },
    ]);
    expect(s.run({ type: 'approve' }, reviewer, bd(T0, 3)).state.status).toBe('Approved');
  });

  it('R9: sustained keeps the claim Rejected (same status epoch) with the dispute closed', () => {
    const s = new Scenario().rejected();
    s.run({ type: 'dispute', disputeId: 'd-1', justification: 'see page 4' }, partner, T0);
    const epoch = s.claim.statusEpoch;
    const out = s.run({ type: 'decideDispute', decision: 'sustained', comment: 'Page 4 is unsigned' }, reviewer, bd(T0, 1));
    expect(out.state.status).toBe('Rejected');
    expect(out.state.statusEpoch).toBe(epoch);
    expect(out.state.rejection?.reason).toBe('insufficient-poe');
    expect(out.events[0].data).toEqual({ disputeId: 'd-1', decision: 'sustained', comment: 'Page 4 is unsigned' });
  });

  describe.each([
    ['cpor-2020-06', true],
    ['cpor-2023-10', false],
  ] as const)('policy %s', (policyId, secondAllowed) => {
    it(`R9: a second dispute after a sustained one is ${secondAllowed ? 'allowed' : 'refused (one dispute per claim)'}`, () => {
      const s = new Scenario(policyId).rejected();
      s.run({ type: 'dispute', disputeId: 'd-1', justification: 'first' }, partner, T0);
      s.run({ type: 'decideDispute', decision: 'sustained', comment: 'no' }, reviewer, bd(T0, 1));
      const second = { type: 'dispute', disputeId: 'd-2', justification: 'second' } as const;
      if (secondAllowed) {
        expect(s.run(second, partner, bd(T0, 2)).state.disputes).toHaveLength(2);
      } else {
        const err = s.refuse(second, partner, bd(T0, 2));
        expect(err.code).toBe('window-closed');
        expect(err.details).toMatchObject({ reason: 'max-disputes', maxDisputes: 1, disputes: 1 });
        expect(err.message).toMatch(/new claim with updated PoE/);
      }
    });

    it('R9: after an overturned dispute and a new rejection the window restarts; the dispute count does not', () => {
      const s = new Scenario(policyId).rejected();
      s.run({ type: 'dispute', disputeId: 'd-1', justification: 'first' }, partner, T0);
      s.run({ type: 'decideDispute', decision: 'overturned', comment: 'ok' }, reviewer, bd(T0, 1));
      const again = plusMs(T0, 20 * DAY);
      s.run({ type: 'reject', reason: 'missing-products', comment: 'Teams not in PoE' }, reviewer, again);
      expect(s.claim.rejection?.disputeUntil).toBe(plusMs(again, 30 * DAY));
      const dispute = { type: 'dispute', disputeId: 'd-2', justification: 'Teams on page 2' } as const;
      if (secondAllowed) expect(s.run(dispute, partner, plusMs(again, 25 * DAY)).state.disputes).toHaveLength(2);
      else expect(s.refuse(dispute, partner, plusMs(again, DAY)).code).toBe('window-closed');
    });
  });

  it('R9: a second dispute while one is open is invalid-state', () => {
    const s = new Scenario().rejected();
    s.run({ type: 'dispute', disputeId: 'd-1', justification: 'first' }, partner, T0);
    const err = s.refuse({ type: 'dispute', disputeId: 'd-2', justification: 'again' }, partner, T0);
    expect(err.code).toBe('invalid-state');
    expect(err.details).toMatchObject({ currentStatus: 'Rejected', condition: 'dispute-open', disputeId: 'd-1' });
  });

  it('R9: partner-request and customer-decline rejections cannot be disputed (a new claim is needed)', () => {
    const withdrawn = new Scenario().submitted();
    withdrawn.run({ type: 'withdraw', subReason: 'wrong-activity' }, partner, T0);
    const err = withdrawn.refuse({ type: 'dispute', disputeId: 'd-1', justification: 'changed my mind' }, partner, T0);
    expect(err.code).toBe('invalid-state');
    expect(err.details).toMatchObject({ condition: 'rejection-not-disputable', rejectionReason: 'partner-request' });

    const declined = new Scenario().approved();
    declined.run({ type: 'requestConsent' }, system, T0);
    declined.run({ type: 'declineConsent' }, customer, T0);
    expect(declined.refuse({ type: 'dispute', disputeId: 'd-1', justification: 'they agreed' }, partner, T0).details.condition).toBe(
      'rejection-not-disputable',
    );
  });

  it('R9: a no-partner-response rejection can be disputed', () => {
    const s = new Scenario().partnerActionRequired();
    s.run({ type: 'expirePartnerResponse' }, system, bd(T0, 5));
    expect(s.run({ type: 'dispute', disputeId: 'd-1', justification: 'We were on holiday' }, partner, bd(T0, 6)).state.disputes).toHaveLength(1);
  });

  it('R9: reviewers answer within 5 business days, else a dispute-answer SLA breach is recorded', () => {
    const s = new Scenario().rejected();
    s.run({ type: 'dispute', disputeId: 'd-1', justification: 'x' }, partner, T0);
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'dispute-answer' }, system, plusMs(bd(T0, 5), -1)).details.condition).toBe('sla-not-breached');
    const out = s.run({ type: 'recordSlaBreach', sla: 'dispute-answer' }, system, bd(T0, 5));
    expect(out.events[0]).toEqual({ type: EVENT_TYPES.slaBreached, data: { sla: 'dispute-answer', dueAt: bd(T0, 5), statusEpoch: 4, disputeId: 'd-1' } });
    s.run({ type: 'decideDispute', decision: 'sustained', comment: 'late but no' }, reviewer, bd(T0, 6));
    expect(s.refuse({ type: 'recordSlaBreach', sla: 'dispute-answer' }, system, bd(T0, 7)).details.condition).toBe('sla-not-running');
  });

  it('R9: only reviewers decide disputes, only when one is open, with a valid decision and a comment', () => {
    const s = new Scenario().rejected();
    expect(s.refuse({ type: 'decideDispute', decision: 'overturned', comment: 'x' }, reviewer, T0).details.condition).toBe('no-open-dispute');
    s.run({ type: 'dispute', disputeId: 'd-1', justification: 'x' }, partner, T0);
    expect(s.refuse({ type: 'decideDispute', decision: 'overturned', comment: 'x' }, partner, T0).code).toBe('forbidden');
    const bad = { type: 'decideDispute', decision: 'maybe', comment: '' } as never;
    expect(s.refuse(bad, reviewer, T0).details.errors).toEqual(['decision must be overturned or sustained', 'comment is required']);
  });

  it('R9: only the partner (or its upstream system) disputes, and only its own claims', () => {
    const s = new Scenario().rejected();
    expect(s.refuse({ type: 'dispute', disputeId: 'd-1', justification: 'x' }, reviewer, T0).code).toBe('forbidden');
    expect(s.refuse({ type: 'dispute', disputeId: 'd-1', justification: 'x' }, otherPartner, T0).code).toBe('not-found');
  });

  it('R9: disputes are only for Rejected claims', () => {
    const err = new Scenario().underReview().refuse({ type: 'dispute', disputeId: 'd-1', justification: 'x' }, partner, T0);
    expect(err.details).toEqual({ currentStatus: 'UnderReview', allowedStates: ['Rejected'], action: 'dispute' });
  });
});
