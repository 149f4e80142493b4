/** R1: partner roles allowed to manage CPOR claims (seed: "Appropriate roles"). */
export const PARTNER_ROLES = ['billing-admin', 'global-admin', 'incentives-admin'] as const;
export type PartnerRole = (typeof PARTNER_ROLES)[number];

/** Role carried by Microsoft PoE reviewers. */
export const REVIEWER_ROLE = 'poe-reviewer';

/** Role of the people who run the system (the ops endpoints, e.g. the controlled clock). */
export const OPS_ROLE = 'cpor-ops';

export const ACTOR_KINDS = ['partner', 'reviewer', 'customer', 'system', 'upstream'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/**
 * Who acts. `partner` is a partner user (JWT with partnerId and roles); `upstream` is a system that
 * publishes partner commands on Kafka for `partnerId` and has partner rights; `customer` reached us
 * through the signed consent link; `system` is a timer or another service of ours.
 */
export interface Actor {
  kind: ActorKind;
  id: string;
  partnerId?: string;
  roles?: string[];
}

export function hasPartnerRole(actor: Actor): boolean {
  return (actor.roles ?? []).some((role) => (PARTNER_ROLES as readonly string[]).includes(role));
}

export function hasReviewerRole(actor: Actor): boolean {
  return (actor.roles ?? []).includes(REVIEWER_ROLE);
}

/** Who an email of the lifecycle goes to (R10-R12). */
export type RecipientRole = 'partner' | 'customer' | 'reviewers' | 'ops';
