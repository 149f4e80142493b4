import type { EventType } from './event-types.js';
import type { BusinessCalendar } from './business-calendar.js';
import { EDITABLE_FIELDS, SLA_KINDS, openDispute, type ClaimState, type Contact, type Dispute, type EditableField, type SlaKind } from './claim.js';
import { CLAIM_ACTIONS, type ClaimAction, type ClaimCommand, type CommandOf } from './commands.js';
import { assertDisputeCanOpen, isDisputableReason } from './disputes.js';
import { DomainError, invalidCommand, invalidState } from './errors.js';
import { dueAt, type Policy } from './policy.js';
import {
  ACTIVITIES,
  INFO_REQUEST_REASONS,
  PARTNER_REQUEST_SUBREASONS,
  PRODUCT_LABELS,
  REASON_LABELS,
  REVIEWER_REJECTION_REASONS,
  isOneOf,
  type Activity,
  type InfoRequestReason,
  type Product,
  type RejectionReason,
} from './reasons.js';
import { ACTOR_KINDS, PARTNER_ROLES, REVIEWER_ROLE, hasPartnerRole, hasReviewerRole, type Actor, type ActorKind } from './roles.js';
import type { ClaimStatus } from './statuses.js';
import { TRANSITIONS, allowedStates, fromStates } from './transitions.js';
import {
  FIELD_LIMITS,
  MAX_TEXT,
  checkContact,
  checkCustomer,
  checkMpnId,
  checkOptionalText,
  checkPoeDocument,
  checkProducts,
  checkStringList,
  checkText,
  checkWorkloads,
  isRecord,
} from './validation.js';

/** A lifecycle event: its type and its own data (the ledger adds the envelope and the claim snapshot). */
export interface DomainEvent {
  type: EventType;
  data: Record<string, unknown>;
}

/** R12: one line of the claim's history. */
export interface HistoryEntry {
  at: string;
  actor: { kind: ActorKind; id: string };
  action: string;
  fromStatus: ClaimStatus | null;
  toStatus: ClaimStatus;
  summary: string;
  details?: Record<string, unknown>;
}

export interface Outcome {
  state: ClaimState;
  events: DomainEvent[];
  history: HistoryEntry;
}

export interface DecideContext {
  now: Date;
  /** The claim's policy (for create: the policy named by the command). */
  policy: Policy;
  calendar: BusinessCalendar;
}

/** What a handler decides; `decide` turns it into the next state, the event and the history entry. */
interface Change {
  patch: Partial<ClaimState>;
  to?: ClaimStatus;
  data: Record<string, unknown>;
  summary: string;
  details?: Record<string, unknown>;
}

interface Input<A extends ClaimAction> {
  claim: ClaimState;
  command: CommandOf<A>;
  actor: Actor;
  now: Date;
  nowIso: string;
  policy: Policy;
  calendar: BusinessCalendar;
}

/**
 * The claim's state machine: given the current claim (null before create), a command, who sends it
 * and the time, answers the next state, the events to publish and the history entry, or throws a
 * DomainError. Pure: same inputs, same outcome.
 *
 * Checks run in this order: command type, actor (forbidden), claim exists and belongs to the
 * partner (not-found), status (invalid-state), windows (window-closed), payload (invalid-command).
 */
export function decide(claim: ClaimState | null, command: ClaimCommand, actor: Actor, ctx: DecideContext): Outcome {
  if (!(ctx.now instanceof Date) || Number.isNaN(ctx.now.getTime())) throw new Error('decide: ctx.now must be a valid Date');
  if (typeof command !== 'object' || command === null || !isOneOf(CLAIM_ACTIONS, command.type)) {
    throw invalidCommand([`type must be one of ${CLAIM_ACTIONS.join(', ')}`]);
  }
  const action = command.type;
  authorize(actor, action);

  if (action === 'create') {
    if (claim) {
      throw invalidState(`Claim ${claim.id} already exists`, { currentStatus: claim.status, allowedStates: [], action, condition: 'claim-exists' });
    }
  } else {
    // Another organisation's claim is answered exactly like a missing one, so ids leak nothing.
    if (!claim || (isPartnerSide(actor) && claim.partnerId !== actor.partnerId)) {
      throw new DomainError('not-found', 'Claim not found', { action });
    }
    if (claim.policyId !== ctx.policy.id) throw new Error(`decide: claim ${claim.id} has policy ${claim.policyId}, ctx has ${ctx.policy.id}`);
    const allowed = allowedStates(action, ctx.policy);
    if (!allowed.includes(claim.status)) {
      throw invalidState(`Cannot ${action} a claim in status ${claim.status} (allowed in: ${allowed.join(', ') || 'none'})`, {
        currentStatus: claim.status,
        allowedStates: allowed,
        action,
      });
    }
  }

  const input = { claim, command, actor, now: ctx.now, nowIso: ctx.now.toISOString(), policy: ctx.policy, calendar: ctx.calendar };
  const change = (HANDLERS[action] as (i: Input<ClaimAction>) => Change)(input as Input<ClaimAction>);
  return finish(action, claim, change, actor, ctx);
}

