import { CREATED_STATUS_EPOCH, type ClaimState } from '../../claim.js';
import { invalidCommand } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { ACTIVITIES, isOneOf, type Activity } from '../../reasons.js';
import { FIELD_LIMITS, checkContact, checkCustomer, checkMpnId, checkProducts, checkText, checkWorkloads } from '../../validation.js';
import { contact, productNames } from '../shared.js';
import { type CommandDefinition, PARTNER } from '../command-definition.js';

export const create: CommandDefinition<'create'> = {
  transitions: [
    { action: 'create', from: [], to: 'Editing', actors: PARTNER, event: EVENT_TYPES.created },
  ],

  decide({ command, actor, now, nowIso, policy }) {
    const c = command as unknown as Record<string, unknown>;
    const errors: string[] = [];
    checkText(errors, 'claimId', c.claimId, FIELD_LIMITS.id);
    checkText(errors, 'policyId', c.policyId, FIELD_LIMITS.policyId);
    checkMpnId(errors, 'mpnId', c.mpnId);
    checkCustomer(errors, 'customer', c.customer);
    checkContact(errors, 'customerContact', c.customerContact);
    checkContact(errors, 'partnerContact', c.partnerContact);
    checkProducts(errors, 'products', c.products);
    if (c.workloads !== undefined) checkWorkloads(errors, 'workloads', c.workloads);
    if (!isOneOf(ACTIVITIES, c.activity)) errors.push(`activity must be one of ${ACTIVITIES.join(', ')}`);
    // Only presence here: R13 validates the ID's format at eligibility, where a bad one makes the claim ineligible.
    checkText(errors, 'subscriptionOrTenantId', c.subscriptionOrTenantId, FIELD_LIMITS.subscriptionOrTenantId);
    if (c.incentivesOptOut !== undefined && typeof c.incentivesOptOut !== 'boolean') errors.push('incentivesOptOut must be true or false');
    if (c.partnerName !== undefined) checkText(errors, 'partnerName', c.partnerName, FIELD_LIMITS.name);
    if (errors.length) throw invalidCommand(errors);
    if (command.policyId !== policy.id) throw new Error(`decide: create names policy ${command.policyId}, ctx has ${policy.id}`);

    const fields = {
      partnerId: actor.partnerId as string,
      policyId: policy.id,
      mpnId: command.mpnId,
      customer: { tenantId: command.customer.tenantId, name: command.customer.name, domain: command.customer.domain },
      customerContact: contact(command.customerContact),
      partnerContact: contact(command.partnerContact),
      products: [...command.products],
      workloads: [...(command.workloads ?? [])],
      activity: command.activity as Activity,
      subscriptionOrTenantId: command.subscriptionOrTenantId,
      incentivesOptOut: command.incentivesOptOut ?? false,
      ...(command.partnerName ? { partnerName: command.partnerName } : {}),
    };
    const state: ClaimState = {
      id: command.claimId,
      ...fields,
      status: 'Editing',
      statusEpoch: CREATED_STATUS_EPOCH,
      statusChangedAt: nowIso,
      poe: [],
      disputes: [],
      createdAt: now.toISOString(),
      updatedAt: nowIso,
    };
    return {
      patch: state,
      data: fields,
      summary: `Claim created for ${fields.customer.name}: ${productNames(fields.products)}`,
    };
  },
};
