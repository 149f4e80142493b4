/**
 * Reason codes and the products/activities a claim names. Codes are stable identifiers used in
 * commands, events and APIs; labels are the seed's wording, used in emails and UIs.
 */

/** R5: why a reviewer puts a claim in PartnerActionRequired. */
export const INFO_REQUEST_REASONS = [
  'missing-all-poe',
  'missing-customer-acknowledgment',
  'missing-or-old-dates',
  'missing-partner-solution',
  'missing-products',
] as const;
export type InfoRequestReason = (typeof INFO_REQUEST_REASONS)[number];

/** R8: why a claim is rejected. */
export const REJECTION_REASONS = [
  'partner-request',
  'customer-decline',
  'insufficient-poe',
  'missing-customer-consent-on-poe',
  'missing-products',
  'no-partner-response',
  'poe-unavailable',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** R8: why a partner asks for its own claim to be rejected (withdraw). */
export const PARTNER_REQUEST_SUBREASONS = ['wrong-mpn', 'wrong-activity', 'no-longer-working-with-customer'] as const;
export type PartnerRequestSubreason = (typeof PARTNER_REQUEST_SUBREASONS)[number];

/** Rejection reasons a reviewer may choose; the others come from the partner, the customer or the PAR deadline. */
export const REVIEWER_REJECTION_REASONS = [
  'insufficient-poe',
  'missing-customer-consent-on-poe',
  'missing-products',
  'poe-unavailable',
] as const satisfies readonly RejectionReason[];

/**
 * Rejections that cannot be disputed: the partner asked for it itself, or the customer declined the
 * association (a reviewer cannot overturn the customer's decision). Both need a new claim.
 */
export const NON_DISPUTABLE_REJECTION_REASONS = ['partner-request', 'customer-decline'] as const satisfies readonly RejectionReason[];

export const PRODUCTS = ['business-applications', 'microsoft-365'] as const;
export type Product = (typeof PRODUCTS)[number];

export const ACTIVITIES = ['pre-sales', 'revenue-association', 'deployment', 'managed-services'] as const;
export type Activity = (typeof ACTIVITIES)[number];

/**
 * Human labels for every code above. Info-request and rejection reasons share the key
 * 'missing-products' and the same wording, so one flat record serves both.
 */
export const REASON_LABELS: Record<string, string> = {
  // R5 info request reasons
  'missing-all-poe': 'Missing all PoE: PoE is missing due to an incorrect file uploaded or not pertaining to the CPOR association claim',
  'missing-customer-acknowledgment': 'Missing customer acknowledgment: the customer signature is not on the PoE',
  'missing-or-old-dates': 'Missing or old dates: dates on the PoE are missing or old in relation to the claim',
  'missing-partner-solution': 'Missing partner solution/service: the description of work you have completed is insufficient or not included in the document',
  'missing-products': "Missing products: the PoE doesn't include a product or workload being claimed for",
  // R8 rejection reasons
  'partner-request': 'Partner request: the partner asked to have the association rejected',
  'customer-decline': 'Customer decline: the customer denied consent to the association',
  'insufficient-poe': 'Insufficient proof of execution',
  'missing-customer-consent-on-poe': 'Missing customer consent on PoE',
  'no-partner-response': 'No partner response within the time allowed',
  'poe-unavailable': 'PoE unavailable',
  // R8 partner request sub-reasons
  'wrong-mpn': 'The claim was created using an incorrect MPN ID',
  'wrong-activity': 'The claim was created with an incorrect activity',
  'no-longer-working-with-customer': 'The partner is not working with the customer any longer',
};

export const PRODUCT_LABELS: Record<Product, string> = {
  'business-applications': 'Business Applications',
  'microsoft-365': 'Microsoft 365',
};

export const ACTIVITY_LABELS: Record<Activity, string> = {
  'pre-sales': 'Pre-sales',
  'revenue-association': 'Revenue association',
  deployment: 'Deployment',
  'managed-services': 'Managed services',
};

export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

/** The part of a reason's label before its explanation ("Missing all PoE"). */
export function shortReasonLabel(code: string): string {
  return (REASON_LABELS[code] ?? code).split(':')[0];
}
