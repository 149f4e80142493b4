import type { BusinessCalendar } from './business-calendar.js';
import { EDITABLE_FIELDS, type EditableField } from './claim.js';
import { RAW_POLICIES } from './policies/index.js';
import { isOneOf } from './reasons.js';
import { CLAIM_STATUSES, type ClaimStatus } from './statuses.js';

/**
 * The numbers of the lifecycle, versioned. Each claim is stamped with one policy id when it is
 * created and keeps it for life, so changing the rules means adding a policy, not editing one.
 */
export interface Policy {
  id: string;
  description?: string;
  /** R3: Submitted -> review started. */
  reviewStartSlaBusinessDays: number;
  /** R4: UnderReview -> decision. */
  decisionSlaBusinessDays: number;
  /** R6: PartnerActionRequired -> resubmitted, or rejected with no-partner-response. */
  partnerResponseBusinessDays: number;
  /** R9: calendar days after rejection during which a dispute may be opened. */
  disputeWindowDays: number;
  /** R9: reviewers answer a dispute within this many business days. */
  disputeAnswerBusinessDays: number;
  /** R7: calendar days the customer has to decline after consent is requested. */
  consentWindowDays: number;
  /** R10: statuses in which partners may edit (besides Editing, the draft). */
  editableStates: ClaimStatus[];
  /** R10: the fields they may edit. */
  editableFields: EditableField[];
  /** R9: disputes allowed per claim; null = unlimited. */
  maxDisputes: number | null;
}

export const DEFAULT_POLICY_ID = 'cpor-2020-06';

const NUMBER_FIELDS = [
  'reviewStartSlaBusinessDays',
  'decisionSlaBusinessDays',
  'partnerResponseBusinessDays',
  'disputeWindowDays',
  'disputeAnswerBusinessDays',
  'consentWindowDays',
] as const;

/** Validates a policy document (all problems at once) and returns it typed. */
export function parsePolicy(raw: unknown): Policy {
  const errors: string[] = [];
  const p = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if (typeof p.id !== 'string' || !p.id) errors.push('id must be a non-empty string');
  for (const f of NUMBER_FIELDS) {
    const v = p[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) errors.push(`${f} must be a whole number >= 1`);
  }
  if (!Array.isArray(p.editableStates) || !p.editableStates.every((s) => isOneOf(CLAIM_STATUSES, s))) {
    errors.push(`editableStates must list statuses among ${CLAIM_STATUSES.join(', ')}`);
  } else if (p.editableStates.some((s) => s === 'Approved' || s === 'Rejected')) {
    errors.push('editableStates cannot include Approved or Rejected');
  }
  if (!Array.isArray(p.editableFields) || !p.editableFields.every((f) => isOneOf(EDITABLE_FIELDS, f))) {
    errors.push(`editableFields must list fields among ${EDITABLE_FIELDS.join(', ')}`);
  }
  if (p.maxDisputes !== null && (typeof p.maxDisputes !== 'number' || !Number.isInteger(p.maxDisputes) || p.maxDisputes < 0)) {
    errors.push('maxDisputes must be null (unlimited) or a whole number >= 0');
  }
  if (errors.length) throw new Error(`Invalid policy ${String(p.id ?? '?')}: ${errors.join('; ')}`);
  return Object.freeze({ ...(p as unknown as Policy) });
}

/** Every known policy by id. */
export const POLICIES: Readonly<Record<string, Policy>> = Object.freeze(
  Object.fromEntries(RAW_POLICIES.map(parsePolicy).map((p) => [p.id, p])),
);

export function getPolicy(id: string): Policy {
  const policy = Object.hasOwn(POLICIES, id) ? POLICIES[id] : undefined;
  if (!policy) throw new Error(`Unknown policy '${id}' (known: ${Object.keys(POLICIES).join(', ')})`);
  return policy;
}

export type DeadlineKind = 'review-start' | 'decision' | 'partner-response' | 'dispute-answer';

/** When a business-day deadline of `kind` that starts at `from` falls, under `policy`. */
export function dueAt(kind: DeadlineKind, from: Date, policy: Policy, calendar: BusinessCalendar): Date {
  const days = {
    'review-start': policy.reviewStartSlaBusinessDays,
    decision: policy.decisionSlaBusinessDays,
    'partner-response': policy.partnerResponseBusinessDays,
    'dispute-answer': policy.disputeAnswerBusinessDays,
  }[kind];
  if (days === undefined) throw new Error(`Unknown deadline kind '${String(kind)}'`);
  return calendar.addBusinessDays(from, days);
}
