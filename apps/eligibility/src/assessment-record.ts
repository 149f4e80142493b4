import type { Assessment, ClaimState, Product } from '@cpor/domain';

/**
 * The downstream contract (docs/eligibility.md): one record per approval that passed the consent
 * window, on `cpor.claim-eligibility.v1`, CloudEvents type `cpor.claim-eligibility.assessment.v1`,
 * event id = assessmentId. Self-contained so downstream never has to read our lifecycle topic.
 */
export interface AssessmentRecord {
  assessmentId: string;
  claimId: string;
  /** Status epoch of the approval assessed; a later re-approval gets a new assessment. */
  approvalEpoch: number;
  partnerId: string;
  mpnId: string;
  customerTenantId: string;
  subscriptionOrTenantId: string;
  subscriptionOrTenantIdValid: boolean;
  activity: string;
  policyId: string;
  rulesVersion: string;
  /** True when at least one product is eligible. */
  eligible: boolean;
  results: Array<{ product: Product; program: string | null; eligible: boolean; reasons: string[] }>;
  approvedAt: string | null;
  consentDeadline: string | null;
  assessedAt: string;
}

export function assessmentRecord(claim: ClaimState, assessment: Assessment, assessmentId: string): AssessmentRecord {
  return {
    assessmentId,
    claimId: claim.id,
    approvalEpoch: claim.statusEpoch,
    partnerId: claim.partnerId,
    mpnId: claim.mpnId,
    customerTenantId: claim.customer.tenantId,
    subscriptionOrTenantId: claim.subscriptionOrTenantId,
    subscriptionOrTenantIdValid: assessment.subscriptionOrTenantIdValid,
    activity: claim.activity,
    policyId: claim.policyId,
    rulesVersion: assessment.rulesVersion,
    eligible: assessment.eligible,
    results: assessment.results.map((r) => ({ product: r.product, program: r.program, eligible: r.eligible, reasons: [...r.reasons] })),
    approvedAt: claim.approvedAt ?? null,
    consentDeadline: claim.consent?.deadline ?? null,
    assessedAt: assessment.assessedAt,
  };
}
