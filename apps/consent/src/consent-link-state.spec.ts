import { describe, expect, it } from '@jest/globals';
import type { ClaimState } from '@cpor/domain';
import { ConsentLinkSigner, type ConsentLinkCheck } from '@cpor/platform';
import { awaitingConsent, decideLinkState, REFUSAL_STATUS, sameHash } from './consent-link-state.js';
import type { ConsentRequest } from '@cpor/persistence';

const claims = { claimId: 'claim-1', epoch: 4, expiresAt: '2026-12-01T10:00:00.000Z' };
const signer = new ConsentLinkSigner('unit-secret');
const token = signer.token(claims);
const tokenHash = ConsentLinkSigner.hash(token);
const valid: ConsentLinkCheck = { ok: true, claims };

const request = (overrides: Partial<ConsentRequest> = {}): ConsentRequest => ({
  _id: 'claim-1:4',
  claimId: 'claim-1',
  epoch: 4,
  deadline: new Date(claims.expiresAt),
  tokenHash,
  status: 'open',
  createdAt: new Date('2026-11-24T10:00:00.000Z'),
  ...overrides,
});

// Only the fields the decision reads.
const claim = (overrides: Partial<ClaimState> = {}): ClaimState =>
  ({
    id: 'claim-1',
    status: 'Approved',
    statusEpoch: 4,
    consent: { requestedAt: '2026-11-24T10:00:00.000Z', deadline: claims.expiresAt },
    ...overrides,
  }) as ClaimState;

const decide = (overrides: Partial<Parameters<typeof decideLinkState>[0]> = {}) =>
  decideLinkState({ check: valid, tokenHash, request: request(), claim: claim(), ...overrides });

describe('consent link state (R7)', () => {
  it('accepts the link of the open window of the current approval', () => {
    const state = decide();
    expect(state.ok).toBe(true);
  });

  it('refuses a malformed or tampered link with 400 and an expired one with 410', () => {
    expect(decide({ check: { ok: false, reason: 'malformed' } })).toEqual({ ok: false, refusal: 'invalid-link' });
    expect(decide({ check: { ok: false, reason: 'bad-signature' } })).toEqual({ ok: false, refusal: 'invalid-link' });
    expect(decide({ check: { ok: false, reason: 'expired' } })).toEqual({ ok: false, refusal: 'expired' });
    expect(REFUSAL_STATUS['invalid-link']).toBe(400);
    expect(REFUSAL_STATUS.expired).toBe(410);
  });

  it('refuses a link whose hash is not the stored one', () => {
    expect(decide({ tokenHash: ConsentLinkSigner.hash(`${token}x`) })).toEqual({ ok: false, refusal: 'invalid-link' });
  });

  it('refuses a link with no consent request (404)', () => {
    expect(decide({ request: null })).toEqual({ ok: false, refusal: 'not-found' });
    expect(decide({ claim: null })).toEqual({ ok: false, refusal: 'not-found' });
    expect(REFUSAL_STATUS['not-found']).toBe(404);
  });

  it('refuses a used link (410), also when only the claim shows the decline', () => {
    expect(decide({ request: request({ status: 'declined', usedAt: new Date() }) })).toEqual({ ok: false, refusal: 'used' });
    const declined = claim({ status: 'Rejected', statusEpoch: 5, rejection: { reason: 'customer-decline', rejectedAt: 'x', disputeUntil: 'x' } });
    expect(decide({ claim: declined })).toEqual({ ok: false, refusal: 'used' });
    expect(REFUSAL_STATUS.used).toBe(410);
  });

  it('refuses after the window elapsed (410)', () => {
    expect(decide({ request: request({ status: 'elapsed' }) })).toEqual({ ok: false, refusal: 'expired' });
    expect(decide({ claim: claim({ consent: { requestedAt: 'x', deadline: claims.expiresAt, elapsedAt: 'y' } }) })).toEqual({
      ok: false,
      refusal: 'expired',
    });
  });

  it('refuses a link of another approval epoch or a claim no longer approved (409)', () => {
    expect(decide({ claim: claim({ statusEpoch: 7 }) })).toEqual({ ok: false, refusal: 'not-awaiting-consent' });
    const withdrawn = claim({ status: 'Rejected', statusEpoch: 5, rejection: { reason: 'partner-request', rejectedAt: 'x', disputeUntil: 'x' } });
    expect(decide({ claim: withdrawn })).toEqual({ ok: false, refusal: 'not-awaiting-consent' });
    expect(REFUSAL_STATUS['not-awaiting-consent']).toBe(409);
  });

  it('treats a cleared (null) consent as not awaiting', () => {
    expect(awaitingConsent(claim({ consent: null as unknown as undefined }), 4)).toBe(false);
    expect(awaitingConsent(claim(), 4)).toBe(true);
  });

  it('compares hashes only when both are SHA-256 digests', () => {
    expect(sameHash(tokenHash, tokenHash)).toBe(true);
    expect(sameHash(tokenHash, ConsentLinkSigner.hash('other'))).toBe(false);
    expect(sameHash(tokenHash, 'abc')).toBe(false);
  });
});
