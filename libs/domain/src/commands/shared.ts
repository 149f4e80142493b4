// What several commands share: the move to Rejected, the partner reply window, stale timers, field copies.
import type { ClaimState, Contact, EditableField } from '../claim.js';
import type { ClaimAction, CommandOf } from '../commands.js';
import { isDisputableReason } from '../disputes.js';
import { DomainError, invalidState } from '../errors.js';
import { PRODUCT_LABELS, REASON_LABELS, shortReasonLabel, type Product, type RejectionReason } from '../reasons.js';
import type { ClaimStatus } from '../statuses.js';
import { checkContact, checkMpnId, checkProducts, checkWorkloads } from '../validation.js';
import type { Change } from './command-definition.js';

/** A move to Rejected with its reason; `disputeUntil` equals `at` when the reason cannot be disputed. */
export function rejection(reason: RejectionReason, at: string, disputeUntil: string, comment?: string, subReason?: CommandOf<'withdraw'>['subReason']): Change {
  const disputable = isDisputableReason(reason);
  const until = disputable ? disputeUntil : at;
  return {
    patch: { rejection: { reason, subReason, comment, rejectedAt: at, disputeUntil: until } },
    to: 'Rejected',
    data: { reason, subReason, comment, disputeUntil: until, disputable },
    summary: `Rejected: ${shortReasonLabel(reason)}${subReason ? ` (${REASON_LABELS[subReason]})` : ''}`,
  };
}

/**
 * R6: in PartnerActionRequired the partner acts only until the response deadline; after it the
 * claim is rejected for no partner response, whether or not the timer has fired yet.
 */
export function assertPartnerResponseOpen(claim: ClaimState, now: Date, action: ClaimAction): void {
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
export function assertEpoch(claim: ClaimState, epoch: unknown, action: ClaimAction, allowed: ClaimStatus[]): void {
  if (epoch === undefined) return;
  if (epoch !== claim.statusEpoch) {
    throw invalidState(`Deadline set in status epoch ${String(epoch)} is stale (claim is at ${claim.statusEpoch})`, {
      currentStatus: claim.status,
      allowedStates: allowed,
      action,
      condition: 'stale-deadline',
      statusEpoch: claim.statusEpoch,
    });
  }
}

export function checkEditable(errors: string[], field: EditableField, value: unknown): void {
  const path = `changes.${field}`;
  if (field === 'mpnId') checkMpnId(errors, path, value);
  else if (field === 'products') checkProducts(errors, path, value);
  else if (field === 'workloads') checkWorkloads(errors, path, value);
  else checkContact(errors, path, value);
}

export function contact(c: Contact): Contact {
  return c.phone === undefined ? { name: c.name, email: c.email } : { name: c.name, email: c.email, phone: c.phone };
}

export function productNames(products: Product[]): string {
  return products.map((p) => PRODUCT_LABELS[p]).join(', ');
}
