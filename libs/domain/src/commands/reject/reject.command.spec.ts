import { EVENT_TYPES } from '../../event-types.js';
import { type ClaimCommand } from '../../commands.js';
import { PARTNER_REQUEST_SUBREASONS, REASON_LABELS, REJECTION_REASONS } from '../../reasons.js';
import { Scenario, T0, partner, reviewer, upstream } from '../../testing/fixtures.js';

describe('decide: R8 rejection reasons', () => {
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
