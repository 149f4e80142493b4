import type { ClaimDto, ContactDto, CreateClaimDto, EditClaimDto } from '@cpor/contracts';
import { EDITABLE_FIELDS, type EditableField, type Policy } from '@cpor/domain';
import { formatting } from '../web/format.js';
import { list, text, type FormBody } from '../web/form.js';


function contact(form: FormBody, prefix: string): ContactDto {
  const phone = text(form[`${prefix}Phone`]);
  return { name: text(form[`${prefix}Name`]), email: text(form[`${prefix}Email`]), ...(phone ? { phone } : {}) };
}

/** Workloads are typed comma-separated. */
const workloads = (form: FormBody) => text(form.workloads).split(',').map((item) => item.trim()).filter(Boolean);

/**
 * The create form as intake's request. Nothing is checked here: intake checks every field and
 * lists every problem, in the domain's words, and the form shows them.
 */
export function createRequest(form: FormBody): CreateClaimDto {
  return {
    mpnId: text(form.mpnId),
    customer: { tenantId: text(form.customerTenantId), name: text(form.customerName), domain: text(form.customerDomain) },
    customerContact: contact(form, 'customerContact'),
    partnerContact: contact(form, 'partnerContact'),
    products: list(form.products) as CreateClaimDto['products'],
    workloads: workloads(form),
    activity: text(form.activity) as CreateClaimDto['activity'],
    subscriptionOrTenantId: text(form.subscriptionOrTenantId),
    incentivesOptOut: form.incentivesOptOut === 'on',
  };
}

/** The form's values as the create form shows them again (after a refusal). */
export function formValues(form: FormBody): Record<string, unknown> {
  return { ...form, products: list(form.products) };
}

/** A claim's values in the create/edit form's field names. */
export function claimFormValues(claim: ClaimDto): Record<string, unknown> {
  return {
    mpnId: claim.mpnId,
    products: claim.products,
    workloads: claim.workloads.join(', '),
    customerContactName: claim.customerContact.name,
    customerContactEmail: claim.customerContact.email,
    customerContactPhone: claim.customerContact.phone ?? '',
    partnerContactName: claim.partnerContact.name,
    partnerContactEmail: claim.partnerContact.email,
    partnerContactPhone: claim.partnerContact.phone ?? '',
  };
}

/** The edit: the editable fields whose posted value differs from the claim's (only those are sent). */
export function editRequest(form: FormBody, claim: ClaimDto, editable: readonly EditableField[]): EditClaimDto {
  const posted: Record<EditableField, unknown> = {
    mpnId: text(form.mpnId),
    products: list(form.products),
    workloads: workloads(form),
    customerContact: contact(form, 'customerContact'),
    partnerContact: contact(form, 'partnerContact'),
  };
  const comparable = (field: EditableField, value: unknown) => {
    if (field !== 'customerContact' && field !== 'partnerContact') return JSON.stringify(value);
    const { name, email, phone } = value as ContactDto;
    return JSON.stringify([name, email, phone ?? '']);
  };
  const changes: Record<string, unknown> = {};
  for (const field of editable) if (comparable(field, claim[field]) !== comparable(field, posted[field])) changes[field] = posted[field];
  return changes as EditClaimDto;
}

/** A field the edit form shows but does not let the partner change, and why. */
export interface ReadOnlyField {
  id: string;
  label: string;
  value: string;
  reason: string;
}

// Labels only (codes as words): no times here.
const f = formatting('UTC');
const FIXED_REASON = 'Fixed once the claim exists: create a new claim to change it.';
const contactText = (contact: ContactDto) => [contact.name, contact.email, contact.phone].filter(Boolean).join(', ');

/**
 * The claim's fields the edit form shows read-only, each with its reason: those no claim may
 * change after creation (R10), then those the claim's policy keeps out of `editableFields`.
 * Only called when the policy allows editing in the claim's status (otherwise there is no form).
 */
export function readOnlyFields(claim: ClaimDto, policy: Pick<Policy, 'id' | 'editableFields'>): ReadOnlyField[] {
  const fixed: ReadOnlyField[] = [
    { id: 'customerName', label: 'Customer name', value: claim.customer.name, reason: FIXED_REASON },
    { id: 'customerDomain', label: 'Customer domain', value: claim.customer.domain, reason: FIXED_REASON },
    { id: 'customerTenantId', label: 'Customer tenant ID', value: claim.customer.tenantId, reason: FIXED_REASON },
    { id: 'activity', label: 'Activity', value: f.activity(claim.activity), reason: FIXED_REASON },
    { id: 'subscriptionOrTenantId', label: 'Subscription or tenant ID', value: claim.subscriptionOrTenantId, reason: FIXED_REASON },
    { id: 'incentivesOptOut', label: 'Opted out of incentive payments', value: claim.incentivesOptOut ? 'Yes' : 'No', reason: FIXED_REASON },
  ];
  const values: Record<EditableField, string> = {
    mpnId: claim.mpnId,
    products: f.products(claim.products),
    workloads: claim.workloads.join(', '),
    customerContact: contactText(claim.customerContact),
    partnerContact: contactText(claim.partnerContact),
  };
  const byPolicy = EDITABLE_FIELDS.filter((field) => !policy.editableFields.includes(field)).map((field) => ({
    id: field,
    label: f.field(field).replace(/^./, (c) => c.toUpperCase()),
    value: values[field],
    reason: `The claim's policy (${policy.id}) does not let partners change it.`,
  }));
  return [...fixed, ...byPolicy];
}
