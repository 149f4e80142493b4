import type { ClaimDto } from '@cpor/contracts';
import { createRequest, editRequest, readOnlyFields } from './claim-form.js';

const form = {
  mpnId: ' 1234567 ',
  customerTenantId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  customerName: 'Contoso Ltd',
  customerDomain: 'contoso.com',
  customerContactName: 'Carla',
  customerContactEmail: 'carla@contoso.com',
  customerContactPhone: '',
  partnerContactName: 'Ann',
  partnerContactEmail: 'ann@fabrikam.com',
  partnerContactPhone: '+1 425 555 0100',
  products: 'microsoft-365',
  workloads: 'Teams, Exchange ,',
  activity: 'pre-sales',
  subscriptionOrTenantId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
};

describe('the claim forms', () => {
  it("become intake's create request: trimmed, one checkbox as a list, workloads split, no empty phone", () => {
    expect(createRequest(form)).toEqual({
      mpnId: '1234567',
      customer: { tenantId: form.customerTenantId, name: 'Contoso Ltd', domain: 'contoso.com' },
      customerContact: { name: 'Carla', email: 'carla@contoso.com' },
      partnerContact: { name: 'Ann', email: 'ann@fabrikam.com', phone: '+1 425 555 0100' },
      products: ['microsoft-365'],
      workloads: ['Teams', 'Exchange'],
      activity: 'pre-sales',
      subscriptionOrTenantId: form.subscriptionOrTenantId,
      incentivesOptOut: false,
    });
    // Missing fields are sent empty, for intake to list every problem.
    expect(createRequest({ products: ['business-applications', 'microsoft-365'], incentivesOptOut: 'on' })).toMatchObject({
      mpnId: '',
      customer: { tenantId: '', name: '', domain: '' },
      products: ['business-applications', 'microsoft-365'],
      incentivesOptOut: true,
    });
  });

  it('send in an edit only the editable fields that changed', () => {
    const claim = {
      mpnId: '1234567',
      products: ['microsoft-365'],
      workloads: ['Teams', 'Exchange'],
      customerContact: { name: 'Carla', email: 'carla@contoso.com' },
      partnerContact: { name: 'Ann', email: 'ann@fabrikam.com', phone: '+1 425 555 0100' },
    } as unknown as ClaimDto;
    const fields = ['mpnId', 'products', 'workloads', 'customerContact', 'partnerContact'] as const;
    expect(editRequest(form, claim, fields)).toEqual({});
    expect(editRequest({ ...form, mpnId: '7654321', partnerContactPhone: '' }, claim, fields)).toEqual({ mpnId: '7654321', partnerContact: { name: 'Ann', email: 'ann@fabrikam.com' } });
    expect(editRequest({ ...form, mpnId: '7654321' }, claim, ['products'])).toEqual({});
  });

  it('show read-only what cannot be edited, each with its reason: fixed fields, then what the policy keeps', () => {
    const claim = {
      mpnId: '1234567',
      customer: { name: 'Contoso Ltd', domain: 'contoso.com', tenantId: 'tenant-1' },
      activity: 'pre-sales',
      subscriptionOrTenantId: 'sub-1',
      incentivesOptOut: false,
      products: ['microsoft-365'],
      workloads: ['Teams'],
      customerContact: { name: 'Carla', email: 'carla@contoso.com' },
      partnerContact: { name: 'Ann', email: 'ann@fabrikam.com', phone: '+1 425 555 0100' },
    } as unknown as ClaimDto;
    const fixed = readOnlyFields(claim, { id: 'p1', editableFields: ['mpnId', 'products', 'workloads', 'customerContact', 'partnerContact'] });
    expect(fixed.map((field) => [field.label, field.value])).toEqual([
      ['Customer name', 'Contoso Ltd'],
      ['Customer domain', 'contoso.com'],
      ['Customer tenant ID', 'tenant-1'],
      ['Activity', 'Pre-sales'],
      ['Subscription or tenant ID', 'sub-1'],
      ['Opted out of incentive payments', 'No'],
    ]);
    expect(new Set(fixed.map((field) => field.reason))).toEqual(new Set(['Fixed once the claim exists: create a new claim to change it.']));
    const narrow = readOnlyFields(claim, { id: 'p2', editableFields: ['products'] }).slice(fixed.length);
    expect(narrow).toEqual([
      { id: 'mpnId', label: 'MPN ID', value: '1234567', reason: "The claim's policy (p2) does not let partners change it." },
      { id: 'workloads', label: 'Workloads', value: 'Teams', reason: "The claim's policy (p2) does not let partners change it." },
      { id: 'customerContact', label: 'Customer contact', value: 'Carla, carla@contoso.com', reason: "The claim's policy (p2) does not let partners change it." },
      { id: 'partnerContact', label: 'Partner contact', value: 'Ann, ann@fabrikam.com, +1 425 555 0100', reason: "The claim's policy (p2) does not let partners change it." },
    ]);
  });
});
