import type { ClaimDto, ContactDto, CreateClaimDto, EditClaimDto } from '@cpor/contracts';
import type { EditableField } from '@cpor/domain';
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
