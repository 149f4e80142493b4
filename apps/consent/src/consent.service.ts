import { Inject, Injectable, Logger } from '@nestjs/common';
import type { CloudEvent, LifecycleEventData } from '@cpor/contracts';
import { DomainError, type Actor, type ClaimState } from '@cpor/domain';
import { ClaimLedger, DeadlineStore, type Deadline, VersionConflictError, ConsentRequestRepository } from '@cpor/persistence';
import { CLOCK, type Clock } from '@cpor/kernel';
import { ConsentLinkSigner } from '@cpor/platform';
import { awaitingConsent, decideLinkState, MAX_TOKEN_LENGTH, type LinkRefusal } from './consent-link-state.js';

export const CONSENT_WINDOW = 'consent-window';
const SYSTEM: Actor = { kind: 'system', id: 'consent' };
/** Re-checks after a concurrent change to the claim before giving up on a decline. */
const DECLINE_ATTEMPTS = 3;

export type LinkOutcome = { ok: true; claim: ClaimState; deadline: string } | { ok: false; refusal: LinkRefusal };

/**
 * R7: asks the customer for consent when a claim is approved, lets the customer decline through
 * the signed link, and closes the window at its deadline. All claim changes go through the ledger;
 * this service only keeps the consent requests (link hashes) and the window deadline.
 * Tokens and links are never logged.
 */
@Injectable()
export class ConsentService {
  private readonly logger = new Logger(ConsentService.name);

  constructor(
    private readonly ledger: ClaimLedger,
    private readonly requests: ConsentRequestRepository,
    private readonly deadlines: DeadlineStore,
    private readonly signer: ConsentLinkSigner,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `approved`: request consent (idempotent on event.id), store the link hash, schedule the window's end. */
  async onApproved(event: CloudEvent<LifecycleEventData>): Promise<void> {
    const claimId = event.data.claimId;
    const approvedEpoch = event.data.claim.statusEpoch;
    let state: ClaimState;
    try {
      // The claim may have left this approval (withdrawn, re-reviewed...) before we got here: then
      // there is nothing to ask (onlyIf; the check below says so).
      const result = await this.ledger.execute(claimId, { type: 'requestConsent' }, SYSTEM, {
        commandId: event.id,
        correlationId: event.correlationId,
        retryOnConflict: true,
        onlyIf: (current) => current.statusEpoch === approvedEpoch,
      });
      state = result.claim.state;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'not-found') {
        this.logger.warn(`approval ${event.id}: claim ${claimId} not found; skipped`);
        return;
      }
      if (!(error instanceof DomainError && error.code === 'invalid-state')) throw error;
      // Moved on, or consent already requested for this approval: the check below decides.
      this.logger.log(`approval ${event.id}: requestConsent refused for claim ${claimId} (${error.message})`);
      const current = await this.ledger.get(claimId);
      if (!current) return;
      state = current.state;
    }
    // On a replay `state` is the claim as it is now: (re)store the request only while this window is open,
    // which also completes the work of a delivery that crashed after the ledger write.
    if (!awaitingConsent(state, approvedEpoch)) {
      this.logger.log(`approval ${event.id}: claim ${claimId} does not await consent in epoch ${approvedEpoch}; nothing to store`);
      return;
    }
    await this.openRequest(state);
  }

  /** Stores the request and schedules the deadline; both are inserts keyed by claim and epoch (a replay's duplicate key is the no-op). */
  private async openRequest(state: ClaimState & { consent: { deadline: string } }): Promise<void> {
    const epoch = state.statusEpoch;
    const deadline = state.consent.deadline;
    // Same inputs as notifications uses for the emailed link: claim id, approval epoch, deadline string.
    const token = this.signer.token({ claimId: state.id, epoch, expiresAt: deadline });
    await this.requests.open({
      claimId: state.id,
      epoch,
      deadline: new Date(deadline),
      tokenHash: ConsentLinkSigner.hash(token),
      createdAt: this.clock.now(),
    });
    await this.deadlines.schedule({ kind: CONSENT_WINDOW, claimId: state.id, epoch, dueAt: new Date(deadline) });
  }

  /** GET: may the link be shown, and with which claim. Changes nothing. */
  async inspect(token: string): Promise<LinkOutcome> {
    const state = await this.linkState(token);
    if (!state.ok) return state;
    return { ok: true, claim: state.claim, deadline: state.request.deadline.toISOString() };
  }

