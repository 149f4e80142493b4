import { timingSafeEqual } from 'node:crypto';
import type { ClaimState } from '@cpor/domain';
import type { ConsentLinkCheck, ConsentLinkClaims } from '@cpor/platform';
import type { ConsentRequest } from '@cpor/persistence';

/** Why a consent link cannot be used; each maps to one HTTP status and one page. */
export type LinkRefusal = 'invalid-link' | 'expired' | 'used' | 'not-found' | 'not-awaiting-consent';

export type LinkState =
  | { ok: true; claims: ConsentLinkClaims; request: ConsentRequest; claim: ClaimState }
  | { ok: false; refusal: LinkRefusal };

export const REFUSAL_STATUS: Record<LinkRefusal, number> = {
  'invalid-link': 400,
  'not-found': 404,
  'not-awaiting-consent': 409,
  expired: 410,
  used: 410,
};

/** The problem code of each refusal, for a caller that asks for JSON: an expired link and a used one differ. */
export const REFUSAL_PROBLEM: Record<LinkRefusal, { code: string; detail: string }> = {
  'invalid-link': { code: 'consent-link-invalid', detail: 'The link is malformed or was tampered with' },
  'not-found': { code: 'not-found', detail: 'No consent request exists for this link' },
  'not-awaiting-consent': { code: 'invalid-state', detail: 'The claim is no longer awaiting consent' },
  expired: { code: 'consent-link-expired', detail: 'The consent window of this link is over' },
  used: { code: 'consent-link-used', detail: 'This link was already used to decline' },
};

/** Longest token we bother verifying (a real one is about 120 characters). */
export const MAX_TOKEN_LENGTH = 512;

/** Constant-time comparison of two hex SHA-256 digests. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/**
 * Whether a verified link may be used now. Pure: the caller verifies the signature, loads the
 * consent request named by the link and the claim, and passes them in.
 * The link belongs to one approval (claimId + status epoch); anything else moved on is a refusal.
 */
export function decideLinkState(input: {
  check: ConsentLinkCheck;
  tokenHash: string;
  request: ConsentRequest | null;
  claim: ClaimState | null;
}): LinkState {
  const { check, tokenHash, request, claim } = input;
  if (!check.ok) return { ok: false, refusal: check.reason === 'expired' ? 'expired' : 'invalid-link' };
  if (!request) return { ok: false, refusal: 'not-found' };
  // A valid signature whose hash differs was not the link we issued for this window.
  if (!sameHash(tokenHash, request.tokenHash)) return { ok: false, refusal: 'invalid-link' };
  if (request.status === 'declined') return { ok: false, refusal: 'used' };
  if (request.status === 'elapsed') return { ok: false, refusal: 'expired' };
  if (!claim) return { ok: false, refusal: 'not-found' };
  if (declinedInWindow(claim, check.claims.epoch)) return { ok: false, refusal: 'used' };
  if (claim.statusEpoch === check.claims.epoch && claim.consent?.elapsedAt) return { ok: false, refusal: 'expired' };
  if (!awaitingConsent(claim, check.claims.epoch)) return { ok: false, refusal: 'not-awaiting-consent' };
  return { ok: true, claims: check.claims, request, claim };
}

/**
 * The claim shows this window's decline (the decline moved it from Approved in `epoch` to
 * Rejected in the next epoch) even if the consent request was not marked used yet.
 */
export function declinedInWindow(claim: ClaimState, epoch: number): boolean {
  return claim.status === 'Rejected' && claim.statusEpoch === epoch + 1 && claim.rejection?.reason === 'customer-decline';
}

/** The claim is in the consent window of the approval in `epoch` (requested, neither declined nor elapsed). */
export function awaitingConsent(claim: ClaimState, epoch: number): claim is ClaimState & { consent: NonNullable<ClaimState['consent']> } {
  // `consent` may read back as null after a new approval cleared it: test truthiness, not undefined.
  return claim.status === 'Approved' && claim.statusEpoch === epoch && !!claim.consent && !claim.consent.declinedAt && !claim.consent.elapsedAt;
}
