// Test helpers for the domain specs (not exported from index.ts).
import { BusinessCalendar } from '../business-calendar.js';
import type { ClaimState } from '../claim.js';
import type { ClaimCommand, CreateCommand } from '../commands.js';
import { decide, type Outcome } from '../decide.js';
import { DomainError } from '../errors.js';
import { getPolicy } from '../policy.js';
import type { Actor } from '../roles.js';

export const calendar = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' });

export const partner: Actor = { kind: 'partner', id: 'user-ann', partnerId: 'P-100', roles: ['incentives-admin'] };
export const otherPartner: Actor = { kind: 'partner', id: 'user-bob', partnerId: 'P-200', roles: ['global-admin'] };
export const upstream: Actor = { kind: 'upstream', id: 'crm-connector', partnerId: 'P-100' };
export const reviewer: Actor = { kind: 'reviewer', id: 'rev-rita', roles: ['poe-reviewer'] };
export const system: Actor = { kind: 'system', id: 'review-service' };
export const customer: Actor = { kind: 'customer', id: 'contoso-it-admin' };

export const TENANT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const SUBSCRIPTION_ID = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';

/** Monday 2026-06-01 10:00 in New York. */
export const T0 = '2026-06-01T14:00:00.000Z';

export function createCommand(overrides: Partial<CreateCommand> = {}): CreateCommand {
  return {
    type: 'create',
    claimId: 'claim-1',
    policyId: 'cpor-2020-06',
    mpnId: '1234567',
    customer: { tenantId: TENANT_ID, name: 'Contoso Ltd', domain: 'contoso.com' },
    customerContact: { name: 'Carla Customer', email: 'carla@contoso.com', phone: '+1 425 555 0100' },
    partnerContact: { name: 'Ann Partner', email: 'ann@fabrikam.com' },
    products: ['microsoft-365'],
    workloads: ['Teams'],
    activity: 'deployment',
    subscriptionOrTenantId: SUBSCRIPTION_ID,
    ...overrides,
  };
}

export const poeDoc = (id = 'doc-1') => ({
  documentId: id,
  fileName: `${id}.pdf`,
  contentType: 'application/pdf',
  size: 52_000,
  sha256: 'a'.repeat(64),
});

/** Adds business days in the test calendar and answers an ISO string. */
export function bd(from: string, n: number): string {
  return calendar.addBusinessDays(new Date(from), n).toISOString();
}

export function plusMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/** A claim's life under one policy: apply commands in order, keeping the state and every outcome. */
export class Scenario {
  state: ClaimState | null = null;
  readonly outcomes: Outcome[] = [];
  constructor(readonly policyId = 'cpor-2020-06') {}

  get claim(): ClaimState {
    if (!this.state) throw new Error('no claim yet');
    return this.state;
  }

  run(command: ClaimCommand, actor: Actor, at: string): Outcome {
    const outcome = decide(this.state, command, actor, { now: new Date(at), policy: getPolicy(this.policyId), calendar });
    this.state = outcome.state;
    this.outcomes.push(outcome);
    return outcome;
  }

  /** Runs a command that must be refused and answers the DomainError (state unchanged). */
  refuse(command: ClaimCommand, actor: Actor, at: string): DomainError {
    try {
      decide(this.state, command, actor, { now: new Date(at), policy: getPolicy(this.policyId), calendar });
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
    throw new Error(`expected ${command.type} to be refused`);
  }

  create(at = T0, overrides: Partial<CreateCommand> = {}): this {
    this.run(createCommand({ policyId: this.policyId, ...overrides }), partner, at);
    return this;
  }

  /** Editing -> Submitted at `at` (PoE added first). */
  submitted(at = T0): this {
    this.create(at);
    this.run({ type: 'addPoe', document: poeDoc() }, partner, at);
    this.run({ type: 'submit' }, partner, at);
    return this;
  }

  underReview(at = T0): this {
    this.submitted(at);
    this.run({ type: 'startReview' }, reviewer, at);
    return this;
  }

  partnerActionRequired(at = T0): this {
    this.underReview(at);
    this.run({ type: 'requestInfo', reasons: ['missing-customer-acknowledgment'], comment: 'Please add the signed page' }, reviewer, at);
    return this;
  }

  approved(at = T0): this {
    this.underReview(at);
    this.run({ type: 'approve' }, reviewer, at);
    return this;
  }

  rejected(at = T0): this {
    this.underReview(at);
    this.run({ type: 'reject', reason: 'insufficient-poe', comment: 'The PoE does not describe any work' }, reviewer, at);
    return this;
  }
}
