import { EVENT_TYPES } from './event-types.js';
import { CLAIM_ACTIONS, type ClaimCommand } from './commands.js';
import { decide } from './decide.js';
import { DomainError } from './errors.js';
import { getPolicy } from './policy.js';
import { type Actor } from './roles.js';
import { Scenario, T0, bd, calendar, customer, otherPartner, partner, poeDoc, reviewer, system, upstream } from './testing/fixtures.js';
import { TRANSITIONS } from './transitions.js';

describe('decide', () => {

  describe('R12 history', () => {
    it('R12: every change, comment and action leaves a history entry by partner, reviewer, system and customer', () => {
      const s = new Scenario().create();
      s.run({ type: 'addPoe', document: poeDoc() }, partner, T0);
      s.run({ type: 'edit', changes: { mpnId: '7654321' } }, partner, T0);
      s.run({ type: 'submit' }, partner, T0);
      s.run({ type: 'comment', text: 'Ready for review' }, partner, T0);
      s.run({ type: 'startReview' }, reviewer, bd(T0, 1));
      s.run({ type: 'requestInfo', reasons: ['missing-partner-solution'], comment: 'Describe the deployment' }, reviewer, bd(T0, 1));
      s.run({ type: 'edit', changes: { products: ['microsoft-365', 'business-applications'] } }, partner, bd(T0, 2));
      s.run({ type: 'submit' }, partner, bd(T0, 2));
      s.run({ type: 'startReview' }, reviewer, bd(T0, 3));
      s.run({ type: 'approve' }, reviewer, bd(T0, 3));
      s.run({ type: 'requestConsent' }, system, bd(T0, 3));
      s.run({ type: 'declineConsent' }, customer, bd(T0, 4));

      expect(s.outcomes.map((o) => [o.history.action, o.history.actor.kind, o.history.fromStatus, o.history.toStatus])).toEqual([
        ['create', 'partner', null, 'Editing'],
        ['addPoe', 'partner', 'Editing', 'Editing'],
        ['edit', 'partner', 'Editing', 'Editing'],
        ['submit', 'partner', 'Editing', 'Submitted'],
        ['comment', 'partner', 'Submitted', 'Submitted'],
        ['startReview', 'reviewer', 'Submitted', 'UnderReview'],
        ['requestInfo', 'reviewer', 'UnderReview', 'PartnerActionRequired'],
        ['edit', 'partner', 'PartnerActionRequired', 'PartnerActionRequired'],
        ['submit', 'partner', 'PartnerActionRequired', 'Submitted'],
        ['startReview', 'reviewer', 'Submitted', 'UnderReview'],
        ['approve', 'reviewer', 'UnderReview', 'Approved'],
        ['requestConsent', 'system', 'Approved', 'Approved'],
        ['declineConsent', 'customer', 'Approved', 'Rejected'],
      ]);
      expect(s.outcomes.every((o) => o.history.summary.length > 0 && o.events.length === 1)).toBe(true);
      expect(s.outcomes[2].history.details).toEqual({ changes: { mpnId: '7654321' }, previous: { mpnId: '1234567' } });
      expect(s.claim.statusEpoch).toBe(8); // 1 at creation, +1 per status change
      expect(s.claim.updatedAt).toBe(bd(T0, 4));
    });
  });

  describe('authorisation and ownership', () => {
    it("another organisation's claim is not-found, for partners and upstream systems", () => {
      const s = new Scenario().submitted();
      expect(s.refuse({ type: 'comment', text: 'hi' }, otherPartner, T0).code).toBe('not-found');
      expect(s.refuse({ type: 'withdraw', subReason: 'wrong-mpn' }, { ...upstream, partnerId: 'P-200' }, T0).code).toBe('not-found');
    });

    it('a missing claim is not-found', () => {
      const err = new Scenario().refuse({ type: 'submit' }, partner, T0);
      expect(err).toBeInstanceOf(DomainError);
      expect(err.code).toBe('not-found');
    });

    it('partners cannot take reviewer or system actions; reviewers need the poe-reviewer role', () => {
      const s = new Scenario().submitted();
      expect(s.refuse({ type: 'startReview' }, partner, T0).code).toBe('forbidden');
      expect(s.refuse({ type: 'startReview' }, upstream, T0).code).toBe('forbidden');
      expect(s.refuse({ type: 'requestConsent' }, partner, T0).code).toBe('forbidden');
      const err = s.refuse({ type: 'startReview' }, { kind: 'reviewer', id: 'r', roles: [] }, T0);
      expect(err.code).toBe('forbidden');
      expect(err.details.requiredRoles).toEqual(['poe-reviewer']);
      expect(s.refuse({ type: 'startReview' }, { kind: 'robot', id: 'r' } as unknown as Actor, T0).code).toBe('forbidden');
    });

    it('reviewers work on every organisation’s claims', () => {
      const s = new Scenario().submitted();
      expect(s.run({ type: 'startReview' }, reviewer, T0).state.status).toBe('UnderReview');
    });

    it('an unknown command type is invalid-command', () => {
      const err = new Scenario().submitted().refuse({ type: 'teleport' } as unknown as ClaimCommand, partner, T0);
      expect(err.code).toBe('invalid-command');
    });
  });

  describe('purity and the transition table', () => {
    it('decide does not mutate its input and its state is plain JSON', () => {
      const s = new Scenario().underReview();
      const before = JSON.stringify(s.claim);
      const frozen = deepFreeze(structuredClone(s.claim));
      const out = decide(frozen, { type: 'requestInfo', reasons: ['missing-products'], comment: 'x' }, reviewer, {
        now: new Date(T0),
        policy: getPolicy('cpor-2020-06'),
        calendar,
      });
      expect(JSON.stringify(frozen)).toBe(before);
      expect(JSON.parse(JSON.stringify(out.state))).toEqual(out.state);
    });

    it('the same inputs give the same outcome', () => {
      const a = new Scenario().approved();
      const b = new Scenario().approved();
      expect(a.outcomes).toEqual(b.outcomes);
    });

    it('every action has at least one row in TRANSITIONS, and every row names an event type', () => {
      for (const action of CLAIM_ACTIONS) expect(TRANSITIONS.some((r) => r.action === action)).toBe(true);
      const types = Object.values(EVENT_TYPES) as string[];
      for (const row of TRANSITIONS) expect(types).toContain(row.event);
    });

    it('a claim whose policy differs from the context policy is a caller bug', () => {
      const s = new Scenario().submitted();
      expect(() => decide(s.claim, { type: 'startReview' }, reviewer, { now: new Date(T0), policy: getPolicy('cpor-2023-10'), calendar })).toThrow(
        /policy/,
      );
    });
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
