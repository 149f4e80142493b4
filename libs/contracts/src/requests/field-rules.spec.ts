import { BusinessCalendar, DomainError, decide, getPolicy, type Actor } from '@cpor/domain';
import { CreateClaimDto, EditClaimDto } from './claim-fields.dto.js';
import { validateContract } from './validate.js';

/**
 * One home for the field rules: the request classes of HTTP and Kafka refuse exactly the values
 * the domain refuses, with the same message.
 */
const partner: Actor = { kind: 'partner', id: 'user-ann', partnerId: 'P-100', roles: ['incentives-admin'] };
const calendar = new BusinessCalendar({ timeZone: 'America/New_York', country: 'US' });
const valid = {
  mpnId: '1234567',
  customer: { tenantId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', name: 'Contoso', domain: 'contoso.com' },
  customerContact: { name: 'Casey', email: 'casey@contoso.com', phone: '+1 425 555 0100' },
  partnerContact: { name: 'Pat', email: 'pat@fabrikam.com' },
  products: ['microsoft-365'],
  workloads: ['Teams'],
  activity: 'deployment',
  subscriptionOrTenantId: '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d',
};

function domainErrors(fields: Record<string, unknown>): string[] {
  try {
    decide(null, { type: 'create', claimId: 'c-1', policyId: 'cpor-2020-06', ...fields } as never, partner, {
      now: new Date('2026-06-01T14:00:00Z'),
      policy: getPolicy('cpor-2020-06'),
      calendar,
    });
    return [];
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return (error.details as { errors: string[] }).errors;
  }
}

async function contractErrors(fields: Record<string, unknown>): Promise<string[]> {
  const result = await validateContract(CreateClaimDto, fields);
  return result.ok ? [] : result.errors;
}

const long = (n: number) => 'x'.repeat(n);

describe('claim fields: HTTP, Kafka and the domain refuse the same values with the same message', () => {
  it('a valid claim passes both', async () => {
    expect(await contractErrors(valid)).toEqual([]);
    expect(domainErrors(valid)).toEqual([]);
  });

  it.each([
    ['contact name too long', { customerContact: { ...valid.customerContact, name: long(257) } }],
    ['contact name blank', { partnerContact: { ...valid.partnerContact, name: '   ' } }],
    ['email without a domain dot', { partnerContact: { ...valid.partnerContact, email: 'pat@fabrikam' } }],
    ['email too long', { partnerContact: { ...valid.partnerContact, email: `${long(250)}@fabrikam.com` } }],
    ['phone with letters', { customerContact: { ...valid.customerContact, phone: 'call me' } }],
    ['customer name too long', { customer: { ...valid.customer, name: long(257) } }],
    ['nil tenant GUID', { customer: { ...valid.customer, tenantId: '00000000-0000-0000-0000-000000000000' } }],
    ['customer domain not a domain', { customer: { ...valid.customer, domain: 'contoso' } }],
    ['MPN ID of 5 digits', { mpnId: '12345' }],
    ['no product', { products: [] }],
    ['a product twice', { products: ['microsoft-365', 'microsoft-365'] }],
    ['51 workloads', { workloads: Array.from({ length: 51 }, (_, i) => `w${i}`) }],
    ['subscription or tenant ID too long', { subscriptionOrTenantId: long(129) }],
  ])('%s', async (_case, change) => {
    const fields = { ...valid, ...change };
    const fromDomain = domainErrors(fields);
    expect(fromDomain).not.toEqual([]);
    expect(await contractErrors(fields)).toEqual(fromDomain);
  });

  it('limits at their edge pass both', async () => {
    const fields = {
      ...valid,
      customerContact: { ...valid.customerContact, name: long(256) },
      customer: { ...valid.customer, name: long(256) },
      workloads: Array.from({ length: 50 }, (_, i) => `w${i}`),
      subscriptionOrTenantId: long(128),
    };
    expect(await contractErrors(fields)).toEqual([]);
    expect(domainErrors(fields)).toEqual([]);
  });

  it('an edit refuses a bad MPN ID with the domain message', async () => {
    const result = await validateContract(EditClaimDto, { mpnId: 'abc' });
    expect(result).toEqual({ ok: false, errors: ['mpnId must be 6 to 10 digits'] });
  });
});