  /** POST: the customer declines. Single use; a replayed POST after success answers `used`. */
  async decline(token: string): Promise<LinkOutcome> {
    for (let attempt = 1; ; attempt++) {
      const state = await this.linkState(token);
      if (!state.ok) return state;
      const { claimId, epoch } = state.claims;
      const actor: Actor = { kind: 'customer', id: state.claim.customer.tenantId };
      try {
        // expectedVersion: the claim must still be the one just checked (same approval epoch);
        // the deterministic commandId makes a retry after a crash a no-op in the ledger.
        await this.ledger.execute(claimId, { type: 'declineConsent' }, actor, {
          commandId: declineCommandId(claimId, epoch),
          expectedVersion: state.version,
        });
      } catch (error) {
        if (error instanceof VersionConflictError && attempt < DECLINE_ATTEMPTS) continue;
        if (error instanceof DomainError && error.code === 'invalid-state') return { ok: false, refusal: 'not-awaiting-consent' };
        if (error instanceof DomainError && error.code === 'window-closed') return { ok: false, refusal: 'expired' };
        throw error;
      }
      // The decline is applied: bookkeeping that fails now is finished by the link's next use
      // (linkState) and the window's deadline finds the claim declined (moot); never a 503 here.
      await this.recordDecline(claimId, epoch).catch((error: unknown) =>
        this.logger.warn(`claim ${claimId}: decline applied, its link not yet marked used (${error instanceof Error ? error.name : 'unknown error'}); finished on the link's next use`),
      );
      this.logger.log(`claim ${claimId}: customer declined consent (epoch ${epoch})`);
      return { ok: true, claim: state.claim, deadline: state.request.deadline.toISOString() };
    }
  }

  /** Deadline poller: the window ended without a decline, so the claim goes on to eligibility. */
  async onDeadline(deadline: Deadline): Promise<void> {
    if (deadline.kind !== CONSENT_WINDOW) {
      this.logger.warn(`unknown deadline kind ${deadline.kind} for claim ${deadline.claimId}; ignored`);
      return;
    }
    // Still this approval's open window (nothing declined it): a moot deadline changes nothing.
    const inWindow = (state: ClaimState) =>
      state.status === 'Approved' && state.statusEpoch === deadline.epoch && state.consent !== undefined && !state.consent.declinedAt;
    try {
      const result = await this.ledger.execute(deadline.claimId, { type: 'elapseConsent' }, SYSTEM, {
        commandId: deadline._id,
        retryOnConflict: true,
        onlyIf: (state) => inWindow(state) && !state.consent?.elapsedAt,
      });
      // Not applied: elapsed before (a repeat after a crash: finish the bookkeeping below) or moot.
      if (!result.applied && !(inWindow(result.claim.state) && result.claim.state.consent?.elapsedAt)) {
        this.logger.log(`consent window of claim ${deadline.claimId} (epoch ${deadline.epoch}) is moot`);
        return;
      }
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'invalid-state' || error.code === 'not-found')) {
        this.logger.log(`consent window of claim ${deadline.claimId}: claim moved on (${error.message})`);
        return;
      }
      throw error; // e.g. not yet due by the domain's clock: the poller retries
    }
    await this.requests.markElapsed(deadline.claimId, deadline.epoch, this.clock.now());
  }

  private async recordDecline(claimId: string, epoch: number): Promise<void> {
    await this.requests.markDeclined(claimId, epoch, this.clock.now());
    await this.deadlines.cancel(claimId, [CONSENT_WINDOW], epoch);
  }

  private async linkState(token: string) {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      return { ok: false as const, refusal: 'invalid-link' as const };
    }
    const check = this.signer.verify(token, this.clock.now());
    const request = check.ok ? await this.requests.find(check.claims.claimId, check.claims.epoch) : null;
    const view = check.ok && request ? await this.ledger.get(check.claims.claimId) : null;
    const state = decideLinkState({ check, tokenHash: ConsentLinkSigner.hash(token), request, claim: view?.state ?? null });
    // The ledger took the decline but we stopped before marking the link used: finish that now.
    if (!state.ok && state.refusal === 'used' && request?.status === 'open' && check.ok) {
      await this.recordDecline(check.claims.claimId, check.claims.epoch);
    }
    return state.ok ? { ...state, version: view!.version } : state;
  }
}

/** The ledger command id of a decline: one per approval window, so a second decline is a no-op. */
export function declineCommandId(claimId: string, epoch: number): string {
  return `consent:decline:${claimId}:${epoch}`;
}
