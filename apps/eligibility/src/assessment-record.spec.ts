import { describe, expect, it } from '@jest/globals';
import { assessEligibility, assessmentIdFor, getEligibilityRules, type ClaimState } from '@cpor/domain';
import { assessmentRecord } from './assessment-record.js';

const TENANT = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';

function elapsedClaim(overrides: Partial<ClaimState> = {}): ClaimState {
  return {
    id: 'claim-1',
    policyId: 'cpor-2020-06',
    partnerId: 'partner-1',
    mpnId: '1234567',
    customer: { tenantId: TENANT, name: 'Contoso', domain: 'contoso.com' },
    customerContact: { name: 'Ada', email: 'ada@contoso.com' },
    partnerContact: { name: 'Bob', email: 'bob@fabrikam.com' },
    products: ['microsoft-365', 'business-applications'],
    workloads: [],
    activity: 'deployment',
    subscriptionOrTenantId: TENANT,
    incentivesOptOut: false,
    status: 'Approved',
    statusEpoch: 4,
    statusChangedAt: '2026-11-24T10:00:00.000Z',
    approvedAt: '2026-11-24T10:00:00.000Z',
    poe: [],
    disputes: [],
    consent: { requestedAt: '2026-11-24T10:00:00.000Z', deadline: '2026-12-01T10:00:00.000Z', elapsedAt: '2026-12-01T10:00:01.000Z' },
    createdAt: '2026-11-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:01.000Z',
    ...overrides,
  };
}

const now = new Date('2026-12-01T10:00:02.000Z');
const rules = getEligibilityRules();

describe('downstream assessment record (R13)', () => {
  it('carries the claim identity, the rules version and one result per product', () => {
    const claim = elapsedClaim();
    const id = assessmentIdFor(claim.id, claim.statusEpoch);
    const record = assessmentRecord(claim, assessEligibility(claim, rules, now), id);
    expect(record).toEqual({
      assessmentId: id,
      claimId: 'claim-1',
      approvalEpoch: 4,
      partnerId: 'partner-1',
      mpnId: '1234567',
      customerTenantId: TENANT,
      subscriptionOrTenantId: TENANT,
      subscriptionOrTenantIdValid: true,
      activity: 'deployment',
      policyId: 'cpor-2020-06',
      rulesVersion: rules.version,
      eligible: true,
      results: [
        { product: 'microsoft-365', program: 'OSU', eligible: true, reasons: [] },
        { product: 'business-applications', program: 'OSA', eligible: true, reasons: [] },
      ],
      approvedAt: '2026-11-24T10:00:00.000Z',
      consentDeadline: '2026-12-01T10:00:00.000Z',
      assessedAt: now.toISOString(),
    });
  });

  it('R13: approval is not eligibility: an invalid subscription or tenant ID makes every product ineligible', () => {
    const claim = elapsedClaim({ subscriptionOrTenantId: 'not-a-guid' });
    const record = assessmentRecord(claim, assessEligibility(claim, rules, now), 'a');
    expect(record.eligible).toBe(false);
    expect(record.subscriptionOrTenantIdValid).toBe(false);
    expect(record.results.every((r) => !r.eligible && r.reasons.includes('invalid-subscription-or-tenant-id'))).toBe(true);
  });

  it('is plain JSON (survives a round trip unchanged)', () => {
    const claim = elapsedClaim({ activity: 'pre-sales' });
    const record = assessmentRecord(claim, assessEligibility(claim, rules, now), 'a');
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(record.results.find((r) => r.product === 'microsoft-365')).toEqual({
      product: 'microsoft-365',
      program: 'OSU',
      eligible: false,
      reasons: ['activity-not-eligible-for-program'],
    });
  });

  it('names one approval with one stable id', () => {
    expect(assessmentIdFor('claim-1', 4)).toBe(assessmentIdFor('claim-1', 4));
    expect(assessmentIdFor('claim-1', 4)).not.toBe(assessmentIdFor('claim-1', 8));
  });
});
