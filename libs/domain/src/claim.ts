import type { Activity, InfoRequestReason, PartnerRequestSubreason, Product, RejectionReason } from './reasons.js';
import type { ClaimStatus } from './statuses.js';

export interface Contact {
  name: string;
  email: string;
  phone?: string;
}

export interface CustomerInfo {
  tenantId: string;
  name: string;
  domain: string;
}

export interface PoeDocument {
  documentId: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  addedAt: string;
  addedBy: string;
}

export interface Dispute {
  id: string;
  openedAt: string;
  justification?: string;
  poeDocumentIds: string[];
  /** When reviewers should have answered (R9: disputeAnswerBusinessDays business days). */
  dueAt: string;
  decision?: 'overturned' | 'sustained';
  decidedAt?: string;
  comment?: string;
}

/** A claim is created in Editing, in this status epoch. */
export const CREATED_STATUS_EPOCH = 1;

export const SLA_KINDS = ['review-start', 'decision', 'dispute-answer'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

/** A recorded SLA breach; kept so a timer that fires twice records it once. */
export interface SlaBreach {
  sla: SlaKind;
  statusEpoch: number;
  dueAt: string;
  recordedAt: string;
  disputeId?: string;
}

/**
 * The claim aggregate: a plain JSON-serialisable object (dates are ISO-8601 strings in UTC).
 * Only `decide` produces new versions of it.
 */
export interface ClaimState {
  id: string;
  /** Policy stamped at creation (`cpor-2020-06`, ...): its numbers govern this claim for life. */
  policyId: string;
  partnerId: string;
  mpnId: string;
  customer: CustomerInfo;
  customerContact: Contact;
  partnerContact: Contact;
  products: Product[];
  workloads: string[];
  activity: Activity;
  subscriptionOrTenantId: string;
  incentivesOptOut: boolean;
  /** The partner organisation's display name, when known at creation (shown to the customer). */
  partnerName?: string;
  status: ClaimStatus;
  /** +1 on every status change; deadlines remember the epoch they were set in. */
  statusEpoch: number;
  statusChangedAt: string;
  poe: PoeDocument[];
  submittedAt?: string;
  reviewStartedAt?: string;
  /** The latest info request (R5); kept after resubmission as a record of what was asked. */
  infoRequest?: { reasons: InfoRequestReason[]; comment: string; requestedAt: string; dueAt: string };
  approvedAt?: string;
  /** Set while the claim is Rejected; cleared when a dispute is overturned. */
  rejection?: {
    reason: RejectionReason;
    subReason?: PartnerRequestSubreason;
    comment?: string;
    rejectedAt: string;
    /** End of the dispute window (exclusive); equals rejectedAt when the reason cannot be disputed. */
    disputeUntil: string;
  };
  disputes: Dispute[];
  /** Customer consent window of the current approval (R7); cleared by a new approval. */
  consent?: { requestedAt: string; deadline: string; declinedAt?: string; elapsedAt?: string };
  eligibility?: { assessmentId: string; assessedAt: string; eligible: boolean };
  slaBreaches?: SlaBreach[];
  createdAt: string;
  updatedAt: string;
}

/** Fields a policy may let partners edit (R10). */
export const EDITABLE_FIELDS = ['mpnId', 'products', 'workloads', 'customerContact', 'partnerContact'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

/** The dispute still waiting for a reviewer's decision, if any. */
export function openDispute(claim: ClaimState): Dispute | undefined {
  return claim.disputes.find((d) => d.decision === undefined);
}
