import { EVENT_TYPES } from './event-types.js';
import { CLAIM_ACTIONS, type ClaimCommand } from './commands.js';
import { decide } from './decide.js';
import { DomainError } from './errors.js';
import { getPolicy } from './policy.js';
import { PARTNER_REQUEST_SUBREASONS, REASON_LABELS, REJECTION_REASONS } from './reasons.js';
import { type Actor } from './roles.js';
import { Scenario, T0, bd, calendar, customer, otherPartner, partner, plusMs, poeDoc, reviewer, system, upstream } from './testing/fixtures.js';
import { TRANSITIONS } from './transitions.js';

const DAY = 24 * 3600 * 1000;

describe('decide', () => {

  describe('R2 PoE and submit', () => {
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

  describe('R3 review start SLA', () => {
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

  describe('R4 decision SLA', () => {
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

  describe('R6 partner response deadline', () => {
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

  describe('R7 customer consent', () => {
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

  describe('R8 rejection reasons', () => {
    it.each(PARTNER_REQUEST_SUBREASONS)('R8: a partner withdraws (partner request, %s): Rejected, not disputable', (subReason) => {
      const s = new Scenario().submitted();
      const out = s.run({ type: 'withdraw', subReason, comment: 'created by mistake' }, partner, T0);
      expect(out.state.rejection).toEqual({ reason: 'partner-request', subReason, comment: 'created by mistake', rejectedAt: T0, disputeUntil: T0 });
      expect(out.events).toEqual([
        { type: EVENT_TYPES.rejected, data: { reason: 'partner-request', subReason, comment: 'created by mistake', disputeUntil: T0, disputable: false } },
      ]);
    });

    it.each(['Editing', 'UnderReview', 'PartnerActionRequired', 'Approved'] as const)('R8: withdraw is allowed from %s', (status) => {
      const s = new Scenario();
      ({ Editing: () => s.create(), UnderReview: () => s.underReview(), PartnerActionRequired: () => s.partnerActionRequired(), Approved: () => s.approved() })[status]();
      expect(s.run({ type: 'withdraw', subReason: 'no-longer-working-with-customer' }, upstream, T0).state.status).toBe('Rejected');
    });

    it('R8: withdraw needs a known sub-reason', () => {
      const bad = { type: 'withdraw', subReason: 'bored' } as unknown as ClaimCommand;
      expect(new Scenario().submitted().refuse(bad, partner, T0).details.errors).toEqual([
        'subReason must be one of wrong-mpn, wrong-activity, no-longer-working-with-customer',
      ]);
    });

    it.each(['insufficient-poe', 'missing-customer-consent-on-poe', 'missing-products', 'poe-unavailable'] as const)(
      'R8: a reviewer rejects for %s with a comment; the partner may dispute for 30 days',
      (reason) => {
        const s = new Scenario().underReview();
        const out = s.run({ type: 'reject', reason, comment: 'See the PoE review guidelines' }, reviewer, T0);
        expect(out.state.status).toBe('Rejected');
        expect(out.events).toEqual([
          { type: EVENT_TYPES.rejected, data: { reason, comment: 'See the PoE review guidelines', disputeUntil: '2026-07-01T14:00:00.000Z', disputable: true } },
        ]);
        expect(out.history.summary).toBe(`Rejected: ${REASON_LABELS[reason].split(':')[0]}`);
      },
    );

    it('R8: reviewers cannot use the partner, customer or deadline reasons, and must say why', () => {
      const s = new Scenario().underReview();
      for (const reason of ['partner-request', 'customer-decline', 'no-partner-response'] as const) {
        expect(s.refuse({ type: 'reject', reason, comment: 'x' }, reviewer, T0).code).toBe('invalid-command');
      }
      expect(s.refuse({ type: 'reject', reason: 'insufficient-poe', comment: ' ' }, reviewer, T0).details.errors).toEqual(['comment is required']);
    });

    it('R8: every rejection reason and sub-reason has a label for the rejection email', () => {
      for (const code of [...REJECTION_REASONS, ...PARTNER_REQUEST_SUBREASONS]) expect(REASON_LABELS[code]).toMatch(/\w/);
    });
  });

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
