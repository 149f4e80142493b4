import { EVENT_TYPES } from '../../event-types.js';
import { type ClaimCommand } from '../../commands.js';
import { PARTNER_ROLES } from '../../roles.js';
import { Scenario, SUBSCRIPTION_ID, T0, TENANT_ID, createCommand, customer, partner, reviewer, system, upstream } from '../../testing/fixtures.js';

describe('decide: R1 create', () => {
  it('R1: a partner Incentives admin creates a claim in Editing with every field', () => {
    const s = new Scenario();
    const out = s.run(createCommand(), partner, T0);
    expect(out.state).toEqual({
      id: 'claim-1',
      policyId: 'cpor-2020-06',
      partnerId: 'P-100',
      mpnId: '1234567',
      customer: { tenantId: TENANT_ID, name: 'Contoso Ltd', domain: 'contoso.com' },
      customerContact: { name: 'Carla Customer', email: 'carla@contoso.com', phone: '+1 425 555 0100' },
      partnerContact: { name: 'Ann Partner', email: 'ann@fabrikam.com' },
      products: ['microsoft-365'],
      workloads: ['Teams'],
      activity: 'deployment',
      subscriptionOrTenantId: SUBSCRIPTION_ID,
      incentivesOptOut: false,
      status: 'Editing',
      statusEpoch: 1,
      statusChangedAt: T0,
      poe: [],
      disputes: [],
      createdAt: T0,
      updatedAt: T0,
    });
    expect(out.events).toEqual([{ type: EVENT_TYPES.created, data: expect.objectContaining({ partnerId: 'P-100', mpnId: '1234567', policyId: 'cpor-2020-06' }) }]);
    expect(out.history).toMatchObject({ at: T0, actor: { kind: 'partner', id: 'user-ann' }, action: 'create', fromStatus: null, toStatus: 'Editing' });
  });

  it("keeps the partner organisation's name when the command has one (from the creator's token), and checks it", () => {
    expect(new Scenario().run({ ...createCommand(), partnerName: 'Fabrikam Solutions' } as ClaimCommand, partner, T0).state.partnerName).toBe('Fabrikam Solutions');
    expect(new Scenario().run(createCommand(), partner, T0).state).not.toHaveProperty('partnerName');
    expect(() => new Scenario().run({ ...createCommand(), partnerName: 'x'.repeat(257) } as ClaimCommand, partner, T0)).toThrow(/partnerName/);
  });

  it.each(PARTNER_ROLES)('R1: a partner with role %s may create a claim', (role) => {
    const out = new Scenario().run(createCommand(), { ...partner, roles: [role] }, T0);
    expect(out.state.status).toBe('Editing');
  });

  it('R1: both products and every activity are accepted, with an opt-out of incentives', () => {
    const out = new Scenario().run(
      createCommand({ products: ['business-applications', 'microsoft-365'], activity: 'revenue-association', incentivesOptOut: true }),
      partner,
      T0,
    );
    expect(out.state).toMatchObject({ products: ['business-applications', 'microsoft-365'], activity: 'revenue-association', incentivesOptOut: true });
  });

  it('R1: an upstream system creates a claim for the partner it publishes for', () => {
    const out = new Scenario().run(createCommand(), upstream, T0);
    expect(out.state.partnerId).toBe('P-100');
    expect(out.history.actor).toEqual({ kind: 'upstream', id: 'crm-connector' });
  });

  it('R1: a partner user without Billing, Global or Incentives admin role is forbidden', () => {
    const err = new Scenario().refuse(createCommand(), { ...partner, roles: ['sales-agent'] }, T0);
    expect(err.code).toBe('forbidden');
    expect(err.details.requiredRoles).toEqual(['billing-admin', 'global-admin', 'incentives-admin']);
  });

  it.each([reviewer, customer, system])('R1: a $kind cannot create a claim', (actor) => {
    expect(new Scenario().refuse(createCommand(), actor, T0).code).toBe('forbidden');
  });

  it('R1: a partner actor without an organisation is forbidden', () => {
    expect(new Scenario().refuse(createCommand(), { kind: 'partner', id: 'x', roles: ['global-admin'] }, T0).code).toBe('forbidden');
  });

  it('R1: an invalid create lists every problem at once', () => {
    const bad = {
      type: 'create',
      claimId: '',
      policyId: 'cpor-2020-06',
      mpnId: 'MPN-1',
      customer: { tenantId: 'not-a-guid', name: '', domain: 'contoso' },
      customerContact: { name: 'Carla', email: 'carla-at-contoso' },
      products: ['azure'],
      activity: 'lunch',
      subscriptionOrTenantId: '',
      incentivesOptOut: 'yes',
    } as unknown as ClaimCommand;
    const err = new Scenario().refuse(bad, partner, T0);
    expect(err.code).toBe('invalid-command');
    expect(err.details.errors).toEqual([
      'claimId is required',
      'mpnId must be 6 to 10 digits',
      'customer.tenantId must be a GUID (Microsoft Entra tenant ID)',
      'customer.name is required',
      'customer.domain must be a domain name',
      'customerContact.email must be an email address',
      'partnerContact is required (name, email, optional phone)',
      'products[0] must be one of business-applications, microsoft-365',
      'activity must be one of pre-sales, revenue-association, deployment, managed-services',
      'subscriptionOrTenantId is required',
      'incentivesOptOut must be true or false',
    ]);
  });

  it('R1: creating over an existing claim is invalid-state', () => {
    const s = new Scenario().create();
    const err = s.refuse(createCommand(), partner, T0);
    expect(err.code).toBe('invalid-state');
    expect(err.details).toMatchObject({ currentStatus: 'Editing', condition: 'claim-exists' });
  });

  it('R1: the claim is stamped with the policy the caller chose', () => {
    expect(new Scenario('cpor-2023-10').create().claim.policyId).toBe('cpor-2023-10');
  });
});
