import { EVENT_TYPES } from '../../event-types.js';
import type { ClaimCommand } from '../../commands.js';
import { decide } from '../../decide.js';
import { DomainError } from '../../errors.js';
import { getPolicy, parsePolicy } from '../../policy.js';
import { Scenario, T0, calendar, createCommand, otherPartner, partner, poeDoc, reviewer, upstream } from '../../testing/fixtures.js';

const editMpn: ClaimCommand = { type: 'edit', changes: { mpnId: '7654321' } };

describe('decide: R10 edits', () => {
  it('R10: edit in Submitted is allowed under cpor-2020-06', () => {
    const s = new Scenario('cpor-2020-06').submitted();
    const out = s.run(editMpn, partner, T0);
    expect(out.state).toMatchObject({ mpnId: '7654321', status: 'Submitted', statusEpoch: 2 });
    expect(out.events).toEqual([{ type: EVENT_TYPES.edited, data: { changes: { mpnId: '7654321' }, previous: { mpnId: '1234567' } } }]);
  });

  it('R10: edit in Submitted is refused under cpor-2023-10 (edits only in PartnerActionRequired)', () => {
    const err = new Scenario('cpor-2023-10').submitted().refuse(editMpn, partner, T0);
    expect(err.code).toBe('invalid-state');
    expect(err.details).toEqual({ currentStatus: 'Submitted', allowedStates: ['Editing', 'PartnerActionRequired'], action: 'edit' });
  });

  it.each(['cpor-2020-06', 'cpor-2023-10'])('R10: edit in PartnerActionRequired is allowed under %s', (policyId) => {
    const s = new Scenario(policyId).partnerActionRequired();
    expect(s.run(editMpn, partner, T0).state.mpnId).toBe('7654321');
  });

  it.each(['cpor-2020-06', 'cpor-2023-10'])('R10: the Editing draft is editable under %s (decision: R10 governs submitted claims)', (policyId) => {
    expect(new Scenario(policyId).create().run(editMpn, partner, T0).state.mpnId).toBe('7654321');
  });

  it('R10: edit in UnderReview is invalid-state with currentStatus and allowedStates', () => {
    const err = new Scenario().underReview().refuse(editMpn, partner, T0);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('invalid-state');
    expect(err.details).toEqual({ currentStatus: 'UnderReview', allowedStates: ['Editing', 'Submitted', 'PartnerActionRequired'], action: 'edit' });
    expect(err.message).toBe('Cannot edit a claim in status UnderReview (allowed in: Editing, Submitted, PartnerActionRequired)');
  });

  it.each(['approved', 'rejected'] as const)('R10: a claim that is %s cannot be edited', (state) => {
    const s = new Scenario();
    s[state]();
    expect(s.refuse(editMpn, partner, T0).code).toBe('invalid-state');
  });

  it('R10: every MPN, product and contact field can be edited, with the previous values recorded', () => {
    const s = new Scenario().partnerActionRequired();
    const changes = {
      mpnId: '1111111',
      products: ['business-applications' as const],
      workloads: ['Dynamics 365 Sales'],
      customerContact: { name: 'Dan Customer', email: 'dan@contoso.com' },
      partnerContact: { name: 'Ann Partner', email: 'ann@fabrikam.com', phone: '+44 20 7946 0000' },
    };
    const out = s.run({ type: 'edit', changes }, upstream, T0);
    expect(out.state).toMatchObject(changes);
    expect(out.events[0].data.previous).toEqual({
      mpnId: '1234567',
      products: ['microsoft-365'],
      workloads: ['Teams'],
      customerContact: { name: 'Carla Customer', email: 'carla@contoso.com', phone: '+1 425 555 0100' },
      partnerContact: { name: 'Ann Partner', email: 'ann@fabrikam.com' },
    });
    expect(out.history.summary).toBe('Edited mpnId, products, workloads, customerContact, partnerContact');
  });

  it('R10: an edit naming non-editable fields and invalid values lists every problem at once', () => {
    const s = new Scenario().submitted();
    const bad = {
      type: 'edit',
      changes: {
        mpnId: 'abc',
        activity: 'pre-sales',
        customer: { tenantId: 'x', name: 'y', domain: 'z.com' },
        products: [],
        partnerContact: { name: '', email: 'nope' },
        subscriptionOrTenantId: 'new',
      },
    } as unknown as ClaimCommand;
    const err = s.refuse(bad, partner, T0);
    expect(err.code).toBe('invalid-command');
    expect(err.details.errors).toEqual([
      'changes.mpnId must be 6 to 10 digits',
      'activity cannot be edited in any status (editable: mpnId, products, workloads, customerContact, partnerContact, in Editing, Submitted, PartnerActionRequired)',
      'customer cannot be edited in any status (editable: mpnId, products, workloads, customerContact, partnerContact, in Editing, Submitted, PartnerActionRequired)',
      'changes.products must list at least one of business-applications, microsoft-365',
      'changes.partnerContact.name is required',
      'changes.partnerContact.email must be an email address',
      'subscriptionOrTenantId cannot be edited in any status (editable: mpnId, products, workloads, customerContact, partnerContact, in Editing, Submitted, PartnerActionRequired)',
    ]);
    expect(s.claim.mpnId).toBe('1234567');
  });

  it('R10: an edit without changes is invalid', () => {
    expect(new Scenario().submitted().refuse({ type: 'edit', changes: {} }, partner, T0).code).toBe('invalid-command');
  });

  it("R10: a field outside the policy's editableFields is refused (policy as data)", () => {
    const narrow = parsePolicy({ ...getPolicy('cpor-2020-06'), id: 'cpor-narrow', editableFields: ['customerContact', 'partnerContact'] });
    const ctx = { now: new Date(T0), policy: narrow, calendar };
    const created = decide(null, createCommand({ policyId: 'cpor-narrow' }), partner, ctx).state;
    try {
      decide(created, editMpn, partner, ctx);
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as DomainError).details.errors).toEqual([
        'mpnId cannot be edited under policy cpor-narrow in any status (editable: customerContact, partnerContact, in Editing, Submitted, PartnerActionRequired)',
      ]);
    }
  });

  describe('added PoE (R10: "add additional PoE and commentary")', () => {
    it.each([
      ['cpor-2020-06', 'submitted', true],
      ['cpor-2023-10', 'submitted', false],
      ['cpor-2020-06', 'partnerActionRequired', true],
      ['cpor-2023-10', 'partnerActionRequired', true],
      ['cpor-2020-06', 'underReview', false],
      ['cpor-2023-10', 'approved', false],
    ] as const)('R10: under %s, addPoe when %s is allowed: %s', (policyId, state, allowed) => {
      const s = new Scenario(policyId);
      s[state]();
      const add: ClaimCommand = { type: 'addPoe', document: poeDoc('doc-2') };
      if (allowed) expect(s.run(add, partner, T0).state.poe.map((d) => d.documentId)).toEqual(['doc-1', 'doc-2']);
      else expect(s.refuse(add, partner, T0).code).toBe('invalid-state');
    });
  });

  it('R10: reviewers cannot edit; partners cannot edit another organisation’s claim', () => {
    const s = new Scenario().submitted();
    expect(s.refuse(editMpn, reviewer, T0).code).toBe('forbidden');
    expect(s.refuse(editMpn, otherPartner, T0).code).toBe('not-found');
  });
});
