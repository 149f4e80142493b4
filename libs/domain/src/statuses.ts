/** The six statuses of a CPOR association claim (seed: "Here are the statuses and their meanings"). */
export const CLAIM_STATUSES = ['Editing', 'Submitted', 'UnderReview', 'PartnerActionRequired', 'Approved', 'Rejected'] as const;

export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** Wording shown to people (emails, UI), as the seed names the statuses. */
export const STATUS_LABELS: Record<ClaimStatus, string> = {
  Editing: 'Editing',
  Submitted: 'Submitted',
  UnderReview: 'Under review',
  PartnerActionRequired: 'Partner action required',
  Approved: 'Approved',
  Rejected: 'Rejected',
};

export function isClaimStatus(value: unknown): value is ClaimStatus {
  return typeof value === 'string' && (CLAIM_STATUSES as readonly string[]).includes(value);
}
