import type { Actor } from '@cpor/domain';
import type { Principal } from './principal.js';

/** A partner user acting through the HTTP API, for its own organisation. */
export function partnerActor(principal: Principal): Actor {
  return { kind: 'partner', id: principal.sub, partnerId: principal.partnerId, roles: principal.roles };
}

/** A PoE reviewer acting through the HTTP API. */
export function reviewerActor(principal: Principal): Actor {
  return { kind: 'reviewer', id: principal.sub, roles: principal.roles };
}
