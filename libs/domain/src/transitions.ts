import { EVENT_TYPES, type EventType } from './event-types.js';
import type { ClaimAction } from './commands.js';
import type { Policy } from './policy.js';
import type { ActorKind } from './roles.js';
import { CLAIM_STATUSES, type ClaimStatus } from './statuses.js';

/**
 * One row of the state machine. `from: 'policy-editable'` means the policy's editableStates;
 * `to: 'same'` means the status does not change; `when` names which outcome of the action the row
 * describes when one action has several rows. An empty `from` means "no claim yet" (create).
 */
export interface Transition {
  action: ClaimAction;
  from: readonly ClaimStatus[] | 'policy-editable';
  to: ClaimStatus | 'same';
  actors: readonly ActorKind[];
  event: EventType;
  when?: string;
}

const PARTNER: readonly ActorKind[] = ['partner', 'upstream'];
const REVIEWER: readonly ActorKind[] = ['reviewer'];
const SYSTEM: readonly ActorKind[] = ['system'];

/**
 * The lifecycle as data: `decide` authorises actors and checks source states from these rows, and
 * docs/lifecycle.md's diagram and tables are generated from them.
 */
export const TRANSITIONS: ReadonlyArray<Transition> = [
  { action: 'create', from: [], to: 'Editing', actors: PARTNER, event: EVENT_TYPES.created },
  // Editing is the draft: partners may always edit it (R10 constrains edits after submission).
  { action: 'edit', from: ['Editing'], to: 'same', actors: PARTNER, event: EVENT_TYPES.edited },
  { action: 'edit', from: 'policy-editable', to: 'same', actors: PARTNER, event: EVENT_TYPES.edited },
  { action: 'addPoe', from: ['Editing'], to: 'same', actors: PARTNER, event: EVENT_TYPES.poeAdded },
  { action: 'addPoe', from: 'policy-editable', to: 'same', actors: PARTNER, event: EVENT_TYPES.poeAdded },
  { action: 'addPoe', from: ['Rejected'], to: 'same', actors: PARTNER, event: EVENT_TYPES.poeAdded, when: 'a dispute can be opened' },
  { action: 'submit', from: ['Editing'], to: 'Submitted', actors: PARTNER, event: EVENT_TYPES.submitted, when: 'PoE attached' },
  { action: 'submit', from: ['PartnerActionRequired'], to: 'Submitted', actors: PARTNER, event: EVENT_TYPES.submitted, when: 'resubmission' },
  {
    action: 'comment',
    from: ['Editing', 'Submitted', 'UnderReview', 'PartnerActionRequired', 'Rejected'],
    to: 'same',
    actors: ['partner', 'upstream', 'reviewer'],
    event: EVENT_TYPES.commented,
  },
  {
    action: 'withdraw',
    from: ['Editing', 'Submitted', 'UnderReview', 'PartnerActionRequired', 'Approved'],
    to: 'Rejected',
    actors: PARTNER,
    event: EVENT_TYPES.rejected,
    when: 'partner-request',
  },
  { action: 'dispute', from: ['Rejected'], to: 'same', actors: PARTNER, event: EVENT_TYPES.disputed, when: 'within the dispute window' },
  { action: 'startReview', from: ['Submitted'], to: 'UnderReview', actors: REVIEWER, event: EVENT_TYPES.reviewStarted },
  { action: 'requestInfo', from: ['UnderReview'], to: 'PartnerActionRequired', actors: REVIEWER, event: EVENT_TYPES.infoRequested },
  { action: 'approve', from: ['UnderReview'], to: 'Approved', actors: REVIEWER, event: EVENT_TYPES.approved },
  { action: 'reject', from: ['UnderReview'], to: 'Rejected', actors: REVIEWER, event: EVENT_TYPES.rejected },
  { action: 'decideDispute', from: ['Rejected'], to: 'UnderReview', actors: REVIEWER, event: EVENT_TYPES.disputeDecided, when: 'overturned' },
  { action: 'decideDispute', from: ['Rejected'], to: 'same', actors: REVIEWER, event: EVENT_TYPES.disputeDecided, when: 'sustained' },
  {
    action: 'expirePartnerResponse',
    from: ['PartnerActionRequired'],
    to: 'Rejected',
    actors: SYSTEM,
    event: EVENT_TYPES.rejected,
    when: 'no-partner-response',
  },
  { action: 'recordSlaBreach', from: ['Submitted', 'UnderReview', 'Rejected'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.slaBreached },
  { action: 'requestConsent', from: ['Approved'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.consentRequested },
  { action: 'declineConsent', from: ['Approved'], to: 'Rejected', actors: ['customer'], event: EVENT_TYPES.rejected, when: 'customer-decline' },
  { action: 'elapseConsent', from: ['Approved'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.consentPeriodElapsed },
  { action: 'recordEligibility', from: ['Approved'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.eligibilityAssessed },
];

/** Source statuses of a row, with 'policy-editable' resolved. */
export function fromStates(row: Transition, policy: Policy): readonly ClaimStatus[] {
  return row.from === 'policy-editable' ? policy.editableStates : row.from;
}

/** Every status in which `action` is allowed under `policy`, in lifecycle order. */
export function allowedStates(action: ClaimAction, policy: Policy): ClaimStatus[] {
  const set = new Set(TRANSITIONS.filter((r) => r.action === action).flatMap((r) => fromStates(r, policy)));
  return CLAIM_STATUSES.filter((s) => set.has(s));
}
