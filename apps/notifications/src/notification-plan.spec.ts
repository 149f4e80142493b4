import { describe, expect, it } from '@jest/globals';
import { EVENT_TYPES } from '@cpor/contracts';
import { formatDate, NOTIFYING_EVENT_TYPES, planNotifications, type PlannedMessage } from './notification-plan.js';
import { SAMPLE_CONTEXT as ctx, sampleCases, sampleEvent } from './testing/sample-events.js';

const who = (messages: PlannedMessage[]) => messages.map((m) => `${m.template} -> ${m.recipient.role} ${m.recipient.email}`);
const partnerUrl = 'https://partner.cpor.example/claims/c0ffee00-0000-4000-8000-000000000042';

describe('planNotifications', () => {
  it('submitted: the partner hears the claim was received and when review should start', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.submitted, { resubmission: false, reviewStartDueAt: '2020-06-08T14:00:00.000Z' }), ctx);
    expect(who(planned)).toEqual(['claim-submitted -> partner ada@contoso.example']);
    expect(planned[0].recipient.name).toBe('Ada Lovelace');
    expect(planned[0].variables).toMatchObject({
      submittedAs: 'submitted for review',
      reviewStartDueAt: 'Monday, June 8, 2020 at 10:00 AM EDT',
      claimUrl: partnerUrl,
      customerName: 'Fabrikam Ltd',
      products: 'Microsoft 365, Business Applications',
      activity: 'Deployment',
      recipientName: 'Ada Lovelace',
    });
  });

  it('submitted again after an info request says "resubmitted"', () => {
    const [m] = planNotifications(sampleEvent(EVENT_TYPES.submitted, { resubmission: true }), ctx);
    expect(m.variables.submittedAs).toBe('resubmitted with the information you provided');
  });

  it('review started: the partner, with the decision due date', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.reviewStarted, { decisionDueAt: '2020-06-09T14:00:00.000Z' }), ctx);
    expect(who(planned)).toEqual(['review-started -> partner ada@contoso.example']);
    expect(planned[0].variables.decisionDueAt).toBe('Tuesday, June 9, 2020 at 10:00 AM EDT');
  });

  it('info requested (R5/R6): the partner, with every reason labelled, the comment and the deadline', () => {
    const planned = planNotifications(
      sampleEvent(EVENT_TYPES.infoRequested, { reasons: ['missing-all-poe', 'missing-products'], comment: 'Wrong file', dueAt: '2020-06-10T14:00:00.000Z' }),
      ctx,
    );
    expect(who(planned)).toEqual(['info-requested -> partner ada@contoso.example']);
    expect(planned[0].variables.reasons.split('\n')).toEqual([
      '- Missing all PoE: PoE is missing due to an incorrect file uploaded or not pertaining to the CPOR association claim',
      "- Missing products: the PoE doesn't include a product or workload being claimed for",
    ]);
    expect(planned[0].variables).toMatchObject({ comment: 'Wrong file', dueAt: 'Wednesday, June 10, 2020 at 10:00 AM EDT', claimUrl: partnerUrl });
  });

  it('rejected by a reviewer (R8/R9): reason label, claim link and the dispute deadline', () => {
    const planned = planNotifications(
      sampleEvent(EVENT_TYPES.rejected, { reason: 'insufficient-poe', comment: 'Not enough', disputeUntil: '2020-07-10T15:00:00.000Z', disputable: true }),
      ctx,
    );
    expect(who(planned)).toEqual(['claim-rejected -> partner ada@contoso.example']);
    expect(planned[0].variables).toMatchObject({
      reason: 'Insufficient proof of execution',
      notes: 'Comment: Not enough',
      disputeUntil: 'Friday, July 10, 2020 at 11:00 AM EDT',
      claimUrl: partnerUrl,
    });
  });

  it('rejected at the partner\'s request: no dispute text, the sub-reason instead', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.rejected, { reason: 'partner-request', subReason: 'wrong-activity', disputable: false }), ctx);
    expect(who(planned)).toEqual(['claim-rejected-final -> partner ada@contoso.example']);
    expect(planned[0].variables.notes).toBe('The claim was created with an incorrect activity');
    expect(planned[0].variables).not.toHaveProperty('disputeUntil');
  });

  it('rejected by a customer decline: cannot be disputed either, even without the disputable flag', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.rejected, { reason: 'customer-decline' }), ctx);
    expect(who(planned)).toEqual(['claim-rejected-final -> partner ada@contoso.example']);
    expect(planned[0].variables.reason).toMatch(/^Customer decline/);
    expect(planned[0].variables.notes).toBe('No further comment.');
  });

  it('rejected for no partner response (R6) can be disputed', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.rejected, { reason: 'no-partner-response', disputeUntil: '2020-07-10T15:00:00.000Z', disputable: true }), ctx);
    expect(who(planned)).toEqual(['claim-rejected -> partner ada@contoso.example']);
  });

  it('dispute received: the partner, with the answer due date', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.disputed, { disputeId: 'd-1', dueAt: '2020-06-18T14:00:00.000Z' }), ctx);
    expect(who(planned)).toEqual(['dispute-received -> partner ada@contoso.example']);
    expect(planned[0].variables).toMatchObject({ disputeId: 'd-1', answerDueAt: 'Thursday, June 18, 2020 at 10:00 AM EDT' });
  });

  it('dispute overturned / sustained: different messages to the partner', () => {
    const overturned = planNotifications(sampleEvent(EVENT_TYPES.disputeDecided, { disputeId: 'd-1', decision: 'overturned', comment: 'ok' }), ctx);
    expect(who(overturned)).toEqual(['dispute-overturned -> partner ada@contoso.example']);
    const sustained = planNotifications(sampleEvent(EVENT_TYPES.disputeDecided, { disputeId: 'd-1', decision: 'sustained', comment: 'no' }), ctx);
    expect(who(sustained)).toEqual(['dispute-sustained -> partner ada@contoso.example']);
  });

  it('dispute sustained: another dispute is offered only while the window and the policy allow it', () => {
    const rejection = { reason: 'insufficient-poe' as const, rejectedAt: '2020-06-10T15:00:00.000Z', disputeUntil: '2020-07-10T15:00:00.000Z' };
    const open = planNotifications(
      sampleEvent(EVENT_TYPES.disputeDecided, { decision: 'sustained' }, { rejection, updatedAt: '2020-06-15T00:00:00.000Z' }),
      ctx,
    );
    expect(open[0].variables.nextSteps).toMatch(/another dispute before Friday, July 10, 2020/);
    const closed = planNotifications(
      sampleEvent(EVENT_TYPES.disputeDecided, { decision: 'sustained' }, { rejection, updatedAt: '2020-07-11T00:00:00.000Z' }),
      ctx,
    );
    expect(closed[0].variables.nextSteps).toMatch(/create a new claim/);
    const oneDisputePolicy = planNotifications(
      sampleEvent(
        EVENT_TYPES.disputeDecided,
        { decision: 'sustained' },
        { policyId: 'cpor-2023-10', rejection, updatedAt: '2020-06-15T00:00:00.000Z', disputes: [{ id: 'd', openedAt: '', poeDocumentIds: [], dueAt: '', decision: 'sustained' }] },
      ),
      ctx,
    );
    expect(oneDisputePolicy[0].variables.nextSteps).toMatch(/cannot be disputed again/);
  });

  it('comments (R11): a reviewer comment goes to the partner; a partner comment sends nothing', () => {
    const fromReviewer = planNotifications(sampleEvent(EVENT_TYPES.commented, { text: 'Please add the SOW' }, {}, { kind: 'reviewer', id: 'r' }), ctx);
    expect(who(fromReviewer)).toEqual(['reviewer-comment -> partner ada@contoso.example']);
    expect(fromReviewer[0].variables.comment).toBe('Please add the SOW');
    expect(planNotifications(sampleEvent(EVENT_TYPES.commented, { text: 'Added' }, {}, { kind: 'partner', id: 'p' }), ctx)).toEqual([]);
    expect(planNotifications(sampleEvent(EVENT_TYPES.commented, { text: 'Added' }, {}, { kind: 'upstream', id: 'u' }), ctx)).toEqual([]);
  });

  it('consent requested (R7): the customer gets the decline link and deadline; the partner the approval', () => {
    const planned = planNotifications(
      sampleEvent(EVENT_TYPES.consentRequested, { deadline: '2020-06-12T14:00:00.000Z' }, { status: 'Approved', statusEpoch: 6 }),
      ctx,
    );
    expect(who(planned)).toEqual(['claim-approved -> partner ada@contoso.example', 'consent-request -> customer grace@fabrikam.example']);
    const [approved, consent] = planned;
    expect(approved.variables.consentDeadline).toBe('Friday, June 12, 2020 at 10:00 AM EDT');
    expect(consent.recipient.name).toBe('Grace Hopper');
    expect(consent.variables).toMatchObject({
      deadline: 'Friday, June 12, 2020 at 10:00 AM EDT',
      declineLink: 'https://consent.cpor.example/v1/consent/TOKEN-c0ffee00-0000-4000-8000-000000000042-6-2020-06-12T14:00:00.000Z',
      partnerContactName: 'Ada Lovelace',
      mpnId: '1234567',
    });
    // The link is only for the customer.
    expect(JSON.stringify(approved)).not.toContain('TOKEN-');
    // Without an organisation name on the claim, the plain wording.
    expect(consent.variables.partnerLabel).toBe('A partner');
  });

  it("consent requested: the customer's email names the partner organisation when the claim has its name", () => {
    const [, consent] = planNotifications(sampleEvent(EVENT_TYPES.consentRequested, { deadline: '2020-06-12T14:00:00.000Z' }, { status: 'Approved', partnerName: 'Contoso Consulting' }), ctx);
    expect(consent.variables.partnerLabel).toBe('The partner Contoso Consulting');
  });

  it('consent period elapsed: the partner hears the claim went to eligibility assessment', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.consentPeriodElapsed, { deadline: '2020-06-12T14:00:00.000Z' }), ctx);
    expect(who(planned)).toEqual(['eligibility-assessment-started -> partner ada@contoso.example']);
  });

  it('SLA breached (R3/R4/R9): reviewers and ops, not the partner', () => {
    const planned = planNotifications(sampleEvent(EVENT_TYPES.slaBreached, { sla: 'decision', dueAt: '2020-06-09T14:00:00.000Z' }, { status: 'UnderReview' }), ctx);
    expect(who(planned)).toEqual(['sla-breached -> reviewers poe-reviewers@cpor.local', 'sla-breached -> ops ops@cpor.local']);
    expect(planned[0].variables).toMatchObject({ sla: 'Review decision (R4): no decision was made in time', status: 'Under review' });
  });

  it('sends nothing for events partners do not need to hear about', () => {
    for (const type of [EVENT_TYPES.created, EVENT_TYPES.edited, EVENT_TYPES.poeAdded, EVENT_TYPES.approved, EVENT_TYPES.eligibilityAssessed, 'cpor.unknown.v1']) {
      expect(planNotifications(sampleEvent(type), ctx)).toEqual([]);
    }
  });

  it('is deterministic: the same event plans the same messages', () => {
    const event = sampleEvent(EVENT_TYPES.consentRequested, { deadline: '2020-06-12T14:00:00.000Z' });
    expect(planNotifications(event, ctx)).toEqual(planNotifications(structuredClone(event), ctx));
  });

  it('skips a recipient without an address', () => {
    const event = sampleEvent(EVENT_TYPES.reviewStarted, {}, { partnerContact: { name: 'Nobody', email: ' ' } });
    expect(planNotifications(event, ctx)).toEqual([]);
  });

  it('every sample case plans at least one message and every notifying type has a sample', () => {
    const cases = sampleCases();
    for (const c of cases) expect(planNotifications(c.event, ctx).length).toBeGreaterThan(0);
    const sampled = new Set(cases.map((c) => c.event.type));
    for (const type of NOTIFYING_EVENT_TYPES) expect(sampled).toContain(type);
  });
});

describe('formatDate', () => {
  it('shows the instant in the given time zone', () => {
    expect(formatDate('2020-12-01T05:00:00.000Z', 'America/New_York')).toBe('Tuesday, December 1, 2020 at 12:00 AM EST');
    expect(formatDate('2020-12-01T05:00:00.000Z', 'UTC')).toBe('Tuesday, December 1, 2020 at 5:00 AM UTC');
  });

  it('says so when there is no date', () => {
    expect(formatDate(undefined, 'UTC')).toBe('(date not available)');
    expect(formatDate('soon', 'UTC')).toBe('(date not available)');
  });
});
