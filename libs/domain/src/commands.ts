import type { Contact, CustomerInfo, EditableField, PoeDocument, SlaKind } from './claim.js';
import type { Activity, InfoRequestReason, PartnerRequestSubreason, Product, RejectionReason } from './reasons.js';

/**
 * Everything that can happen to a claim, as a discriminated union on `type`.
 * Commands may arrive from HTTP or Kafka as untrusted JSON: `decide` validates them at run time.
 */
export type ClaimCommand =
  | CreateCommand
  | EditCommand
  | AddPoeCommand
  | { type: 'submit' }
  | { type: 'comment'; text: string }
  | { type: 'withdraw'; subReason: PartnerRequestSubreason; comment?: string }
  | { type: 'dispute'; disputeId: string; justification?: string; poeDocumentIds?: string[] }
  | { type: 'startReview' }
  | { type: 'requestInfo'; reasons: InfoRequestReason[]; comment: string }
  | { type: 'approve'; comment?: string }
  | { type: 'reject'; reason: RejectionReason; comment: string }
  | { type: 'decideDispute'; decision: 'overturned' | 'sustained'; comment: string }
  /** R6 timer. `statusEpoch`, when given, must still be current (a stale timer is refused). */
  | { type: 'expirePartnerResponse'; statusEpoch?: number }
  /** R3/R4/R9 timers; no status change. */
  | { type: 'recordSlaBreach'; sla: SlaKind; statusEpoch?: number }
  | { type: 'requestConsent' }
  | { type: 'declineConsent'; comment?: string }
  | { type: 'elapseConsent' }
  | { type: 'recordEligibility'; assessmentId: string; eligible: boolean };

/** R1: what a partner gives to create a claim; `claimId` and `policyId` are chosen by the caller. */
export interface CreateCommand {
  type: 'create';
  claimId: string;
  policyId: string;
  mpnId: string;
  customer: CustomerInfo;
  customerContact: Contact;
  partnerContact: Contact;
  products: Product[];
  workloads?: string[];
  activity: Activity;
  subscriptionOrTenantId: string;
  incentivesOptOut?: boolean;
  /** The partner organisation's display name, from the caller's token (not from the request body). */
  partnerName?: string;
}

/** The fields a policy may make editable (EDITABLE_FIELDS), typed as at creation (R10). */
export type EditableChanges = Pick<Required<CreateCommand>, EditableField>;

export interface EditCommand {
  type: 'edit';
  changes: Partial<EditableChanges>;
}

/** `addedAt` and `addedBy` are stamped by `decide` (now, actor id); values given here are ignored. */
export interface AddPoeCommand {
  type: 'addPoe';
  document: Omit<PoeDocument, 'addedAt' | 'addedBy'> & Partial<Pick<PoeDocument, 'addedAt' | 'addedBy'>>;
}

export type ClaimAction = ClaimCommand['type'];

export const CLAIM_ACTIONS = [
  'create',
  'edit',
  'addPoe',
  'submit',
  'comment',
  'withdraw',
  'dispute',
  'startReview',
  'requestInfo',
  'approve',
  'reject',
  'decideDispute',
  'expirePartnerResponse',
  'recordSlaBreach',
  'requestConsent',
  'declineConsent',
  'elapseConsent',
  'recordEligibility',
] as const satisfies readonly ClaimAction[];

/** Narrows a command to one type, for handlers. */
export type CommandOf<A extends ClaimAction> = Extract<ClaimCommand, { type: A }>;