function finish(action: ClaimAction, claim: ClaimState | null, change: Change, actor: Actor, ctx: DecideContext): Outcome {
  const nowIso = ctx.now.toISOString();
  const from = claim?.status ?? null;
  let state: ClaimState;
  if (claim) {
    const to = change.to ?? claim.status;
    state = { ...claim, ...change.patch, updatedAt: nowIso };
    if (to !== claim.status) {
      state.status = to;
      state.statusEpoch = claim.statusEpoch + 1;
      state.statusChangedAt = nowIso;
    }
  } else {
    state = change.patch as ClaimState;
  }
  state = compact(state);

  // Every outcome must be a row of TRANSITIONS: the table, the docs and the code cannot disagree.
  const row = TRANSITIONS.find(
    (r) =>
      r.action === action &&
      (from === null ? r.from.length === 0 : fromStates(r, ctx.policy).includes(from)) &&
      (r.to === 'same' ? state.status === from : r.to === state.status),
  );
  if (!row) throw new Error(`decide: ${action} from ${from} to ${state.status} is not in TRANSITIONS`);

  const data = compact(change.data);
  return {
    state,
    events: [{ type: row.event, data }],
    history: compact({
      at: nowIso,
      actor: { kind: actor.kind, id: actor.id },
      action,
      fromStatus: from,
      toStatus: state.status,
      summary: change.summary,
      details: change.details ?? (Object.keys(data).length ? data : undefined),
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Authorisation

function isPartnerSide(actor: Actor): boolean {
  return actor.kind === 'partner' || actor.kind === 'upstream';
}

function authorize(actor: Actor, action: ClaimAction): void {
  if (!isRecord(actor) || !isOneOf(ACTOR_KINDS, actor.kind) || typeof actor.id !== 'string' || !actor.id) {
    throw new DomainError('forbidden', 'Unknown actor', { action });
  }
  const allowedActors = [...new Set(TRANSITIONS.filter((r) => r.action === action).flatMap((r) => r.actors))];
  if (!allowedActors.includes(actor.kind)) {
    throw new DomainError('forbidden', `A ${actor.kind} may not ${action} (allowed: ${allowedActors.join(', ')})`, {
      action,
      actorKind: actor.kind,
      allowedActors,
    });
  }
  if (actor.kind === 'partner' && !hasPartnerRole(actor)) {
    throw new DomainError('forbidden', `${action} needs one of the partner roles ${PARTNER_ROLES.join(', ')}`, {
      action,
      requiredRoles: [...PARTNER_ROLES],
    });
  }
  if (actor.kind === 'reviewer' && !hasReviewerRole(actor)) {
    throw new DomainError('forbidden', `${action} needs the role ${REVIEWER_ROLE}`, { action, requiredRoles: [REVIEWER_ROLE] });
  }
  if (isPartnerSide(actor) && (typeof actor.partnerId !== 'string' || !actor.partnerId)) {
    throw new DomainError('forbidden', `A ${actor.kind} actor must act for a partner organisation (partnerId)`, { action });
  }
}

// ---------------------------------------------------------------------------------------------
// Handlers, one per action. They run after the actor, ownership and status checks.

type Handlers = { [A in ClaimAction]: (input: Input<A>) => Change };

const HANDLERS: Handlers = {
  create({ command, actor, now, nowIso, policy }) {
    const c = command as unknown as Record<string, unknown>;
    const errors: string[] = [];
    checkText(errors, 'claimId', c.claimId, FIELD_LIMITS.id);
    checkText(errors, 'policyId', c.policyId, FIELD_LIMITS.policyId);
    checkMpnId(errors, 'mpnId', c.mpnId);
    checkCustomer(errors, 'customer', c.customer);
    checkContact(errors, 'customerContact', c.customerContact);
    checkContact(errors, 'partnerContact', c.partnerContact);
    checkProducts(errors, 'products', c.products);
    if (c.workloads !== undefined) checkWorkloads(errors, 'workloads', c.workloads);
    if (!isOneOf(ACTIVITIES, c.activity)) errors.push(`activity must be one of ${ACTIVITIES.join(', ')}`);
    // Only presence here: R13 validates the ID's format at eligibility, where a bad one makes the claim ineligible.
    checkText(errors, 'subscriptionOrTenantId', c.subscriptionOrTenantId, FIELD_LIMITS.subscriptionOrTenantId);
    if (c.incentivesOptOut !== undefined && typeof c.incentivesOptOut !== 'boolean') errors.push('incentivesOptOut must be true or false');
    if (errors.length) throw invalidCommand(errors);
    if (command.policyId !== policy.id) throw new Error(`decide: create names policy ${command.policyId}, ctx has ${policy.id}`);

    const fields = {
      partnerId: actor.partnerId as string,
      policyId: policy.id,
      mpnId: command.mpnId,
      customer: { tenantId: command.customer.tenantId, name: command.customer.name, domain: command.customer.domain },
      customerContact: contact(command.customerContact),
      partnerContact: contact(command.partnerContact),
      products: [...command.products],
      workloads: [...(command.workloads ?? [])],
      activity: command.activity as Activity,
      subscriptionOrTenantId: command.subscriptionOrTenantId,
      incentivesOptOut: command.incentivesOptOut ?? false,
    };
    const state: ClaimState = {
      id: command.claimId,
      ...fields,
      status: 'Editing',
      statusEpoch: 1,
      statusChangedAt: nowIso,
      poe: [],
      disputes: [],
      createdAt: now.toISOString(),
      updatedAt: nowIso,
    };
    return {
      patch: state,
      data: fields,
      summary: `Claim created for ${fields.customer.name}: ${productNames(fields.products)}`,
    };
  },

  edit({ claim, command, policy, now }) {
    assertPartnerResponseOpen(claim, now, 'edit');
    const errors: string[] = [];
    const changes = isRecord(command.changes) ? (command.changes as Record<string, unknown>) : undefined;
    const named = changes ? Object.keys(changes).filter((k) => changes[k] !== undefined) : [];
    if (!changes || named.length === 0) errors.push(`changes must name at least one of ${policy.editableFields.join(', ')}`);
    for (const field of named) {
      if (!isOneOf(EDITABLE_FIELDS, field)) {
        errors.push(`${field} cannot be edited (editable: ${policy.editableFields.join(', ')})`);
        continue;
      }
      if (!policy.editableFields.includes(field)) {
        errors.push(`${field} cannot be edited under policy ${policy.id} (editable: ${policy.editableFields.join(', ')})`);
        continue;
      }
      checkEditable(errors, field, changes![field]);
    }
    if (errors.length) throw invalidCommand(errors);

    const patch: Record<string, unknown> = {};
    const previous: Record<string, unknown> = {};
    for (const field of named as EditableField[]) {
      const value = changes![field];
      patch[field] = field === 'customerContact' || field === 'partnerContact' ? contact(value as Contact) : structuredClone(value);
      previous[field] = claim[field];
    }
    return {
      patch: patch as Partial<ClaimState>,
      data: { changes: patch, previous },
      summary: `Edited ${named.join(', ')}`,
    };
  },

  addPoe({ claim, command, actor, nowIso, policy, now }) {
    if (claim.status === 'Rejected') assertDisputeCanOpen(claim, policy, now, 'addPoe');
    assertPartnerResponseOpen(claim, now, 'addPoe');
    const errors: string[] = [];
    checkPoeDocument(errors, 'document', command.document);
    if (!errors.length && claim.poe.some((d) => d.documentId === command.document.documentId)) {
      errors.push(`document.documentId ${command.document.documentId} is already on the claim`);
    }
    if (errors.length) throw invalidCommand(errors);
    const d = command.document;
    // The ledger's time and the acting user are the truth about when and by whom, whatever the caller sent.
    const document = { documentId: d.documentId, fileName: d.fileName, contentType: d.contentType, size: d.size, sha256: d.sha256, addedAt: nowIso, addedBy: actor.id };
    return {
      patch: { poe: [...claim.poe, document] },
      data: { document },
      summary: `PoE added: ${d.fileName}`,
    };
  },

  submit({ claim, now, nowIso, policy, calendar }) {
    assertPartnerResponseOpen(claim, now, 'submit');
    // R2: no review without proof of execution.
    if (claim.poe.length === 0) {
      throw invalidState('Submit needs at least one PoE document: upload the proof of execution first', {
        currentStatus: claim.status,
        allowedStates: allowedStates('submit', policy),
        action: 'submit',
        condition: 'poe-required',
      });
    }
    const resubmission = claim.status === 'PartnerActionRequired';
    return {
      patch: { submittedAt: nowIso },
      to: 'Submitted',
      data: { resubmission, reviewStartDueAt: dueAt('review-start', now, policy, calendar).toISOString() },
      summary: resubmission ? 'Resubmitted with the requested information' : 'Submitted for review',
    };
  },

  comment({ command, actor }) {
    const errors: string[] = [];
    checkText(errors, 'text', command.text, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);
    return {
      patch: {},
      data: { text: command.text, authorKind: actor.kind },
      summary: `Comment by ${actor.kind === 'reviewer' ? 'reviewer' : 'partner'}`,
    };
  },

  withdraw({ command, nowIso }) {
    const errors: string[] = [];
    if (!isOneOf(PARTNER_REQUEST_SUBREASONS, command.subReason)) {
      errors.push(`subReason must be one of ${PARTNER_REQUEST_SUBREASONS.join(', ')}`);
    }
    checkOptionalText(errors, 'comment', command.comment);
    if (errors.length) throw invalidCommand(errors);
    return rejection('partner-request', nowIso, nowIso, command.comment, command.subReason);
  },

  dispute({ claim, command, now, nowIso, policy, calendar }) {
    assertDisputeCanOpen(claim, policy, now, 'dispute');
    const errors: string[] = [];
    checkText(errors, 'disputeId', command.disputeId, FIELD_LIMITS.id);
    if (claim.disputes.some((d) => d.id === command.disputeId)) errors.push(`disputeId ${String(command.disputeId)} is already used`);
    checkOptionalText(errors, 'justification', command.justification);
    const ids = command.poeDocumentIds ?? [];
    checkStringList(errors, 'poeDocumentIds', ids);
    if (Array.isArray(ids)) {
      for (const id of ids) if (typeof id === 'string' && !claim.poe.some((d) => d.documentId === id)) errors.push(`poeDocumentIds: ${id} is not a PoE document of this claim (add it first)`);
    }
    const hasJustification = typeof command.justification === 'string' && command.justification.trim() !== '';
    if (!hasJustification && (!Array.isArray(ids) || ids.length === 0)) {
      errors.push('a dispute needs a business justification and/or updated PoE (poeDocumentIds)');
    }
    if (errors.length) throw invalidCommand(errors);

    const dispute: Dispute = {
      id: command.disputeId,
      openedAt: nowIso,
      justification: command.justification,
      poeDocumentIds: [...ids],
      dueAt: dueAt('dispute-answer', now, policy, calendar).toISOString(),
    };
    return {
      patch: { disputes: [...claim.disputes, dispute] },
      data: { disputeId: dispute.id, justification: dispute.justification, poeDocumentIds: dispute.poeDocumentIds, dueAt: dispute.dueAt },
      summary: 'Rejection disputed',
    };
  },

  startReview({ now, nowIso, policy, calendar }) {
    return {
      patch: { reviewStartedAt: nowIso },
      to: 'UnderReview',
      data: { decisionDueAt: dueAt('decision', now, policy, calendar).toISOString() },
      summary: 'Review started',
    };
  },

  requestInfo({ command, now, nowIso, policy, calendar }) {
    const errors: string[] = [];
    const reasons = command.reasons as unknown;
    if (!Array.isArray(reasons) || reasons.length === 0) {
      errors.push(`reasons must list at least one of ${INFO_REQUEST_REASONS.join(', ')}`);
    } else {
      reasons.forEach((r, i) => {
        if (!isOneOf(INFO_REQUEST_REASONS, r)) errors.push(`reasons[${i}] must be one of ${INFO_REQUEST_REASONS.join(', ')}`);
      });
      if (new Set(reasons).size !== reasons.length) errors.push('reasons must not repeat a reason');
    }
    checkText(errors, 'comment', command.comment, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);

    const infoRequest = {
      reasons: [...(reasons as InfoRequestReason[])],
      comment: command.comment,
      requestedAt: nowIso,
      dueAt: dueAt('partner-response', now, policy, calendar).toISOString(),
    };
    return {
      patch: { infoRequest },
      to: 'PartnerActionRequired',
      data: { reasons: infoRequest.reasons, comment: infoRequest.comment, dueAt: infoRequest.dueAt },
      summary: `Information requested: ${infoRequest.reasons.map(shortLabel).join(', ')}`,
    };
  },

  approve({ command, nowIso }) {
    const errors: string[] = [];
    checkOptionalText(errors, 'comment', command.comment);
    if (errors.length) throw invalidCommand(errors);
    // A new approval (e.g. after an overturned dispute) starts a fresh consent window and assessment.
    return {
      patch: { approvedAt: nowIso, consent: undefined, eligibility: undefined, rejection: undefined },
      to: 'Approved',
      data: { comment: command.comment },
      summary: 'Approved',
    };
  },

  reject({ command, now, nowIso, policy, calendar }) {
    const errors: string[] = [];
    if (!isOneOf(REVIEWER_REJECTION_REASONS, command.reason)) {
      errors.push(`reason must be one of ${REVIEWER_REJECTION_REASONS.join(', ')} (the other reasons come from the partner, the customer or the deadline)`);
    }
    // R8: the rejection email says why, so reviewers must say it.
    checkText(errors, 'comment', command.comment, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);
    return rejection(command.reason, nowIso, calendar.addCalendarDays(now, policy.disputeWindowDays).toISOString(), command.comment);
  },

  decideDispute({ claim, command, nowIso, now, policy, calendar }) {
    const open = openDispute(claim);
    if (!open) {
      throw invalidState('There is no open dispute to decide', {
        currentStatus: claim.status,
        allowedStates: ['Rejected'],
        action: 'decideDispute',
        condition: 'no-open-dispute',
      });
    }
    const errors: string[] = [];
    if (command.decision !== 'overturned' && command.decision !== 'sustained') errors.push('decision must be overturned or sustained');
    checkText(errors, 'comment', command.comment, MAX_TEXT);
    if (errors.length) throw invalidCommand(errors);

    const decided: Dispute = { ...open, decision: command.decision, decidedAt: nowIso, comment: command.comment };
    const disputes = claim.disputes.map((d) => (d.id === open.id ? decided : d));
    const data = { disputeId: open.id, decision: command.decision, comment: command.comment };
    if (command.decision === 'sustained') {
      return { patch: { disputes }, data, summary: 'Dispute sustained: the rejection stands' };
    }
    // Overturned: the claim gets a fresh review, and the rejection no longer applies.
    return {
      patch: { disputes, rejection: undefined, reviewStartedAt: nowIso },
      to: 'UnderReview',
      data: { ...data, decisionDueAt: dueAt('decision', now, policy, calendar).toISOString() },
      summary: 'Dispute overturned: the claim is back under review',
    };
  },

  expirePartnerResponse({ claim, command, now, nowIso, policy, calendar }) {
    assertEpoch(claim, command.statusEpoch, 'expirePartnerResponse', policy);
    const due = claim.infoRequest?.dueAt;
    if (due && now.getTime() < Date.parse(due)) {
      throw invalidState(`The partner has until ${due} to respond`, {
        currentStatus: claim.status,
        allowedStates: ['PartnerActionRequired'],
        action: 'expirePartnerResponse',
        condition: 'deadline-not-reached',
        dueAt: due,
      });
    }
    return rejection('no-partner-response', nowIso, calendar.addCalendarDays(now, policy.disputeWindowDays).toISOString());
  },

  recordSlaBreach({ claim, command, now, nowIso, policy, calendar }) {
    if (!isOneOf(SLA_KINDS, command.sla)) throw invalidCommand([`sla must be one of ${SLA_KINDS.join(', ')}`]);
    const sla: SlaKind = command.sla;
    assertEpoch(claim, command.statusEpoch, 'recordSlaBreach', policy);
    const need: Record<SlaKind, ClaimStatus> = { 'review-start': 'Submitted', decision: 'UnderReview', 'dispute-answer': 'Rejected' };
    const dispute = sla === 'dispute-answer' ? openDispute(claim) : undefined;
    if (claim.status !== need[sla] || (sla === 'dispute-answer' && !dispute)) {
      throw invalidState(`No ${sla} SLA runs for a claim in status ${claim.status}${sla === 'dispute-answer' ? ' without an open dispute' : ''}`, {
        currentStatus: claim.status,
        allowedStates: [need[sla]],
        action: 'recordSlaBreach',
        condition: 'sla-not-running',
      });
    }
    // The SLA is counted from when the claim entered its status, so a stale timer cannot breach a fresh one.
    const due =
      sla === 'dispute-answer' ? dispute!.dueAt : dueAt(sla, new Date(claim.statusChangedAt), policy, calendar).toISOString();
    if (now.getTime() < Date.parse(due)) {
      throw invalidState(`The ${sla} SLA is not breached before ${due}`, {
        currentStatus: claim.status,
        allowedStates: [need[sla]],
        action: 'recordSlaBreach',
        condition: 'sla-not-breached',
        dueAt: due,
      });
    }
    const breaches = claim.slaBreaches ?? [];
    if (breaches.some((b) => b.sla === sla && b.statusEpoch === claim.statusEpoch && b.disputeId === dispute?.id)) {
      throw invalidState(`The ${sla} SLA breach is already recorded`, {
        currentStatus: claim.status,
        allowedStates: [need[sla]],
        action: 'recordSlaBreach',
        condition: 'sla-breach-already-recorded',
      });
    }
    const breach = { sla, statusEpoch: claim.statusEpoch, dueAt: due, recordedAt: nowIso, disputeId: dispute?.id };
    const what = { 'review-start': 'review not started', decision: 'no review decision', 'dispute-answer': 'dispute not answered' }[sla];
    return {
      patch: { slaBreaches: [...breaches, breach] },
      data: { sla, dueAt: due, statusEpoch: claim.statusEpoch, disputeId: dispute?.id },
      summary: `SLA breached: ${what} by ${due}`,
    };
  },

  requestConsent({ claim, now, nowIso, policy, calendar }) {
    if (claim.consent) {
      throw invalidState('Customer consent was already requested for this approval', {
        currentStatus: claim.status,
        allowedStates: ['Approved'],
        action: 'requestConsent',
        condition: 'consent-already-requested',
      });
    }
    const deadline = calendar.addCalendarDays(now, policy.consentWindowDays).toISOString();
    return {
      patch: { consent: { requestedAt: nowIso, deadline } },
      data: { deadline },
      summary: `Customer consent requested; the customer may decline until ${deadline}`,
    };
  },

  declineConsent({ claim, command, now, nowIso }) {
    const consent = claim.consent;
    if (!consent) {
      throw invalidState('Customer consent has not been requested', {
        currentStatus: claim.status,
        allowedStates: ['Approved'],
        action: 'declineConsent',
        condition: 'consent-not-requested',
      });
    }
    if (consent.elapsedAt || now.getTime() >= Date.parse(consent.deadline)) {
      throw new DomainError('window-closed', `The customer consent period ended at ${consent.deadline}; the association can no longer be declined here`, {
        action: 'declineConsent',
        deadline: consent.deadline,
      });
    }
    const errors: string[] = [];
    checkOptionalText(errors, 'comment', command.comment);
    if (errors.length) throw invalidCommand(errors);
    const change = rejection('customer-decline', nowIso, nowIso, command.comment);
    return { ...change, patch: { ...change.patch, consent: { ...consent, declinedAt: nowIso } } };
  },

  elapseConsent({ claim, now, nowIso }) {
    const consent = claim.consent;
    const fail = (message: string, condition: string, extra: Record<string, unknown> = {}) =>
      invalidState(message, { currentStatus: claim.status, allowedStates: ['Approved'], action: 'elapseConsent', condition, ...extra });
    if (!consent) throw fail('Customer consent has not been requested', 'consent-not-requested');
    if (consent.elapsedAt) throw fail('The consent period has already elapsed', 'consent-already-elapsed');
    if (now.getTime() < Date.parse(consent.deadline)) {
      throw fail(`The customer may decline until ${consent.deadline}`, 'consent-window-open', { deadline: consent.deadline });
    }
    return {
      patch: { consent: { ...consent, elapsedAt: nowIso } },
      data: { deadline: consent.deadline },
      summary: 'Consent period elapsed without a decline; sent to eligibility assessment',
    };
  },

  recordEligibility({ claim, command, nowIso }) {
    const fail = (message: string, condition: string) =>
      invalidState(message, { currentStatus: claim.status, allowedStates: ['Approved'], action: 'recordEligibility', condition });
    if (!claim.consent?.elapsedAt) throw fail('Eligibility is assessed only after the consent period (R7)', 'consent-not-elapsed');
    if (claim.eligibility) throw fail('Eligibility is already recorded for this approval', 'eligibility-already-recorded');
    const errors: string[] = [];
    checkText(errors, 'assessmentId', command.assessmentId, FIELD_LIMITS.id);
    if (typeof command.eligible !== 'boolean') errors.push('eligible must be true or false');
    if (errors.length) throw invalidCommand(errors);
    return {
      patch: { eligibility: { assessmentId: command.assessmentId, assessedAt: nowIso, eligible: command.eligible } },
      data: { assessmentId: command.assessmentId, eligible: command.eligible },
      summary: command.eligible ? 'Eligible for incentives' : 'Not eligible for incentives',
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Helpers

/** A move to Rejected with its reason; `disputeUntil` equals `at` when the reason cannot be disputed. */
function rejection(reason: RejectionReason, at: string, disputeUntil: string, comment?: string, subReason?: CommandOf<'withdraw'>['subReason']): Change {
  const disputable = isDisputableReason(reason);
  const until = disputable ? disputeUntil : at;
  return {
    patch: { rejection: { reason, subReason, comment, rejectedAt: at, disputeUntil: until } },
    to: 'Rejected',
    data: { reason, subReason, comment, disputeUntil: until, disputable },
    summary: `Rejected: ${shortLabel(reason)}${subReason ? ` (${REASON_LABELS[subReason]})` : ''}`,
  };
}

/**
 * R6: in PartnerActionRequired the partner acts only until the response deadline; after it the
 * claim is rejected for no partner response, whether or not the timer has fired yet.
 */
function assertPartnerResponseOpen(claim: ClaimState, now: Date, action: ClaimAction): void {
  if (claim.status !== 'PartnerActionRequired' || !claim.infoRequest) return;
  if (now.getTime() >= Date.parse(claim.infoRequest.dueAt)) {
    throw new DomainError(
      'window-closed',
      `The partner response window closed at ${claim.infoRequest.dueAt}; the claim is rejected for no partner response`,
      { action, reason: 'partner-response-window', dueAt: claim.infoRequest.dueAt },
    );
  }
}

/** A timer names the status epoch it was set in; if the claim has moved on since, the timer is stale. */
function assertEpoch(claim: ClaimState, epoch: unknown, action: ClaimAction, policy: Policy): void {
  if (epoch === undefined) return;
  if (epoch !== claim.statusEpoch) {
    throw invalidState(`Deadline set in status epoch ${String(epoch)} is stale (claim is at ${claim.statusEpoch})`, {
      currentStatus: claim.status,
      allowedStates: allowedStates(action, policy),
      action,
      condition: 'stale-deadline',
      statusEpoch: claim.statusEpoch,
    });
  }
}

function checkEditable(errors: string[], field: EditableField, value: unknown): void {
  const path = `changes.${field}`;
  if (field === 'mpnId') checkMpnId(errors, path, value);
  else if (field === 'products') checkProducts(errors, path, value);
  else if (field === 'workloads') checkWorkloads(errors, path, value);
  else checkContact(errors, path, value);
}

function contact(c: Contact): Contact {
  return c.phone === undefined ? { name: c.name, email: c.email } : { name: c.name, email: c.email, phone: c.phone };
}

function productNames(products: Product[]): string {
  return products.map((p) => PRODUCT_LABELS[p]).join(', ');
}

/** The part of a reason's label before its explanation ("Missing all PoE"). */
function shortLabel(code: string): string {
  return (REASON_LABELS[code] ?? code).split(':')[0];
}

/** Drops undefined properties (deeply) so states and events stay plain JSON. */
function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = compact(v);
    return out as T;
  }
  return value;
}
