import type { ClaimState } from './claim.js';
import {
  DEFAULT_ELIGIBILITY_RULES_VERSION,
  ELIGIBILITY_RULES,
  assessEligibility,
  assessmentIdFor,
  getEligibilityRules,
  parseEligibilityRules,
} from './eligibility.js';
import { Scenario, T0, plusMs, system } from './testing/fixtures.js';

const rules = getEligibilityRules();
const AFTER_CONSENT = plusMs(T0, 7 * 24 * 3600 * 1000);

/** An Approved claim whose consent period has elapsed, with `overrides` applied. */
function approvedClaim(overrides: Partial<ClaimState> = {}): ClaimState {
  const s = new Scenario().approved();
  s.run({ type: 'requestConsent' }, system, T0);
  s.run({ type: 'elapseConsent' }, system, AFTER_CONSENT);
  return { ...s.claim, ...overrides };
}

describe('eligibility (R13)', () => {
  it('R13: rules are versioned data: OSU for Microsoft 365, OSA for Business Applications', () => {
    expect(DEFAULT_ELIGIBILITY_RULES_VERSION).toBe('cpor-eligibility-2020-06');
    expect(Object.keys(ELIGIBILITY_RULES)).toEqual(['cpor-eligibility-2020-06']);
    expect(rules.products['microsoft-365']).toMatchObject({ program: 'OSU', programName: 'Online Services Usage' });
    expect(rules.products['business-applications']).toMatchObject({ program: 'OSA', programName: 'Online Services Advisor' });
    expect(() => getEligibilityRules('nope')).toThrow(/Unknown eligibility rules/);
  });

  it('R13: a Microsoft 365 deployment claim is eligible for OSU', () => {
    const a = assessEligibility(approvedClaim(), rules, new Date(AFTER_CONSENT));
    expect(a).toEqual({
      rulesVersion: 'cpor-eligibility-2020-06',
      eligible: true,
      subscriptionOrTenantIdValid: true,
      results: [{ product: 'microsoft-365', program: 'OSU', eligible: true, reasons: [] }],
      assessedAt: AFTER_CONSENT,
    });
  });

  it('R13: approval is not eligibility: a revenue-association claim is approved but earns no incentive', () => {
    const claim = approvedClaim({ activity: 'revenue-association', products: ['microsoft-365', 'business-applications'] });
    const a = assessEligibility(claim, rules, new Date(AFTER_CONSENT));
    expect(claim.status).toBe('Approved');
    expect(a.eligible).toBe(false);
    expect(a.results).toEqual([
      { product: 'microsoft-365', program: 'OSU', eligible: false, reasons: ['activity-not-eligible-for-program'] },
      { product: 'business-applications', program: 'OSA', eligible: false, reasons: ['activity-not-eligible-for-program'] },
    ]);
  });

  it('R13: each product is assessed by its own program; the claim is eligible when one product is', () => {
    const a = assessEligibility(approvedClaim({ activity: 'pre-sales', products: ['microsoft-365', 'business-applications'] }), rules, new Date(AFTER_CONSENT));
    expect(a.eligible).toBe(true);
    expect(a.results.map((r) => [r.product, r.program, r.eligible])).toEqual([
      ['microsoft-365', 'OSU', false],
      ['business-applications', 'OSA', true],
    ]);
  });

  it('R13: the subscription or tenant ID must be a GUID, else every product is ineligible', () => {
    for (const id of ['sub-123', '00000000-0000-0000-0000-000000000000', '9b1deb4d3b7d4bad9bdd2b0d7b3dcb6d']) {
      const a = assessEligibility(approvedClaim({ subscriptionOrTenantId: id }), rules, new Date(AFTER_CONSENT));
      expect(a.subscriptionOrTenantIdValid).toBe(false);
      expect(a.eligible).toBe(false);
      expect(a.results[0].reasons).toEqual(['invalid-subscription-or-tenant-id']);
    }
  });

  it('R13: a partner that opted out of incentives is ineligible for every product', () => {
    const a = assessEligibility(approvedClaim({ incentivesOptOut: true, products: ['microsoft-365', 'business-applications'] }), rules, new Date(AFTER_CONSENT));
    expect(a.eligible).toBe(false);
    for (const r of a.results) expect(r.reasons).toContain('partner-opted-out-of-incentives');
  });

  it('R13: a claim that is not approved, or whose consent period still runs, is ineligible', () => {
    const rejected = new Scenario().rejected().claim;
    expect(assessEligibility(rejected, rules, new Date(AFTER_CONSENT)).results[0].reasons).toEqual(['claim-not-approved']);
    const pending = new Scenario().approved();
    pending.run({ type: 'requestConsent' }, system, T0);
    expect(assessEligibility(pending.claim, rules, new Date(T0)).results[0].reasons).toEqual(['consent-period-not-elapsed']);
  });

  it('R13: a product without a program in the rules is ineligible with program null', () => {
    const partial = parseEligibilityRules({ version: 'only-osu', products: { 'microsoft-365': rules.products['microsoft-365'] } });
    const a = assessEligibility(approvedClaim({ activity: 'pre-sales', products: ['business-applications'] }), partial, new Date(AFTER_CONSENT));
    expect(a.results).toEqual([{ product: 'business-applications', program: null, eligible: false, reasons: ['no-incentive-program-for-product'] }]);
  });

  it('R13: invalid rules are refused with every problem', () => {
    expect(() => parseEligibilityRules({ products: { azure: {}, 'microsoft-365': { program: 'OSU', programName: 'x', qualifyingActivities: ['golf'] } } })).toThrow(
      /version.*azure is not a product.*azure needs program.*qualifyingActivities/,
    );
  });

  it('R13: the assessment id is a deterministic UUID v5 per claim and approval', () => {
    const id = assessmentIdFor('claim-1', 7);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(assessmentIdFor('claim-1', 7)).toBe(id);
    expect(assessmentIdFor('claim-1', 8)).not.toBe(id);
    expect(assessmentIdFor('claim-2', 7)).not.toBe(id);
  });

  it('R13: the eligibility result is recorded on the claim once, after the consent period', () => {
    const s = new Scenario().approved();
    s.run({ type: 'requestConsent' }, system, T0);
    s.run({ type: 'elapseConsent' }, system, AFTER_CONSENT);
    const a = assessEligibility(s.claim, rules, new Date(AFTER_CONSENT));
    const assessmentId = assessmentIdFor(s.claim.id, s.claim.statusEpoch);
    const out = s.run({ type: 'recordEligibility', assessmentId, eligible: a.eligible }, system, AFTER_CONSENT);
    expect(out.state.eligibility).toEqual({ assessmentId, assessedAt: AFTER_CONSENT, eligible: true });
    expect(out.state.status).toBe('Approved');
    expect(out.events[0]).toEqual({ type: 'cpor.claim.eligibility-assessed.v1', data: { assessmentId, eligible: true } });
    expect(s.refuse({ type: 'recordEligibility', assessmentId, eligible: true }, system, AFTER_CONSENT).details.condition).toBe('eligibility-already-recorded');
  });
});
