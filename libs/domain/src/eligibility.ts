import { createHash } from 'node:crypto';
import type { ClaimState } from './claim.js';
import { RAW_ELIGIBILITY_RULES } from './eligibility/index.js';
import { ACTIVITIES, PRODUCTS, isOneOf, type Activity, type Product } from './reasons.js';
import { isGuid, isRecord } from './validation.js';

/**
 * R13: approval is not incentive eligibility. Each product maps to an incentive program (OSU for
 * Microsoft 365, OSA for Business Applications) whose rules say which CPOR activities qualify.
 */
export interface ProgramRule {
  program: string;
  programName: string;
  qualifyingActivities: Activity[];
}

export interface EligibilityRules {
  version: string;
  description?: string;
  /** Products without an entry have no incentive program. */
  products: Partial<Record<Product, ProgramRule>>;
}

export interface ProductAssessment {
  product: Product;
  program: string | null;
  eligible: boolean;
  reasons: string[];
}

export interface Assessment {
  rulesVersion: string;
  /** True when at least one claimed product is eligible. */
  eligible: boolean;
  subscriptionOrTenantIdValid: boolean;
  results: ProductAssessment[];
  assessedAt: string;
}

/** Reason codes in ProductAssessment.reasons. */
export const INELIGIBILITY_REASONS = {
  notApproved: 'claim-not-approved',
  consentPending: 'consent-period-not-elapsed',
  optedOut: 'partner-opted-out-of-incentives',
  invalidId: 'invalid-subscription-or-tenant-id',
  noProgram: 'no-incentive-program-for-product',
  activity: 'activity-not-eligible-for-program',
} as const;

/** Validates a rules document (all problems at once) and returns it typed. */
export function parseEligibilityRules(raw: unknown): EligibilityRules {
  const errors: string[] = [];
  const r = isRecord(raw) ? raw : {};
  if (typeof r.version !== 'string' || !r.version) errors.push('version must be a non-empty string');
  if (!isRecord(r.products)) errors.push('products must be an object keyed by product');
  else {
    for (const [product, rule] of Object.entries(r.products)) {
      if (!isOneOf(PRODUCTS, product)) errors.push(`products.${product} is not a product (${PRODUCTS.join(', ')})`);
      if (!isRecord(rule) || typeof rule.program !== 'string' || !rule.program || typeof rule.programName !== 'string') {
        errors.push(`products.${product} needs program and programName`);
      } else if (!Array.isArray(rule.qualifyingActivities) || !rule.qualifyingActivities.every((a) => isOneOf(ACTIVITIES, a))) {
        errors.push(`products.${product}.qualifyingActivities must list activities among ${ACTIVITIES.join(', ')}`);
      }
    }
  }
  if (errors.length) throw new Error(`Invalid eligibility rules ${String(r.version ?? '?')}: ${errors.join('; ')}`);
  return Object.freeze({ ...(r as unknown as EligibilityRules) });
}

export const ELIGIBILITY_RULES: Readonly<Record<string, EligibilityRules>> = Object.freeze(
  Object.fromEntries(RAW_ELIGIBILITY_RULES.map(parseEligibilityRules).map((r) => [r.version, r])),
);

export const DEFAULT_ELIGIBILITY_RULES_VERSION = 'cpor-eligibility-2020-06';

export function getEligibilityRules(version: string = DEFAULT_ELIGIBILITY_RULES_VERSION): EligibilityRules {
  const rules = Object.hasOwn(ELIGIBILITY_RULES, version) ? ELIGIBILITY_RULES[version] : undefined;
  if (!rules) throw new Error(`Unknown eligibility rules '${version}' (known: ${Object.keys(ELIGIBILITY_RULES).join(', ')})`);
  return rules;
}

/**
 * Assesses every claimed product. Claim-wide problems (not approved, consent period still running,
 * partner opted out of incentives, subscription/tenant ID not a GUID) make every product
 * ineligible, each with its reason; otherwise a product is eligible when its program accepts the
 * claim's activity.
 */
export function assessEligibility(claim: ClaimState, rules: EligibilityRules, now: Date): Assessment {
  const idValid = isGuid(claim.subscriptionOrTenantId);
  const common: string[] = [];
  if (claim.status !== 'Approved') common.push(INELIGIBILITY_REASONS.notApproved);
  if (claim.consent && !claim.consent.elapsedAt && now.getTime() < Date.parse(claim.consent.deadline)) {
    common.push(INELIGIBILITY_REASONS.consentPending);
  }
  if (claim.incentivesOptOut) common.push(INELIGIBILITY_REASONS.optedOut);
  if (!idValid) common.push(INELIGIBILITY_REASONS.invalidId);

  const results = claim.products.map((product): ProductAssessment => {
    const rule = rules.products[product];
    const reasons = [...common];
    if (!rule) reasons.push(INELIGIBILITY_REASONS.noProgram);
    else if (!rule.qualifyingActivities.includes(claim.activity)) reasons.push(INELIGIBILITY_REASONS.activity);
    return { product, program: rule?.program ?? null, eligible: reasons.length === 0, reasons };
  });
  return {
    rulesVersion: rules.version,
    eligible: results.some((r) => r.eligible),
    subscriptionOrTenantIdValid: idValid,
    results,
    assessedAt: now.toISOString(),
  };
}

// Fixed namespace for assessment ids (a random UUID chosen once for this purpose).
const ASSESSMENT_NAMESPACE = '4f1c2a7e-9b3d-4e58-a6f0-2d8c7b5e1a93';

/**
 * Deterministic assessment id for one approval of a claim: a UUID version 5 (SHA-1 of namespace +
 * name), so a replayed or repeated assessment gets the same id and downstream can de-duplicate.
 */
export function assessmentIdFor(claimId: string, approvalEpoch: number): string {
  const ns = Buffer.from(ASSESSMENT_NAMESPACE.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(`${claimId}:${approvalEpoch}`, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50; // version 5
  b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
