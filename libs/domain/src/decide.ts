import type { EventType } from './event-types.js';
import type { BusinessCalendar } from './business-calendar.js';
import { type ClaimState } from './claim.js';
import { CLAIM_ACTIONS, type ClaimAction, type ClaimCommand } from './commands.js';
import { DomainError, invalidCommand, invalidState } from './errors.js';
import { type Policy } from './policy.js';
import { isOneOf } from './reasons.js';
import { ACTOR_KINDS, PARTNER_ROLES, REVIEWER_ROLE, hasPartnerRole, hasReviewerRole, type Actor, type ActorKind } from './roles.js';
import type { ClaimStatus } from './statuses.js';
import { TRANSITIONS, allowedStates, fromStates } from './transitions.js';
import { COMMANDS } from './commands/index.js';
import type { Change, CommandDefinition, CommandInput } from './commands/command-definition.js';
import { isRecord } from './validation.js';

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

  const input = {
    claim,
    command,
    actor,
    now: ctx.now,
    nowIso: ctx.now.toISOString(),
    policy: ctx.policy,
    calendar: ctx.calendar,
    allowed: claim ? allowedStates(action, ctx.policy) : [],
  };
  const change = (COMMANDS[action] as CommandDefinition<ClaimAction>).decide(input as CommandInput<ClaimAction>);
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
// Helpers

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
