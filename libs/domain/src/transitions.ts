import { COMMANDS } from './commands/index.js';
import type { EventType } from './event-types.js';
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

/**
 * The lifecycle as data: `decide` authorises actors and checks source states from these rows, and
 * docs/lifecycle.md's diagram and tables are generated from them. Each command declares its own
 * rows beside its decision (libs/domain/src/commands/<command>/); this is their union, in order.
 */
export const TRANSITIONS: ReadonlyArray<Transition> = Object.values(COMMANDS).flatMap((command): readonly Transition[] => command.transitions);

/** Source statuses of a row, with 'policy-editable' resolved. */
export function fromStates(row: Transition, policy: Policy): readonly ClaimStatus[] {
  return row.from === 'policy-editable' ? policy.editableStates : row.from;
}

/** Every status in which `action` is allowed under `policy`, in lifecycle order. */
export function allowedStates(action: ClaimAction, policy: Policy): ClaimStatus[] {
  const set = new Set(TRANSITIONS.filter((r) => r.action === action).flatMap((r) => fromStates(r, policy)));
  return CLAIM_STATUSES.filter((s) => set.has(s));
}
