import { invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { dueAt } from '../../policy.js';
import { assertPartnerResponseOpen } from '../shared.js';
import { type CommandDefinition, PARTNER } from '../command-definition.js';

export const submit: CommandDefinition<'submit'> = {
  transitions: [
    { action: 'submit', from: ['Editing'], to: 'Submitted', actors: PARTNER, event: EVENT_TYPES.submitted, when: 'PoE attached' },
    { action: 'submit', from: ['PartnerActionRequired'], to: 'Submitted', actors: PARTNER, event: EVENT_TYPES.submitted, when: 'resubmission' },
  ],

  decide({ claim, now, nowIso, policy, calendar, allowed }) {
    assertPartnerResponseOpen(claim, now, 'submit');
    // R2: no review without proof of execution.
    if (claim.poe.length === 0) {
      throw invalidState('Submit needs at least one PoE document: upload the proof of execution first', {
        currentStatus: claim.status,
        allowedStates: allowed,
        action: 'submit',
        condition: 'poe-required',
      });
    }
    const resubmission = claim.status === 'PartnerActionRequired';
    return {
      patch: { submittedAt: nowIso },
      to: 'Submitted',
      data: { resubmission, reviewStartDueAt: dueAt('review-start', now, policy, calendar).toISOString() },
      summary: resubmission ? 'Resubmitted with the requested information' : 'Submitted for review',
    };
  },
};
