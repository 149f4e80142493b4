import { invalidCommand, invalidState } from '../../errors.js';
import { EVENT_TYPES } from '../../event-types.js';
import { FIELD_LIMITS, checkText } from '../../validation.js';
import { type CommandDefinition, SYSTEM } from '../command-definition.js';

export const recordEligibility: CommandDefinition<'recordEligibility'> = {
  transitions: [
    { action: 'recordEligibility', from: ['Approved'], to: 'same', actors: SYSTEM, event: EVENT_TYPES.eligibilityAssessed },
  ],

  decide({ claim, command, nowIso }) {
    const fail = (message: string, condition: string) =>
      invalidState(message, { currentStatus: claim.status, allowedStates: ['Approved'], action: 'recordEligibility', condition });
    if (!claim.consent?.elapsedAt) throw fail('Eligibility is assessed only after the consent period (R7)', 'consent-not-elapsed');
    if (claim.eligibility) throw fail('Eligibility is already recorded for this approval', 'eligibility-already-recorded');
    const errors: string[] = [];
    checkText(errors, 'assessmentId', command.assessmentId, FIELD_LIMITS.id);
    if (typeof command.eligible !== 'boolean') errors.push('eligible must be true or false');
    if (errors.length) throw invalidCommand(errors);
    return {
      patch: { eligibility: { assessmentId: command.assessmentId, assessedAt: nowIso, eligible: command.eligible } },
      data: { assessmentId: command.assessmentId, eligible: command.eligible },
      summary: command.eligible ? 'Eligible for incentives' : 'Not eligible for incentives',
    };
  },
};
