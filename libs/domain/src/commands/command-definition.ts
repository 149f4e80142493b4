import type { BusinessCalendar } from '../business-calendar.js';
import type { ClaimState } from '../claim.js';
import type { ClaimAction, CommandOf } from '../commands.js';
import type { Policy } from '../policy.js';
import type { Actor, ActorKind } from '../roles.js';
import type { ClaimStatus } from '../statuses.js';
import type { Transition } from '../transitions.js';

/** What a command decides; `decide` turns it into the next state, the event and the history entry. */
export interface Change {
  patch: Partial<ClaimState>;
  to?: ClaimStatus;
  data: Record<string, unknown>;
  summary: string;
  details?: Record<string, unknown>;
}

/** What a command sees: it runs after the actor, ownership and status checks of `decide`. */
export interface CommandInput<A extends ClaimAction> {
  claim: ClaimState;
  command: CommandOf<A>;
  actor: Actor;
  now: Date;
  nowIso: string;
  policy: Policy;
  calendar: BusinessCalendar;
  /** The statuses this action is allowed in under the policy (for refusals' details). */
  allowed: ClaimStatus[];
}

/**
 * One domain command, in one file (a use case per folder): its rows of the transition table (who
 * may send it, from which statuses, to which, with which event) and its decision.
 */
export interface CommandDefinition<A extends ClaimAction> {
  transitions: ReadonlyArray<Transition & { action: A }>;
  decide(input: CommandInput<A>): Change;
}

export const PARTNER: readonly ActorKind[] = ['partner', 'upstream'];
export const REVIEWER: readonly ActorKind[] = ['reviewer'];
export const SYSTEM: readonly ActorKind[] = ['system'];
