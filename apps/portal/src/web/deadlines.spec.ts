import type { ClaimDto } from '@cpor/contracts';
import { BusinessCalendar } from '@cpor/domain';
import { nextDeadline } from './deadlines.js';

const calendar = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' });
/** Monday 2026-06-01 10:00 in New York. */
const T0 = '2026-06-01T14:00:00.000Z';
const NOW = new Date('2026-06-02T14:00:00.000Z');

const claim = (fields: Partial<ClaimDto>) => ({ policyId: 'cpor-2020-06', status: 'Editing', statusChangedAt: T0, disputes: [], ...fields }) as ClaimDto;

describe('the next deadline a claim waits for', () => {
  it('is the reviewers while the review should start or be decided (5 business days, R3, R4)', () => {
    expect(nextDeadline(claim({ status: 'Submitted' }), calendar, NOW)).toEqual({ dueAt: '2026-06-08T14:00:00.000Z', waitsOn: 'reviewers', what: 'Review to start' });
    expect(nextDeadline(claim({ status: 'UnderReview' }), calendar, NOW)).toMatchObject({ dueAt: '2026-06-08T14:00:00.000Z', waitsOn: 'reviewers', what: 'Review decision' });
  });

  it("is the partner's reply while information is requested (R6)", () => {
    const infoRequest = { reasons: ['missing-products'], comment: '', requestedAt: T0, dueAt: '2026-06-08T14:00:00.000Z' };
    expect(nextDeadline(claim({ status: 'PartnerActionRequired', infoRequest }), calendar, NOW)).toEqual({ dueAt: infoRequest.dueAt, waitsOn: 'partner', what: "The partner's reply with the requested information" });
  });

  it("is the customer's consent window once approved, until it passes (R7)", () => {
    const consent = { requestedAt: T0, deadline: '2026-06-08T14:00:00.000Z' };
    expect(nextDeadline(claim({ status: 'Approved', consent }), calendar, NOW)).toEqual({ dueAt: consent.deadline, waitsOn: 'customer', what: 'End of the customer consent window' });
    expect(nextDeadline(claim({ status: 'Approved', consent: { ...consent, elapsedAt: consent.deadline } }), calendar, NOW)).toBeUndefined();
  });

  it('is the dispute window of a disputable rejection while it is open, then the answer to the dispute (R9)', () => {
    const rejection = { reason: 'insufficient-poe', rejectedAt: T0, disputeUntil: '2026-07-01T14:00:00.000Z' };
    expect(nextDeadline(claim({ status: 'Rejected', rejection }), calendar, NOW)).toEqual({ dueAt: rejection.disputeUntil, waitsOn: 'partner', what: 'Dispute window closes' });
    expect(nextDeadline(claim({ status: 'Rejected', rejection }), calendar, new Date('2026-07-02T00:00:00.000Z'))).toBeUndefined();
    expect(nextDeadline(claim({ status: 'Rejected', rejection: { ...rejection, reason: 'customer-decline' } }), calendar, NOW)).toBeUndefined();
    const dispute = { id: 'd-1', openedAt: T0, poeDocumentIds: [], dueAt: '2026-06-08T14:00:00.000Z' };
    expect(nextDeadline(claim({ status: 'Rejected', rejection, disputes: [dispute] }), calendar, NOW)).toMatchObject({ dueAt: dispute.dueAt, waitsOn: 'reviewers' });
  });

  it('is none for a draft', () => {
    expect(nextDeadline(claim({ status: 'Editing' }), calendar, NOW)).toBeUndefined();
  });
});
